import { describe, it, expect } from 'vitest';
import {
  bootstrapMean,
  signFlipP,
  pairedOdTrips,
  prefillRouteCache,
  runPairedProtocol,
  scoreAgainstReal,
  meanOf,
  PAIRED_REPORT_METRICS,
  type GeneratedRoutes,
  type RouteCache,
} from '../../src/lib/eval/pairedProtocol';
import type { Dataset } from '../../src/lib/data/types';
import { makeCity, makeTrips } from '../models/studentFixture';
import { SteerScorer } from '../generate/toyScorers';
import { runBaselineReport } from '../../src/lib/eval/baselineReport';
import { tripDistanceKm } from '../../src/lib/eval/tripMetrics';

const city = makeCity(6, 40, 10, 6);
const ds: Dataset = { ...city.ds, splits: { ...city.ds.splits, test: makeTrips(6, city.roadOf, 15, 3, 'test') } };
const { net, derived } = city;
const evalOptions = { odBox: [-8.652, 41.149, -8.637, 41.16] as [number, number, number, number] };

describe('paired protocol helpers', () => {
  it('sign-flip p: 1 for no difference, near the exact value for a one-sided set, large for a balanced one', () => {
    expect(signFlipP([0, 0, 0], 1000, 1)).toBe(1);
    // Ten equal positive values: only the two all-same flips are as extreme, exact p = 2 / 1024.
    const p = signFlipP(Array(10).fill(0.4), 20_000, 1);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.005);
    expect(signFlipP([1, -1, 1, -1, 0.5, -0.5], 2000, 1)).toBe(1);
    // A few flips: never 0, never above 1.
    expect(signFlipP([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 10, 2)).toBeCloseTo(1 / 11, 12);
  });

  it('bootstrapMean: the interval holds the mean and shrinks with more data', () => {
    const small = bootstrapMean([1, 2, 3, 4, 5], 2000, 1);
    expect(small.mean).toBe(3);
    expect(small.ci95[0]).toBeLessThan(3);
    expect(small.ci95[1]).toBeGreaterThan(3);
    const big = bootstrapMean(
      Array.from({ length: 500 }, (_, i) => (i % 5) + 1),
      2000,
      1,
    );
    expect(big.ci95[1] - big.ci95[0]).toBeLessThan(small.ci95[1] - small.ci95[0]);
  });

  it('pairedOdTrips: every trip when there are few, a seeded sample without repeats otherwise', () => {
    const trips = ds.splits.train;
    expect(pairedOdTrips(trips, 1000, 1)).toHaveLength(trips.filter((t) => t.roads.length >= 2).length);
    const a = pairedOdTrips(trips, 10, 1);
    expect(a).toHaveLength(10);
    expect(new Set(a.map((t) => t.id)).size).toBe(10);
    expect(pairedOdTrips(trips, 10, 1).map((t) => t.id)).toEqual(a.map((t) => t.id));
    expect(pairedOdTrips(trips, 10, 2).map((t) => t.id)).not.toEqual(a.map((t) => t.id));
  });

  it('scoreAgainstReal: a route equal to the real trip scores zero', () => {
    const pts: [number, number][] = [
      [-8.64, 41.15],
      [-8.641, 41.151],
      [-8.642, 41.152],
    ];
    const s = scoreAgainstReal({ id: 'g', points: pts, times: [0, 1, 2] }, { id: 'r', points: pts, times: [0, 1, 2] });
    expect(s.dtwKm).toBe(0);
    expect(s.edr).toBe(0);
    expect(s.distanceRatio).toBeCloseTo(1, 12);
    expect(s.distanceLogErr).toBeCloseTo(0, 12);
    expect(s.reached).toBe(true);
    expect(s.dtwPerKm).toBe(0);
  });

  it('scoreAgainstReal: DTW per km is DTW over the real trip’s length, NaN for a real trip of length 0', () => {
    const real: [number, number][] = [
      [-8.64, 41.15],
      [-8.64, 41.16],
    ];
    const gen: [number, number][] = [
      [-8.64, 41.15],
      [-8.63, 41.155],
      [-8.64, 41.16],
    ];
    const s = scoreAgainstReal({ id: 'g', points: gen, times: [0, 1, 2] }, { id: 'r', points: real, times: [0, 1] });
    expect(s.dtwKm).toBeGreaterThan(0);
    expect(s.dtwPerKm).toBeCloseTo(s.dtwKm / tripDistanceKm(real), 12);
    const still = scoreAgainstReal({ id: 'g', points: gen, times: [0, 1, 2] }, { id: 'r', points: [real[0], real[0]], times: [0, 1] });
    expect(still.dtwKm).toBeGreaterThan(0);
    expect(still.dtwPerKm).toBeNaN();
    // The means leave it out, as every other non-finite value.
    expect(meanOf([s.dtwPerKm, still.dtwPerKm])).toBe(s.dtwPerKm);
    expect(meanOf([NaN])).toBeNaN();
  });
});

