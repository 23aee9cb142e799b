import { describe, it, expect } from 'vitest';
import { describePair, ONE_PAIR_SCOPE, roundReport, runProtocol, type ProtocolReport } from '../../src/lib/eval/protocol';
import type { Dataset } from '../../src/lib/data/types';
import { makeCity, makeTrips } from '../models/studentFixture';
import { SteerScorer } from '../generate/toyScorers';

const city = makeCity(6, 40, 10, 6);
const ds: Dataset = { ...city.ds, splits: { ...city.ds.splits, test: makeTrips(6, city.roadOf, 15, 3, 'test') } };
const { net, derived } = city;
const good = () => new SteerScorer(net, derived.features, 8);
const bad = () => new SteerScorer(net, derived.features, -3);

async function run(
  vanilla: SteerScorer,
  distilled: SteerScorer,
  extra: Partial<Parameters<typeof runProtocol>[0]> = {},
): Promise<ProtocolReport> {
  return runProtocol({
    dataset: ds,
    derived,
    models: [
      { name: 'vanilla', scorer: vanilla },
      { name: 'distilled', scorer: distilled },
    ],
    n: 12,
    seeds: [1, 2],
    maxSteps: 25,
    routeSamples: 5,
    evalOptions: { odBox: [-8.652, 41.149, -8.637, 41.16] },
    ...extra,
  });
}

