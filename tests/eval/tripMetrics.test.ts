import { describe, it, expect } from 'vitest';
import type { LonLat } from '../../src/lib/data/types';
import {
  aggregateReports,
  cosineCounts,
  dtwPerKm,
  EVAL_KEYS,
  evaluateTrips,
  meanDtwPerKm,
  meanStd,
  topKF1,
  tripDistanceKm,
  type EvalReport,
  type EvalTrip,
} from '../../src/lib/eval/tripMetrics';

// Deterministic pseudo-random numbers so the synthetic sets are stable.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A random walk of `len` points inside the Porto box, 20–60 s per hop. */
function makeTrip(id: string, rnd: () => number, len: number, stepDeg = 0.0015): EvalTrip {
  let lon = -8.67 + rnd() * 0.08;
  let lat = 41.145 + rnd() * 0.03;
  const points: LonLat[] = [];
  const times: number[] = [];
  const roads: number[] = [];
  let t = 1_372_636_800 + Math.floor(rnd() * 86_400);
  for (let i = 0; i < len; i++) {
    points.push([lon, lat]);
    times.push(t);
    roads.push(Math.floor((lon + 9) * 1000) * 100 + Math.floor((lat - 41) * 1000));
    lon += (rnd() - 0.3) * stepDeg;
    lat += (rnd() - 0.4) * stepDeg;
    t += 20 + Math.floor(rnd() * 40);
  }
  return { id, points, times, roads };
}

function makeSet(seed: number, n: number, stepDeg?: number): EvalTrip[] {
  const rnd = lcg(seed);
  return Array.from({ length: n }, (_, i) => makeTrip(`t${i}`, rnd, 5 + Math.floor(rnd() * 20), stepDeg));
}