describe('runPairedProtocol', () => {
  it('finds the better arm across seeds, pairs every OD, and reports oracle floors', async () => {
    // Distilled steers to the destination, vanilla away from it, with a seed-dependent strength.
    const pairs = [1, 2, 3].map((seed) => ({
      seed,
      vanilla: new SteerScorer(net, derived.features, -2 - seed),
      distilled: new SteerScorer(net, derived.features, 6 + seed),
    }));
    const rep = await runPairedProtocol({
      dataset: ds,
      derived,
      pairs,
      trainOd: 12,
      maxSteps: 25,
      evalOptions,
      bootstrap: 500,
      oracleResamples: 5,
    });
    expect(rep.trainingSeeds).toEqual([1, 2, 3]);
    const test = rep.splits.test;
    expect(test.nOd).toBe(ds.splits.test.filter((t) => t.roads.length >= 2).length);
    expect(test.pairedN).toBe(test.nOd * 3);
    expect(rep.splits.train.nOd).toBe(12);
    for (const s of ['train', 'test']) {
      const r = rep.splits[s];
      expect(r.arms.vanilla.map((a) => a.seed)).toEqual([1, 2, 3]);
      expect(r.effects.reachedRate.mean).toBeGreaterThan(0);
      expect(r.effects.reachedRate.verdict).toBe('helps');
      expect(r.effects.odDtwKm.mean).toBeLessThan(0);
      expect(r.odEffects.odDtwKm.pairedN).toBe(r.nOd);
      expect(r.odEffects.odDtwKm.ci95[1]).toBeLessThan(0);
      expect(r.reachedByOd.distilledOnly).toBeGreaterThan(r.reachedByOd.vanillaOnly);
      expect(r.reachedByOd.pairedN).toBe(r.nOd);
      expect(r.reachedByOd.mean).toBeGreaterThan(0);
      expect(r.reachedByOd.mean).toBeCloseTo(r.effects.reachedRate.mean, 9); // both average every (seed, OD) pair
      // Each run's misses are the routes its reached rate leaves out.
      for (const a of [...r.arms.vanilla, ...r.arms.distilled])
        expect(a.misses.missed).toBe(Math.round((1 - a.metrics.reachedRate) * r.nOd));
      expect(r.arms.vanilla.some((a) => a.misses.missed > 0 && a.misses.realKmMedian.missed !== null)).toBe(true);
      // No vote: every route metric helps here; the toy scorer's fixed hop times may worsen the
      // duration JSD, and then the split is "mixed", not "helps".
      const hurting = Object.entries(r.effects).filter(([, e]) => e.verdict === 'hurts');
      expect(hurting.every(([k]) => k === 'durationJSD')).toBe(true);
      expect(r.verdict).toBe(hurting.length ? 'mixed' : 'helps');
      for (const k of ['distanceJSD', 'durationJSD', 'radiusJSD'] as const) {
        expect(r.oracleFloor[k]).toBeGreaterThanOrEqual(0);
        expect(r.oracleFloor[k]).toBeLessThan(Math.LN2);
      }
    }
    // Each split's line names the helping metrics, the primary ones (reached, DTW) first.
    for (const s of ['train', 'test'])
      expect(rep.verdict).toMatch(new RegExp(`${s}-OD \\(\\d+ OD pairs × 3 seeds\\): \\w+ \\(helps: reachedRate, odDtwKm, `));
    const both = ['train', 'test'].every((s) => rep.splits[s].verdict === 'helps');
    expect(rep.verdict).toMatch(
      both
        ? /^Distillation helped route generation on both splits\./
        : /^Distillation helped some metrics of route generation and hurt others\./,
    );
  });

  it('scores baselines on the same OD list, each against every vanilla seed, and only when asked', async () => {
    const pairs = [1, 2, 3].map((seed) => ({
      seed,
      vanilla: new SteerScorer(net, derived.features, -2 - seed),
      distilled: new SteerScorer(net, derived.features, 6 + seed),
    }));
    const base = { dataset: ds, derived, pairs, trainOd: 8, maxSteps: 25, evalOptions, bootstrap: 200, oracleResamples: 2 };
    const rep = await runPairedProtocol({ ...base, baselines: ['shortest', 'markov'] });
    // `treated` names the second side in the verdict (this one is no distillation).
    const plain = await runPairedProtocol({ ...base, treated: 'a uniform target' });
    expect(plain.verdict).toMatch(/^(A uniform target (helped|hurt)|No detectable effect of a uniform target)/);
    expect(plain.verdict).not.toMatch(/distillation/i);
    expect(rep.verdict).toMatch(/^(Distillation (helped|hurt)|No detectable effect of distillation)/);
    // One split: the sentence names it instead of "both splits".
    const one = await runPairedProtocol({ ...base, splits: ['test'] });
    expect(one.verdict).toMatch(
      /^(Distillation (helped|hurt) route generation on test OD pairs|Distillation helped some metrics of route generation on test OD pairs|No detectable effect of distillation on route generation on test OD pairs)/,
    );
    expect(one.verdict).not.toMatch(/both splits/);
    expect(plain.splits.test.baselines).toBeUndefined();
    expect(plain.protocol.baselines).toBeUndefined();
    expect(Object.keys(rep.protocol.baselines?.methods ?? {})).toEqual(['shortest', 'markov']);
    const alone = runBaselineReport({
      dataset: ds,
      derived,
      methods: ['shortest', 'markov'],
      splits: ['train', 'test'],
      trainOd: 8,
      evalOptions,
    });
    for (const s of ['train', 'test'] as const) {
      const r = rep.splits[s];
      // The students' numbers do not move when baselines are added.
      expect(r.effects).toEqual(plain.splits[s].effects);
      expect(r.effects.odDtwPerKm.n).toBe(3);
      expect(r.odEffects.odDtwPerKm.pairedN).toBeGreaterThan(0);
      for (const m of ['shortest', 'markov'] as const) {
        const b = r.baselines?.[m];
        expect(b?.method).toBe(m);
        // The grid is strongly connected: every baseline route arrives.
        expect(b?.metrics.reachedRate).toBe(1);
        for (const { key } of PAIRED_REPORT_METRICS) {
          const e = b!.vsVanilla[key];
          expect(e.diffs).toEqual(r.arms.vanilla.map((a) => b!.metrics[key] - a.metrics[key]));
        }
        // Vanilla steers away from the destination: the baseline arrives more often.
        expect(b?.vsVanilla.reachedRate.verdict).toBe('helps');
        expect(b?.odVsVanilla.odDtwKm.pairedN).toBe(r.nOd);
        // `eval baselines` scores the same OD list the same way.
        expect(alone.splits[s]?.nOd).toBe(r.nOd);
        expect(alone.splits[s]?.methods[m]?.metrics).toEqual(b?.metrics);
      }
    }
    expect(rep.splits.train.baselines?.markov?.markov?.counted).toBeGreaterThan(0);
  });

  it('claims nothing when both arms are the same model', async () => {
    const pairs = [1, 2, 3].map((seed) => ({
      seed,
      vanilla: new SteerScorer(net, derived.features, 4),
      distilled: new SteerScorer(net, derived.features, 4),
    }));
    const rep = await runPairedProtocol({
      dataset: ds,
      derived,
      pairs,
      trainOd: 8,
      maxSteps: 25,
      evalOptions,
      bootstrap: 200,
      oracleResamples: 2,
    });
    for (const s of ['train', 'test']) {
      expect(rep.splits[s].verdict).toBe('no detectable effect');
      expect(rep.splits[s].reachedByOd.p).toBe(1);
      expect(rep.splits[s].effects.odDtwKm.mean).toBe(0);
    }
    expect(rep.verdict).toMatch(/^No detectable effect/);
  });

  it('refuses a training seed used twice', async () => {
    const s = new SteerScorer(net, derived.features, 4);
    await expect(
      runPairedProtocol({
        dataset: ds,
        derived,
        pairs: [
          { seed: 1, vanilla: s, distilled: s },
          { seed: 1, vanilla: s, distilled: s },
        ],
      }),
    ).rejects.toThrow(/seed appears twice/);
  });
});

