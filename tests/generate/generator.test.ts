import { describe, it, expect } from 'vitest';
import { centroidDistance, generateRoutes, planChunks, sampleOdPairs, type GenOD } from '../../src/lib/generate/generator';
import type { Trajectory } from '../../src/lib/data/types';
import { makeRng } from '../../src/lib/random';
import { makeCity } from '../models/studentFixture';
import { StartAwareScorer, SteerScorer } from './toyScorers';

const city = makeCity(6, 40, 10, 6);
const { net, derived } = city;
const base = { distanceToDest: centroidDistance(derived.features), timeMean: Math.log1p(20), timeStd: 1, maxSteps: 60 };

function trip(id: string, roads: number[], t0: number): Trajectory {
  return { id, roads, times: roads.map((_, i) => t0 + 10 * i) };
}

describe('sampleOdPairs', () => {
  // OD (1→9) three times as often as (2→8); start times 100 for the first OD's trips, 900 for the other's.
  const trips = [trip('a', [1, 5, 9], 100), trip('b', [1, 4, 9], 100), trip('c', [1, 9], 100), trip('d', [2, 8], 900), trip('e', [7], 5)];

  it('follows the empirical OD distribution, skipping one-road trips', () => {
    const ods = sampleOdPairs(trips, 4000, makeRng(3));
    expect(ods).toHaveLength(4000);
    const a = ods.filter((o) => o.origin === 1 && o.dest === 9).length / ods.length;
    const b = ods.filter((o) => o.origin === 2 && o.dest === 8).length / ods.length;
    expect(a).toBeGreaterThan(0.72);
    expect(a).toBeLessThan(0.78);
    expect(a + b).toBe(1);
  });

  it('samples start times from real first timestamps, independently of the OD pair', () => {
    const ods = sampleOdPairs(trips, 2000, makeRng(4));
    expect(new Set(ods.map((o) => o.startTime))).toEqual(new Set([100, 900]));
    // Independent: the rarer start time also appears with the common OD (≈ 0.75 · 0.25 of all).
    const mixed = ods.filter((o) => o.origin === 1 && o.startTime === 900).length / ods.length;
    expect(mixed).toBeGreaterThan(0.15);
    expect(mixed).toBeLessThan(0.23);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const x = sampleOdPairs(city.ds.splits.train, 50, makeRng(7));
    expect(sampleOdPairs(city.ds.splits.train, 50, makeRng(7))).toEqual(x);
    expect(sampleOdPairs(city.ds.splits.train, 50, makeRng(8))).not.toEqual(x);
  });

  it('rejects a split with nothing to sample and a bad n', () => {
    expect(() => sampleOdPairs([trip('x', [3], 0)], 5, makeRng(1))).toThrow(/no trip/);
    expect(() => sampleOdPairs(trips, -1, makeRng(1))).toThrow(/non-negative/);
  });
});

describe('generateRoutes', () => {
  const ods = sampleOdPairs(city.ds.splits.train, 30, makeRng(11));

  it('reaches destinations with a steering scorer; times start at the start time and follow the time predictions', async () => {
    const trips = await generateRoutes(new SteerScorer(net, derived.features), ods, { ...base, beam: 4 });
    expect(trips).toHaveLength(ods.length);
    trips.forEach((t, i) => {
      expect(t.origin).toBe(ods[i].origin);
      expect(t.roads[0]).toBe(ods[i].origin);
      expect(t.reached).toBe(true);
      expect(t.roads[t.roads.length - 1]).toBe(ods[i].dest);
      expect(t.times).toHaveLength(t.roads.length);
      expect(t.times[0]).toBe(ods[i].startTime);
      expect(t.timesFromModel).toBe(true);
      for (let k = 1; k < t.roads.length; k++) {
        // Toy hop time 10 + (road mod 7) + 0.4 s, rounded per hop.
        expect(t.times[k] - t.times[k - 1]).toBe(10 + (t.roads[k] % 7));
      }
      for (let k = 1; k < t.roads.length; k++) expect(net.out[t.roads[k - 1]]).toContain(t.roads[k]);
    });
  });

  it('falls back to the train mean hop time when the scorer predicts no times', async () => {
    const trips = await generateRoutes(new SteerScorer(net, derived.features, 5, false), ods.slice(0, 5), base);
    for (const t of trips) {
      expect(t.timesFromModel).toBe(false);
      for (let k = 1; k < t.times.length; k++) expect(t.times[k] - t.times[k - 1]).toBe(20);
    }
  });

  it('gives the same routes whatever the batch size, for beam and best-first search', async () => {
    for (const method of ['beam', 'bestFirst'] as const) {
      const one = await generateRoutes(new SteerScorer(net, derived.features, 2), ods, { ...base, method, batchSize: 1 });
      const seven = await generateRoutes(new SteerScorer(net, derived.features, 2), ods, { ...base, method, batchSize: 7 });
      const all = new SteerScorer(net, derived.features, 2);
      const big = await generateRoutes(all, ods, { ...base, method, batchSize: 256 });
      expect(seven).toEqual(one);
      expect(big).toEqual(one);
      // One chunk: far fewer scorer calls than OD pairs × steps.
      expect(all.calls).toBeLessThan(one.reduce((s, t) => s + t.roads.length, 0));
    }
  });

  it('marks an unreached destination and returns the partial path nearest to it', async () => {
    // Steering away from the destination with a small step cap.
    const trips = await generateRoutes(new SteerScorer(net, derived.features, -5), ods.slice(0, 6), { ...base, maxSteps: 3 });
    expect(trips.some((t) => !t.reached)).toBe(true);
    for (const t of trips.filter((x) => !x.reached)) expect(t.roads.length).toBeLessThanOrEqual(4);
  });

  it('never mixes start times of one origin inside a chunk, and a start-aware scorer gets each trip its own start', async () => {
    const o = ods[0];
    const twins: GenOD[] = [
      { ...o, startTime: 1_380_000_100 },
      { ...o, startTime: 1_380_000_300 },
      { ...ods[1], startTime: 1_380_000_200 },
      { ...o, startTime: 1_380_000_100 },
    ];
    const chunks = planChunks(twins, 256, true);
    expect(chunks).toEqual([[0, 2, 3], [1]]);
    expect(planChunks(twins, 2, false)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    const trips = await generateRoutes(new StartAwareScorer(net, derived.features), twins, base);
    trips.forEach((t, i) => {
      const hop = 5 + (twins[i].startTime % 1000);
      for (let k = 1; k < t.times.length; k++) expect(t.times[k] - t.times[k - 1]).toBe(hop);
    });
  });

  it('reports progress and can be cancelled', async () => {
    const seen: number[] = [];
    await generateRoutes(new SteerScorer(net, derived.features), ods, {
      ...base,
      batchSize: 10,
      onProgress: (p) => p.step < 0 && seen.push(p.done),
    });
    expect(seen).toEqual([10, 20, 30]);

    const ac = new AbortController();
    const run = generateRoutes(new SteerScorer(net, derived.features), ods, {
      ...base,
      batchSize: 10,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done >= 10) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const pre = new AbortController();
    pre.abort();
    await expect(generateRoutes(new SteerScorer(net, derived.features), ods, { ...base, signal: pre.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