describe('runProtocol', () => {
  it('produces every metric as mean ± std per model × split, with counts, speed and aggregated seeds', async () => {
    const rep = await run(bad(), good());
    expect(Object.keys(rep.models)).toEqual(['vanilla', 'distilled']);
    expect(rep.protocol).toMatchObject({ n: 12, nPerSplit: { train: 12, test: 12 }, seeds: [1, 2], beam: 4, method: 'beam', maxSteps: 25 });
    for (const m of ['vanilla', 'distilled']) {
      for (const s of ['train', 'test']) {
        const c = rep.models[m][s];
        for (const k of ['distanceJSD', 'durationJSD', 'radiusJSD', 'hausdorffKm', 'dtwKm', 'edr', 'odMatchRate', 'reachedRate'] as const) {
          expect(c[k]).toHaveProperty('mean');
          expect(c[k]).toHaveProperty('std');
        }
        expect(c.n).toBe(12);
        expect(c.perSeed).toHaveLength(2);
        expect(c.genSecondsPerSeed).toHaveLength(2);
        expect(c.tripsPerSec).toBeCloseTo(12 / c.genSeconds, 6);
        expect(c.timesFromModel).toBe(1);
        // Aggregation = mean over the seeds' reports.
        const r = c.perSeed.map((p) => p.reachedRate);
        expect(c.reachedRate.mean).toBeCloseTo((r[0] + r[1]) / 2, 12);
        expect(c.reachedRate.std).toBeCloseTo(Math.abs(r[0] - r[1]) / Math.SQRT2, 12);
      }
    }
    expect(rep.models.distilled.train.reachedRate.mean).toBe(1);
    expect(rep.models.vanilla.train.reachedRate.mean).toBeLessThan(1);
    // Different seeds draw different OD pairs.
    expect(rep.models.distilled.train.perSeed[0].distanceJSD).not.toBe(rep.models.distilled.train.perSeed[1].distanceJSD);
  });

  it('with a tail guard, every route the search left unreached takes the fastest path, and the report says so', async () => {
    const rep = await run(bad(), good(), { guardCap: 1.2 });
    expect(rep.protocol.guardCap).toBe(1.2);
    // The bad scorer steers away and reaches too few (below 1 without the guard, as the test above shows).
    expect(rep.models.vanilla.train.reachedRate.mean).toBe(1);
    expect(rep.routes.every((r) => (r.vanilla as { reached: boolean }).reached)).toBe(true);
    expect((await run(bad(), good())).protocol).not.toHaveProperty('guardCap');
  });

  it('gives every model the same OD pairs and keeps route samples with their real trips', async () => {
    const rep = await run(bad(), good());
    expect(rep.routes.length).toBeGreaterThan(0);
    expect(rep.routes.filter((r) => r.split === 'train').length).toBeLessThanOrEqual(5);
    const trainById = new Map([...ds.splits.train, ...ds.splits.test].map((t) => [t.id, t]));
    for (const r of rep.routes) {
      expect(r.realTripIds.length).toBeGreaterThan(0);
      for (const id of r.realTripIds) {
        const t = trainById.get(id)!;
        expect(id.startsWith(r.split)).toBe(true);
        expect([t.roads[0], t.roads[t.roads.length - 1]]).toEqual([r.origin, r.dest]);
      }
      for (const m of ['vanilla', 'distilled']) {
        const g = r[m] as { roads: number[]; times: number[]; dtwKm: number | null };
        expect(g.roads[0]).toBe(r.origin);
        expect(g.times[0]).toBe(r.startTime);
        expect(g.dtwKm).not.toBeNull();
      }
      expect((r.distilled as { roads: number[] }).roads.at(-1)).toBe(r.dest);
    }
    expect(new Set(rep.routes.map((r) => `${r.split}:${r.origin}>${r.dest}`)).size).toBe(rep.routes.length);
  });

  it('keeps a given OD pair in the route samples (a re-run keeps the selected route), the metrics unchanged', async () => {
    const plain = await run(bad(), good(), { seeds: [1] });
    const inSample = new Set(plain.routes.map((r) => `${r.split}:${r.origin}>${r.dest}`));
    // A test OD pair the 5 route samples lack, with a start time of its own.
    const t = ds.splits.test.find((x) => !inSample.has(`test:${x.roads[0]}>${x.roads[x.roads.length - 1]}`))!;
    const keep = { split: 'test' as const, origin: t.roads[0], dest: t.roads[t.roads.length - 1], startTime: 1234567 };
    const rep = await run(bad(), good(), { seeds: [1], keepRoutes: [keep, { ...keep, origin: 1e9 }] });
    const kept = rep.routes.filter((r) => r.split === 'test' && r.origin === keep.origin && r.dest === keep.dest);
    expect(kept).toHaveLength(1);
    expect(kept[0].startTime).toBe(keep.startTime);
    expect(kept[0].realTripIds).toContain(t.id);
    for (const m of ['vanilla', 'distilled']) {
      const g = kept[0][m] as { roads: number[]; times: number[]; dtwKm: number | null };
      expect(g.roads[0]).toBe(keep.origin);
      expect(g.times[0]).toBe(keep.startTime);
      expect(g.dtwKm).not.toBeNull();
    }
    // Added once, after the sample's routes (an unknown road is skipped); the metrics are the sample's.
    expect(rep.routes).toHaveLength(plain.routes.length + 1);
    expect(rep.routes.slice(0, -1)).toEqual(plain.routes);
    for (const m of ['vanilla', 'distilled'])
      for (const sp of ['train', 'test']) expect(rep.models[m][sp].perSeed).toEqual(plain.models[m][sp].perSeed);
    // A pair the sample already holds is not added again.
    const held = plain.routes[0];
    const again = await run(bad(), good(), {
      seeds: [1],
      keepRoutes: [{ split: 'train', origin: held.origin, dest: held.dest, startTime: 0 }],
    });
    expect(again.routes.map((r) => [r.origin, r.dest])).toEqual(plain.routes.map((r) => [r.origin, r.dest]));
  });

  it('describes one trained pair without a verdict of its own', async () => {
    const helped = await run(bad(), good(), { seeds: [1] });
    expect(helped.pairNote.startsWith(ONE_PAIR_SCOPE)).toBe(true);
    expect(helped.pairNote).toMatch(/train-OD, the better mean: distilled on [^;]*reachedRate/);
    const hurt = await run(good(), bad(), { seeds: [1] });
    expect(hurt.pairNote).toMatch(/train-OD, the better mean: .*vanilla on [^;]*reachedRate/);
    for (const note of [helped.pairNote, hurt.pairNote]) expect(note).not.toMatch(/helped|hurt|did not help|\d+\/\d+/i);
  });

  it('can be cancelled', async () => {
    const ac = new AbortController();
    const p = run(good(), good(), { signal: ac.signal, onProgress: (x) => x.run >= 1 && ac.abort() });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('describePair', () => {
  const cell = (v: Record<string, number>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, { mean: x, std: 0.01 }]));
  const van = {
    distanceJSD: 0.2,
    radiusJSD: 0.2,
    durationJSD: 0.1,
    hausdorffKm: 1,
    dtwKm: 10,
    edr: 0.6,
    odMatchRate: 0.3,
    reachedRate: 0.5,
  };

  it('names the better mean per metric and split, in the direction of each metric, without a count or a verdict', () => {
    const dis = { ...van, distanceJSD: 0.1, radiusJSD: 0.1, odMatchRate: 0.6, reachedRate: 0.9, dtwKm: 11 };
    const v = describePair({ vanilla: { train: cell(van), test: cell(van) }, distilled: { train: cell(dis), test: cell(van) } }, [
      'train',
      'test',
    ]);
    expect(v.startsWith(ONE_PAIR_SCOPE)).toBe(true);
    expect(v).toContain(
      'train-OD, the better mean: distilled on distanceJSD, radiusJSD, odMatchRate, reachedRate; vanilla on dtwKm; equal on durationJSD, hausdorffKm, edr.',
    );
    expect(v).toContain('test-OD, the better mean: equal on distanceJSD');
    expect(v).not.toMatch(/helped|hurt|\d+\/\d+/);
  });

  it('skips undefined metrics and needs both models', () => {
    const dis = { ...van, odMatchRate: 0.1, hausdorffKm: NaN };
    const v = describePair({ vanilla: { test: cell(van) }, distilled: { test: cell(dis) } }, ['test']);
    expect(v).toContain(
      'test-OD, the better mean: vanilla on odMatchRate; equal on distanceJSD, radiusJSD, durationJSD, dtwKm, edr, reachedRate.',
    );
    expect(v).not.toContain('hausdorffKm');
    expect(describePair({ vanilla: {} }, ['train'])).toMatch(/^No comparison/);
    expect(describePair({ vanilla: { train: cell(van) }, distilled: {} }, ['train'])).toMatch(/^No comparison: no split/);
  });
});

describe('loadStudentScorer (a tiny real student)', () => {
  it('loads checkpoint bytes, refuses another network, and generates the same routes whatever the chunking', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { Student } = await import('../../src/lib/models/student');
    const { TINY_STUDENT } = await import('../models/studentFixture');
    const { encodeCheckpoint, weightsFromVariables } = await import('../../src/lib/checkpoint/checkpoint');
    const { loadStudentScorer } = await import('../../src/lib/eval/protocol');
    const { centroidDistance, generateRoutes, sampleOdPairs } = await import('../../src/lib/generate/generator');
    const { makeRng } = await import('../../src/lib/random');

    const s = new Student(derived, TINY_STUDENT, 5);
    const ck = {
      kind: 'student' as const,
      config: s.config,
      fingerprint: derived.fingerprint,
      training: { epoch: 1, step: 1 },
      hyper: {},
      created: 'now',
      weights: weightsFromVariables(s.store.variables()),
    };
    const bytes = encodeCheckpoint(ck);
    s.dispose();
    expect(() => loadStudentScorer(encodeCheckpoint({ ...ck, fingerprint: 'other' }), net, derived)).toThrow(/different road network/);
    expect(() => loadStudentScorer(encodeCheckpoint({ ...ck, kind: 'teacher' }), net, derived)).toThrow(/wrong checkpoint kind/);

    // Repeated origins with different start times exercise the cache-refresh path.
    const base = sampleOdPairs(ds.splits.train, 4, makeRng(2));
    const ods = [
      ...base,
      { ...base[0], startTime: base[0].startTime + 3600 * 12 },
      { ...base[1], startTime: base[1].startTime + 3600 * 30 },
    ];
    const opts = {
      distanceToDest: centroidDistance(derived.features),
      timeMean: derived.timeMean,
      timeStd: derived.timeStd,
      maxSteps: 8,
      beam: 2,
    };
    const a = loadStudentScorer(bytes, net, derived);
    const before = tf.memory().numTensors;
    const all = await generateRoutes(a.scorer, ods, { ...opts, batchSize: 64 });
    const tensorsAfter = tf.memory().numTensors;
    a.dispose();
    const b = loadStudentScorer(bytes, net, derived);
    const single = await generateRoutes(b.scorer, ods, { ...opts, batchSize: 1 });
    b.dispose();
    expect(single).toEqual(all);
    // The re-timed twins match a scorer that never saw their origins under the first start time.
    const c = loadStudentScorer(bytes, net, derived);
    const fresh = await generateRoutes(c.scorer, ods.slice(4), opts);
    c.dispose();
    const strip = (t: { roads: number[]; times: number[]; logProb: number }) => ({ roads: t.roads, times: t.times, logProb: t.logProb });
    expect(fresh.map(strip)).toEqual(all.slice(4).map(strip));
    // Only the cached road/zone embeddings stay alive.
    expect(tensorsAfter - before).toBeLessThanOrEqual(2);
    for (const t of all) {
      expect(t.timesFromModel).toBe(true);
      for (let k = 1; k < t.times.length; k++) expect(t.times[k]).toBeGreaterThanOrEqual(t.times[k - 1]);
    }
  });
});

describe('roundReport', () => {
  it('rounds to 6 decimals but keeps tiny values (a tiny p) as 3 significant digits', () => {
    const r = roundReport({ a: 0.123456789, p: 2.1534e-24, q: -4.56789e-5, n: 12, z: 0, nested: [{ v: 1.0000004 }] });
    expect(r).toEqual({ a: 0.123457, p: 2.15e-24, q: -4.57e-5, n: 12, z: 0, nested: [{ v: 1 }] });
  });
});