/** The route-cache tests' small protocol: 6 train OD pairs, short searches, few resamples. */
const SMALL_RUN = { trainOd: 6, maxSteps: 25, evalOptions, bootstrap: 100, oracleResamples: 2 };

/** A route cache in memory, and the map behind it. */
function memoryCache(): { store: Map<string, GeneratedRoutes>; cache: RouteCache } {
  const store = new Map<string, GeneratedRoutes>();
  return { store, cache: { get: async (k) => store.get(k) ?? null, set: async (k, r) => void store.set(k, r) } };
}

describe('runPairedProtocol with a route cache', () => {
  it('generates a shared vanilla run once across arms, with the same report as without the cache', async () => {
    const { store, cache } = memoryCache();
    const vanilla = [1, 2].map((seed) => new SteerScorer(net, derived.features, -2 - seed));
    const arm = (beta: number, withCache: boolean) =>
      runPairedProtocol({
        dataset: ds,
        derived,
        pairs: [1, 2].map((seed, i) => ({
          seed,
          vanilla: vanilla[i],
          distilled: new SteerScorer(net, derived.features, beta + seed),
          vanillaId: `vanilla-${seed}`,
          distilledId: `arm-${beta}-${seed}`,
        })),
        ...SMALL_RUN,
        routeCache: withCache ? cache : undefined,
      });
    const first = await arm(6, true);
    const callsAfterFirst = vanilla.map((v) => v.calls);
    expect(callsAfterFirst.every((c) => c > 0)).toBe(true);
    // A second arm (other distilled runs) finds the vanilla routes in the cache: no vanilla search.
    const second = await arm(3, true);
    expect(vanilla.map((v) => v.calls)).toEqual(callsAfterFirst);
    // 2 vanilla + 2 + 2 distilled runs, on two splits each.
    expect(store.size).toBe(12);
    // The cache changes nothing but the work: the same arm without it reports the same effects.
    const fresh = await arm(3, false);
    for (const s of ['train', 'test']) {
      expect(second.splits[s].effects).toEqual(fresh.splits[s].effects);
      expect(second.splits[s].odEffects).toEqual(fresh.splits[s].odEffects);
    }
    expect(first.splits.test.arms.vanilla[0].metrics).toEqual(second.splits.test.arms.vanilla[0].metrics);
  });
});