describe('evaluateTrips', () => {
  it('gives perfect scores when generated == real', () => {
    const real = makeSet(1, 60);
    const gen = real.map((t) => ({ ...t, id: `g${t.id}` }));
    const r = evaluateTrips(real, gen);
    expect(r.distanceJSD).toBe(0);
    expect(r.durationJSD).toBe(0);
    expect(r.radiusJSD).toBe(0);
    expect(r.stepDistanceJSD).toBe(0);
    expect(r.hausdorffKm).toBe(0);
    expect(r.dtwKm).toBe(0);
    expect(r.edr).toBe(0);
    expect(r.odMatchRate).toBe(1);
    expect(r.reachedRate).toBe(1);
    expect(r.gridDensityCos).toBeCloseTo(1, 12);
    expect(r.gridPatternF1).toBe(1);
    expect(r.roadDensityCos).toBeCloseTo(1, 12);
    expect(r.roadPatternF1).toBe(1);
    expect(r.n).toBe(60);
    expect(r.pairedN).toBe(60);
    for (const k of EVAL_KEYS) expect(k in r).toBe(true);
  });

  it('scores a distorted generated set worse on every metric', () => {
    const real = makeSet(2, 80);
    const same = evaluateTrips(real, real);
    // Longer hops, slower, different places: every distribution moves.
    const other: EvalTrip[] = makeSet(99, 80, 0.004).map((t) => ({
      ...t,
      times: t.times.map((x, i) => t.times[0] + i * 150),
      reached: false,
    }));
    // Half of the generated trips copy a real trip's endpoints with a detour in between.
    for (let i = 0; i < 40; i++) {
      const r = real[i];
      const mid: LonLat = [r.points[0][0] + 0.01, r.points[0][1] + 0.01];
      other[i] = {
        id: `d${i}`,
        points: [r.points[0], mid, r.points[r.points.length - 1]],
        times: [0, 60, 120],
        roads: [r.roads![0], 1, r.roads![r.roads!.length - 1]],
      };
    }
    const r = evaluateTrips(real, other);
    expect(r.distanceJSD).toBeGreaterThan(same.distanceJSD + 0.05);
    expect(r.durationJSD).toBeGreaterThan(0.05);
    expect(r.radiusJSD).toBeGreaterThan(0.05);
    expect(r.stepDistanceJSD).toBeGreaterThan(0.05);
    expect(r.odMatchRate).toBeCloseTo(0.5, 12);
    expect(r.reachedRate).toBeCloseTo(0.5, 12);
    expect(r.pairedN).toBeGreaterThanOrEqual(40);
    expect(r.hausdorffKm).toBeGreaterThan(0.1);
    expect(r.dtwKm).toBeGreaterThan(0.1);
    expect(r.edr).toBeGreaterThan(0);
    expect(r.gridDensityCos).toBeLessThan(0.9);
    expect(r.gridPatternF1).toBeLessThan(0.9);
    expect(r.roadDensityCos).toBeLessThan(0.9);
    expect(r.roadPatternF1).toBeLessThan(0.9);
  });

  it('pairs the i-th real with the i-th generated trip of the same OD cell pair', () => {
    const o: LonLat = [-8.62, 41.15];
    const d: LonLat = [-8.6, 41.16];
    const a: EvalTrip = { id: 'a', points: [o, [-8.61, 41.155], d], times: [0, 60, 120] };
    const b: EvalTrip = { id: 'b', points: [o, [-8.61, 41.17], d], times: [0, 60, 120] };
    const first = evaluateTrips([a, b], [{ ...a, id: 'g' }]);
    expect(first.pairedN).toBe(1);
    expect(first.hausdorffKm).toBe(0);
    // b is the second real trip of the key, so the only generated trip is compared with a
    const second = evaluateTrips([a, b], [{ ...b, id: 'g' }]);
    expect(second.pairedN).toBe(1);
    expect(second.hausdorffKm).toBeGreaterThan(1);
    // two generated trips: g1 pairs with a, g2 with b
    const both = evaluateTrips(
      [a, b],
      [
        { ...a, id: 'g1' },
        { ...b, id: 'g2' },
      ],
    );
    expect(both.pairedN).toBe(2);
    expect(both.hausdorffKm).toBe(0);
  });

  it('counts OD matches on 0.001° bins of the actual endpoints', () => {
    const real: EvalTrip[] = [
      {
        id: 'r',
        points: [
          [-8.6101, 41.1501],
          [-8.6001, 41.1601],
        ],
        times: [0, 60],
      },
    ];
    const inBin: EvalTrip = {
      id: 'g1',
      points: [
        [-8.61095, 41.15095],
        [-8.60005, 41.16005],
      ],
      times: [0, 60],
    };
    const outBin: EvalTrip = {
      id: 'g2',
      points: [
        [-8.6101, 41.1501],
        [-8.5989, 41.1601],
      ],
      times: [0, 60],
    };
    expect(evaluateTrips(real, [inBin]).odMatchRate).toBe(1);
    expect(evaluateTrips(real, [outBin]).odMatchRate).toBe(0);
    expect(evaluateTrips(real, [inBin, outBin]).odMatchRate).toBe(0.5);
  });

  it('handles one-point trips: zero distance, undefined duration JSD', () => {
    const p: LonLat = [-8.61, 41.15];
    const one: EvalTrip = { id: 'x', points: [p], times: [100] };
    const r = evaluateTrips([one], [{ ...one, id: 'y' }]);
    expect(tripDistanceKm([p])).toBe(0);
    expect(r.distanceJSD).toBe(0);
    expect(r.radiusJSD).toBe(0);
    expect(Number.isNaN(r.durationJSD)).toBe(true);
    expect(Number.isNaN(r.stepDistanceJSD)).toBe(true);
    expect(r.hausdorffKm).toBe(0);
    expect(r.odMatchRate).toBe(1);
  });

  it('leaves road metrics undefined when road ids are missing', () => {
    const real = makeSet(3, 10);
    const gen = real.map(({ roads: _roads, ...t }) => t);
    const r = evaluateTrips(real, gen);
    expect(Number.isNaN(r.roadDensityCos)).toBe(true);
    expect(Number.isNaN(r.roadPatternF1)).toBe(true);
    expect(r.gridPatternF1).toBe(1);
  });

  it('rejects empty and malformed inputs with clear errors', () => {
    const real = makeSet(4, 3);
    expect(() => evaluateTrips([], real)).toThrow(/no real trips/);
    expect(() => evaluateTrips(real, [])).toThrow(/no generated trips/);
    expect(() => evaluateTrips(real, [{ id: 'e', points: [], times: [] }])).toThrow(/no points/);
    expect(() => evaluateTrips(real, [{ id: 'm', points: [[-8.6, 41.15]], times: [1, 2] }])).toThrow(/times/);
  });
});

describe('density and pattern helpers', () => {
  it('cosine of count vectors', () => {
    expect(cosineCounts(new Map([['a', 1]]), new Map([['b', 1]]))).toBe(0);
    expect(
      cosineCounts(
        new Map([
          ['a', 2],
          ['b', 2],
        ]),
        new Map([
          ['a', 1],
          ['b', 1],
        ]),
      ),
    ).toBeCloseTo(1, 12);
    // (3,4)·(4,3) / 25
    expect(
      cosineCounts(
        new Map([
          ['a', 3],
          ['b', 4],
        ]),
        new Map([
          ['a', 4],
          ['b', 3],
        ]),
      ),
    ).toBeCloseTo(24 / 25, 12);
  });

  it('top-k F1', () => {
    const real = new Map([
      [1, 10],
      [2, 9],
      [3, 8],
      [4, 1],
    ]);
    const gen = new Map([
      [1, 5],
      [3, 5],
      [9, 4],
      [2, 1],
    ]);
    // top-3 real {1,2,3}, top-3 gen {1,3,9}: 2 common -> F1 = 2/3
    expect(topKF1(real, gen, 3)).toBeCloseTo(2 / 3, 12);
    expect(topKF1(real, new Map([[7, 1]]), 3)).toBe(0);
    // fewer generated keys than k: precision 1/1, recall 1/3 -> F1 = 0.5
    expect(topKF1(real, new Map([[1, 1]]), 3)).toBeCloseTo(0.5, 12);
  });
});

describe('meanStd / aggregateReports', () => {
  it('mean and sample std', () => {
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
    expect(meanStd([5])).toEqual({ mean: 5, std: 0 });
    expect(() => meanStd([])).toThrow(/no values/);
  });

  it('aggregates every key and skips NaN runs', () => {
    const base = evaluateTrips(makeSet(5, 10), makeSet(6, 10));
    const a: EvalReport = { ...base, distanceJSD: 0.1, hausdorffKm: NaN };
    const b: EvalReport = { ...base, distanceJSD: 0.3, hausdorffKm: 2 };
    const agg = aggregateReports([a, b]);
    for (const k of EVAL_KEYS) expect(agg[k]).toBeDefined();
    expect(agg.distanceJSD.mean).toBeCloseTo(0.2, 12);
    expect(agg.distanceJSD.std).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(agg.hausdorffKm).toEqual({ mean: 2, std: 0 });
    expect(agg.n).toEqual({ mean: 10, std: 0 });
    expect(() => aggregateReports([])).toThrow(/no reports/);
  });
});

describe('DTW per km', () => {
  it('divides by the real trip, leaving out what it cannot divide', () => {
    expect(dtwPerKm(204, 6.5)).toBeCloseTo(31.38, 2);
    expect(dtwPerKm(1, 0)).toBeNaN();
    expect(
      meanDtwPerKm([
        { dtwKm: 2, realKm: 1 },
        { dtwKm: 4, realKm: 1 },
        { dtwKm: null, realKm: 1 },
        { dtwKm: 3, realKm: null },
        { dtwKm: 3, realKm: 0 },
      ]),
    ).toEqual({ mean: 3, std: 1, n: 2 });
    expect(meanDtwPerKm([{ dtwKm: null, realKm: 2 }])).toBeNull();
  });
});