describe('runPairedProtocol on val (the split arms are chosen on)', () => {
  it('generates every val OD pair and nothing else', async () => {
    const pairs = [1, 2].map((seed) => ({
      seed,
      vanilla: new SteerScorer(net, derived.features, -2),
      distilled: new SteerScorer(net, derived.features, 6 + seed),
    }));
    const rep = await runPairedProtocol({ dataset: ds, derived, pairs, ...SMALL_RUN, splits: ['val'] });
    expect(Object.keys(rep.splits)).toEqual(['val']);
    expect(rep.splits.val.nOd).toBe(ds.splits.val.filter((t) => t.roads.length >= 2).length);
    expect(Object.keys(rep.protocol.odSelection)).toEqual(['val']);
    expect(rep.protocol.odSelection.val).toMatch(/^every val trip once/);
    expect(rep.verdict).toMatch(/val-OD \(\d+ OD pairs × 2 seeds\)/);
  });
});

describe('prefillRouteCache (eval paired-report --prefill)', () => {
  it('splits the generation runs between parts, and the report then generates nothing and says the same', async () => {
    const { store, cache } = memoryCache();
    const scorers = [1, 2].map((seed) => ({
      v: new SteerScorer(net, derived.features, -2 - seed),
      d: new SteerScorer(net, derived.features, 4 + seed),
    }));
    const opts = (withCache: boolean) => ({
      dataset: ds,
      derived,
      pairs: [1, 2].map((seed, i) => ({
        seed,
        vanilla: scorers[i].v,
        distilled: scorers[i].d,
        vanillaId: `v-${seed}`,
        distilledId: `d-${seed}`,
      })),
      ...SMALL_RUN,
      routeCache: withCache ? cache : undefined,
    });
    // 2 splits × 2 seeds = 4 units of two runs (vanilla, distilled): part 0 of 3 takes units 0 and 3,
    // part 1 unit 1, part 2 unit 2.
    expect(await prefillRouteCache(opts(true), 0, 3)).toBe(4);
    expect(store.size).toBe(4);
    expect(await prefillRouteCache(opts(true), 1, 3)).toBe(2);
    expect(await prefillRouteCache(opts(true), 2, 3)).toBe(2);
    expect(await prefillRouteCache(opts(true), 2, 3)).toBe(0); // already there
    expect(store.size).toBe(8);
    const calls = scorers.map((s) => [s.v.calls, s.d.calls]);
    const report = await runPairedProtocol(opts(true));
    expect(scorers.map((s) => [s.v.calls, s.d.calls])).toEqual(calls);
    const direct = await runPairedProtocol(opts(false));
    for (const sp of ['train', 'test']) expect(report.splits[sp].effects).toEqual(direct.splits[sp].effects);
    await expect(prefillRouteCache(opts(false), 0, 2)).rejects.toThrow(/no route cache/);
    await expect(prefillRouteCache(opts(true), 2, 2)).rejects.toThrow(/part 2 of 2/);
  });
});

describe('runPairedProtocol with a search per arm (eval paired-search)', () => {
  it('searches each arm with its own settings on the chosen split only', async () => {
    // One model in both arms; arm "vanilla" may append a single road, so it reaches less.
    const pairs = [1, 2].map((seed) => {
      const m = new SteerScorer(net, derived.features, 6 + seed);
      return { seed, vanilla: m, distilled: m };
    });
    const rep = await runPairedProtocol({
      dataset: ds,
      derived,
      pairs,
      splits: ['test'],
      armSearch: { vanilla: { maxSteps: 1 }, distilled: { method: 'bestFirst' } },
      maxSteps: 25,
      evalOptions,
      bootstrap: 100,
      oracleResamples: 1,
    });
    expect(Object.keys(rep.splits)).toEqual(['test']);
    const r = rep.splits.test;
    expect(r.arms.vanilla.every((a) => a.metrics.reachedRate < 1)).toBe(true);
    expect(r.effects.reachedRate.mean).toBeGreaterThan(0);
  });
});
