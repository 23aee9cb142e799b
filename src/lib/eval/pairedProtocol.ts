// Seed-paired generation protocol. Vanilla and distilled students trained with
// the same seed form a pair. Every test OD pair is generated once (each test trip's own origin,
// destination and start time), and a fixed sample of train trips likewise; every model sees the
// same OD list. Each generated route is compared with the real trip it came from (DTW, EDR and the
// distance ratio), so per-OD differences are paired without any OD-cell matching and nothing is
// dropped. Effects are stated twice:
//  - across training seeds: the per-seed difference of each metric, with a t-interval (the unit of
//    replication is the training run), which is what the verdicts use;
//  - across OD pairs: each OD's difference averaged over seeds, with a bootstrap interval; reached
//    likewise, with a sign-flip permutation test clustered by OD (the seeds of one OD share its
//    difficulty, so (seed, OD) pairs are not independent and a McNemar test over them is not valid).
// Each JSD stands next to its oracle floor: the JSD of N real trips of the split resampled with
// replacement (a perfect generator of the real distribution, limited only by N).
import type { SplitName, Trajectory } from '../data/types';
import type { GenOD, GeneratedTrip } from '../generate/generator';
import {
  BASELINE_TIMES_NOTE,
  baselineDescription,
  baselineRouter,
  baselineSettings,
  generateBaselineRoutes,
  type BaselineMethod,
  type BaselineParams,
  type BaselineRouter,
} from '../generate/baselines';
import type { BatchScorer } from '../generate/search';
import { makeRng, shuffleInPlace } from '../random';
import { bootstrapMean, scoreSpread, signFlipP, winTieLoss, type ScoreSpread, type WinTieLoss } from './robustScores';
import { sharedTailGuard, type GuardCounts, type TailGuard } from '../generate/tailGuard';
import { dtw, edr } from './metrics';
import {
  combineVerdicts,
  effectVerdict,
  groupSummary,
  pairedEffect,
  type EffectVerdict,
  type GroupVerdict,
  type PairedEffect,
} from './paired';
import { generatedToEvalTrip, generateTimed, realToEvalTrip, searchSettings, withDirection, type SearchProtocolOptions } from './protocol';
import { defaultClock as defaultNow } from '../runtime/clock';
import { summarizeMisses, type MissSummary } from './missedRoutes';
import { distributionJSDs, dtwPerKm, evaluateTrips, tripDistanceKm, type EvalOptions, type EvalReport, type EvalTrip } from './tripMetrics';

export interface SeedPair {
  seed: number;
  vanilla: BatchScorer;
  distilled: BatchScorer;
  /** What identifies each model's weights (e.g. a hash of its file), for the route cache. */
  vanillaId?: string;
  distilledId?: string;
}

/** One model's routes for one OD list, and the seconds their generation took. */
export interface GeneratedRoutes {
  trips: GeneratedTrip[];
  seconds: number;
}

/**
 * Keeps generated routes between runs of the protocol. Every arm of the distillation study pairs
 * its distilled runs with the same vanilla runs, so with a cache their routes are generated once.
 * The search is deterministic: a cached route is the route the same weights would generate again.
 */
export interface RouteCache {
  get(key: string): Promise<GeneratedRoutes | null>;
  set(key: string, routes: GeneratedRoutes): Promise<void>;
}

/** Part of every route cache key: bump it when a change to the search or the scorer changes routes. */
export const ROUTE_CACHE_VERSION = 1;

/**
 * The cache key of one model's routes: its weights (a checkpoint also pins its road network's
 * fingerprint), the OD list and the search settings.
 */
export function routeCacheKey(modelId: string, ods: readonly GenOD[], settings: Record<string, unknown>): string {
  const odText = ods.map((o) => `${o.origin}>${o.dest}@${o.startTime}`).join(',');
  return JSON.stringify({ v: ROUTE_CACHE_VERSION, modelId, settings, ods: odText });
}

/** Per-OD comparison of a generated route with the real trip of its OD pair. */
export interface OdScore {
  dtwKm: number;
  /**
   * dtwKm / the real trip's length (km): DTW sums a distance per aligned point, so it grows with
   * the trip; this puts short and long trips on one scale. NaN when the real trip has length 0
   * (one road, or roads with one centroid), and then left out of every mean like any non-finite value.
   */
  dtwPerKm: number;
  edr: number;
  /** Generated distance / real distance. */
  distanceRatio: number;
  /** |log(distanceRatio)|: 0 when the lengths agree, symmetric in over- and undershoot. */
  distanceLogErr: number;
  reached: boolean;
}

/** The distribution metrics compared across seeds, each with its direction. */
export const PAIRED_REPORT_METRICS = withDirection<PairedMetric>([
  'distanceJSD',
  'durationJSD',
  'radiusJSD',
  'odDtwKm',
  'odDtwPerKm',
  'odEdr',
  'odDistanceLogErr',
  'reachedRate',
]);

export type PairedMetric =
  'distanceJSD' | 'durationJSD' | 'radiusJSD' | 'odDtwKm' | 'odDtwPerKm' | 'odEdr' | 'odDistanceLogErr' | 'reachedRate';

/** The per-OD scores behind the per-OD effects, by their per-seed metric's name. */
export const OD_EFFECT_FIELDS = {
  // In this order: each key's bootstrap seed follows its position, so the first three keep theirs.
  odDtwKm: 'dtwKm',
  odEdr: 'edr',
  odDistanceLogErr: 'distanceLogErr',
  odDtwPerKm: 'dtwPerKm',
} as const satisfies Record<string, keyof OdScore>;

export type OdEffectMetric = keyof typeof OD_EFFECT_FIELDS;

export interface ArmSplitRun {
  seed: number;
  /** Reports written before odDtwPerKm lack it. */
  metrics: Record<PairedMetric, number>;
  /** The whole thesis suite against the split's real trips (OD-cell pairing for its local metrics). */
  suite: EvalReport;
  genSeconds: number;
  /** Where the routes that did not reach their destination stopped (missedRoutes.ts). */
  misses: MissSummary;
  /** Per-OD DTW per km: mean, median, p90 (robustScores.ts); absent from older reports. */
  spread?: ScoreSpread;
  /** Per-OD DTW per km in OD order (NaN, written null, for a zero-length real trip); absent from older reports. */
  odDtwPerKm?: number[];
  /** When the arm's search had a tail guard: how many routes it replaced (generate/tailGuard.ts). */
  guard?: GuardCounts;
}

export interface SeedEffect extends PairedEffect {
  verdict: EffectVerdict;
}

export interface OdEffect {
  /** OD pairs behind the estimate (every OD of the split: none is dropped). */
  pairedN: number;
  /** Mean over OD pairs of (distilled − vanilla), each OD first averaged over the seeds. */
  mean: number;
  ci95: [number, number];
}

export interface ReachedByOd {
  /** OD pairs: the unit the test resamples (each OD's seeds stay together). */
  pairedN: number;
  /** (seed, OD) pairs reached by vanilla only / by distilled only (counts, not the test). */
  vanillaOnly: number;
  distilledOnly: number;
  /** Mean over OD pairs of each OD's share of seeds reached, distilled − vanilla, with a bootstrap interval over OD pairs. */
  mean: number;
  ci95: [number, number];
  /** Two-sided sign-flip permutation p over OD pairs (each OD's difference flipped as a whole). */
  p: number;
}

export interface PairedSplitResult {
  split: SplitName;
  /** OD pairs generated per model (every one compared: pairedN = nOd × seeds). */
  nOd: number;
  pairedN: number;
  arms: { vanilla: ArmSplitRun[]; distilled: ArmSplitRun[] };
  /** Per metric: distilled − vanilla across training seeds (t-interval) and its verdict. */
  effects: Record<PairedMetric, SeedEffect>;
  /** Per-OD paired differences (bootstrap over OD pairs); reports written before odDtwPerKm lack it. */
  odEffects: Record<OdEffectMetric, OdEffect>;
  reachedByOd: ReachedByOd;
  /** JSD of N resampled real trips against the split: the floor a perfect generator reaches at this N. */
  oracleFloor: { distanceJSD: number; durationJSD: number; radiusJSD: number; resamples: number };
  /** The split's metrics under the one group rule (groupSummary): never a vote. */
  verdict: GroupVerdict;
  /** Per OD pair and seed, distilled against vanilla on DTW per km (robustScores.ts); absent from older reports. */
  odWinTieLoss?: WinTieLoss;
  /**
   * Route baselines without a model (generate/baselines.ts) on the same OD pairs and start times,
   * each against the vanilla seeds; only when asked for (absent from older reports).
   */
  baselines?: Partial<Record<BaselineMethod, BaselineSplitRun>>;
}

/** One baseline on one split: its own metrics (it is deterministic: one run) and its effect against vanilla. */
export interface BaselineSplitRun {
  method: BaselineMethod;
  description: string;
  metrics: Record<PairedMetric, number>;
  suite: EvalReport;
  genSeconds: number;
  misses: MissSummary;
  /**
   * Per metric: baseline − vanilla across the vanilla training seeds (the baseline's one value
   * against each seed's), t-interval; verdict 'helps' means the baseline is better than vanilla.
   */
  vsVanilla: Record<PairedMetric, SeedEffect>;
  /** Per OD: baseline − vanilla (vanilla averaged over its seeds), bootstrap over OD pairs. */
  odVsVanilla: Record<OdEffectMetric, OdEffect>;
  /** Per-OD DTW per km: mean, median, p90; and its per-OD values in OD order (absent from older reports). */
  spread?: ScoreSpread;
  odDtwPerKm?: number[];
  /** Per OD pair and seed on DTW per km: each arm against this baseline (win = the arm's route is better). */
  vanillaVsBaseline?: WinTieLoss;
  distilledVsBaseline?: WinTieLoss;
  /** Markov chains only: the train transitions behind the chain. */
  markov?: { counted: number; skipped: number; smoothing: number; lengthPerKm?: number };
  fitted?: BaselineRouter['fitted'];
}

export interface PairedReport {
  dataset: string;
  created: string;
  createdWith: string;
  trainingSeeds: number[];
  protocol: {
    beam: number;
    method: 'beam' | 'bestFirst';
    maxSteps: number;
    maxExpansions: number;
    /** Best-first search's A*-style guide, when one was set. */
    guide?: number;
    /** Best-first search's length penalty (nats per km), when one was set. */
    lengthPerKm?: number;
    odSelection: Record<string, string>;
    verdictRule: string;
    machine: Record<string, unknown>;
    /** When baselines were scored: what each minimises and where their times come from. */
    baselines?: { methods: Partial<Record<BaselineMethod, string>>; times: string; effects: string };
  };
  splits: Record<string, PairedSplitResult>;
  verdict: string;
}

export interface PairedProgress {
  split: string;
  seed: number;
  arm: 'vanilla' | 'distilled';
  done: number;
  total: number;
  run: number;
  runs: number;
}

export interface PairedProtocolOptions extends SearchProtocolOptions {
  pairs: SeedPair[];
  /** Train trips whose OD pairs are generated (default 500; all of them when fewer). */
  trainOd?: number;
  /** Test trips whose OD pairs are generated (default all: the protocol; fewer only for smoke runs). */
  testOd?: number;
  /** Seed of the train-trip sample (default 1). */
  odSeed?: number;
  /** Bootstrap resamples for the OD intervals (default 2000) and oracle floors (default 50). */
  bootstrap?: number;
  oracleResamples?: number;
  onProgress?: (p: PairedProgress) => void;
  /** Reuses the routes of models with an id (SeedPair.vanillaId / distilledId) across runs. */
  routeCache?: RouteCache;
  /** Splits to generate (default train and test). Val and test use every OD pair, train a sample. */
  splits?: SplitName[];
  /**
   * Search settings of one arm that differ from the shared ones: comparing two searches on the
   * same checkpoints (eval paired-search) puts each search in an arm.
   */
  armSearch?: Partial<
    Record<
      'vanilla' | 'distilled',
      Pick<SearchProtocolOptions, 'beam' | 'method' | 'maxSteps' | 'maxExpansions' | 'guide' | 'lengthPerKm'> & {
        /** Tail guard after the search (generate/tailGuard.ts): routes over cap × the fastest path's length take the fastest path. */
        cap?: number;
      }
    >
  >;
  /** Route baselines scored on every split's OD list beside the students (PairedSplitResult.baselines). */
  baselines?: BaselineMethod[];
  /** The baselines' settings (default BASELINE_DEFAULTS: the val choices). */
  baselineParams?: BaselineParams;
  /**
   * What the second ("distilled") side is, for the verdict's first sentence, in lower case (default
   * "distillation"): a control, a prior or a search is not distillation.
   */
  treated?: string;
}

/** The trips whose OD pairs a split contributes: every test trip; a seeded sample of train trips. */
export function pairedOdTrips(trips: Trajectory[], max: number, seed: number): Trajectory[] {
  const usable = trips.filter((t) => t.roads.length >= 2);
  if (usable.length <= max) return usable;
  // One seeded shuffle, its first `max` kept in their original order: a sample without replacement.
  const order = shuffleInPlace(
    usable.map((_, i) => i),
    makeRng(seed),
  );
  return order
    .slice(0, max)
    .sort((a, b) => a - b)
    .map((i) => usable[i]);
}

/** A generated route against the real trip of its OD pair. */
export function scoreAgainstReal(gen: EvalTrip, real: EvalTrip): OdScore {
  const realKm = tripDistanceKm(real.points);
  const genKm = tripDistanceKm(gen.points);
  const ratio = realKm > 0 ? genKm / realKm : NaN;
  const dtwKm = dtw(gen.points, real.points);
  return {
    dtwKm,
    dtwPerKm: dtwPerKm(dtwKm, realKm),
    edr: edr(gen.points, real.points),
    distanceRatio: ratio,
    // A one-road route has length 0: its log error is capped like a 100× miss, not infinite.
    distanceLogErr: Number.isFinite(ratio) ? Math.min(Math.abs(Math.log(Math.max(ratio, 1e-2))), Math.log(100)) : NaN,
    reached: gen.reached !== false,
  };
}

// bootstrapMean and signFlipP live with the other OD-resampling statistics (robustScores.ts); re-exported for their callers.
export { bootstrapMean, signFlipP };

/** Mean of the finite values (NaN, e.g. dtwPerKm of a zero-length real trip, and ±Infinity are left out); NaN when none is. */
export function meanOf(xs: readonly number[]): number {
  const f = xs.filter((x) => Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

/** The per-seed metrics of one set of routes: the suite's JSDs and the means of the per-OD scores. */
export function routeMetrics(scores: readonly OdScore[], suite: EvalReport): Record<PairedMetric, number> {
  return {
    distanceJSD: suite.distanceJSD,
    durationJSD: suite.durationJSD,
    radiusJSD: suite.radiusJSD,
    odDtwKm: meanOf(scores.map((s) => s.dtwKm)),
    odDtwPerKm: meanOf(scores.map((s) => s.dtwPerKm)),
    odEdr: meanOf(scores.map((s) => s.edr)),
    odDistanceLogErr: meanOf(scores.map((s) => s.distanceLogErr)),
    reachedRate: scores.filter((s) => s.reached).length / scores.length,
  };
}

/** A split's OD list and real trips as every scored model sees them. */
export interface SplitTargets {
  odTrips: Trajectory[];
  ods: GenOD[];
  /** The OD trips as EvalTrips, and their lengths (km). */
  odReal: EvalTrip[];
  odRealKm: number[];
  /** Every trip of the split (the suite's reference). */
  realAll: EvalTrip[];
}

export function splitTargets(opts: OdListOptions, split: SplitName, centroid: Float64Array): SplitTargets {
  const { odTrips, ods } = splitOds(opts, split);
  const odReal = odTrips.map((t) => realToEvalTrip(t, centroid));
  return {
    odTrips,
    ods,
    odReal,
    odRealKm: odReal.map((t) => tripDistanceKm(t.points)),
    realAll: opts.dataset.splits[split].map((t) => realToEvalTrip(t, centroid)),
  };
}

/** One baseline's routes on a split's OD list, scored as an arm's are. */
export interface BaselineScored {
  method: BaselineMethod;
  description: string;
  trips: GeneratedTrip[];
  scores: OdScore[];
  metrics: Record<PairedMetric, number>;
  suite: EvalReport;
  genSeconds: number;
  misses: MissSummary;
  /** Markov chains only: the train transitions behind the chain. */
  markov?: { counted: number; skipped: number; smoothing: number; lengthPerKm?: number };
  /** fittedFastest only: where the roads' speeds came from. */
  fitted?: BaselineRouter['fitted'];
}

/**
 * Routes of baseline `method` for the split's OD list (the markov chain counted on the dataset's
 * train split, and its route corpus where settings.markovRoutes), scored against the real trips exactly as the students' routes are.
 */
export function scoreBaseline(
  method: BaselineMethod,
  opts: Pick<SearchProtocolOptions, 'dataset' | 'derived' | 'evalOptions' | 'now'>,
  split: SplitName,
  t: SplitTargets,
  params: BaselineParams = {},
): BaselineScored {
  const now = opts.now ?? defaultNow;
  const centroid = opts.derived.features.centroid;
  const t0 = now();
  const settings = baselineSettings(opts.dataset.name, params);
  const router = baselineRouter(method, opts.dataset.network, opts.dataset.splits.train, settings, opts.dataset.routes);
  const trips = generateBaselineRoutes(router, t.ods, `${method}-${split}-`);
  const genSeconds = (now() - t0) / 1000;
  const gen = trips.map((g) => generatedToEvalTrip(g, centroid));
  const scores = gen.map((g, i) => scoreAgainstReal(g, t.odReal[i]));
  const suite = evaluateTrips(t.realAll, gen, opts.evalOptions);
  return {
    method,
    description: baselineDescription(method, settings),
    trips,
    scores,
    metrics: routeMetrics(scores, suite),
    suite,
    genSeconds,
    misses: summarizeMisses(opts.dataset.network, trips, t.odRealKm),
    ...(router.markov ? { markov: router.markov } : {}),
    ...(router.fitted ? { fitted: router.fitted } : {}),
  };
}

/** What picks a split's OD list. */
export type OdListOptions = Pick<PairedProtocolOptions, 'dataset' | 'trainOd' | 'testOd' | 'odSeed'>;

/** One split's OD pairs as the protocol generates them, with the trips they come from. */
function splitOds(opts: OdListOptions, split: SplitName): { odTrips: Trajectory[]; ods: GenOD[] } {
  const odTrips = pairedOdTrips(
    opts.dataset.splits[split],
    split === 'train' ? (opts.trainOd ?? 500) : (opts.testOd ?? Infinity), // val: every trip, as test
    opts.odSeed ?? 1,
  );
  if (odTrips.length === 0) throw new Error(`runPairedProtocol: split ${split} has no trip with two roads`);
  return { odTrips, ods: odTrips.map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1], startTime: t.times[0] })) };
}

/** One arm's routes for one split: from the route cache when it holds them, else generated (and cached). */
async function armRoutes(
  opts: PairedProtocolOptions,
  pair: SeedPair,
  arm: 'vanilla' | 'distilled',
  split: SplitName,
  ods: GenOD[],
  onDone: (done: number) => void,
): Promise<{ routes: GeneratedRoutes; generated: boolean }> {
  const modelId = arm === 'vanilla' ? pair.vanillaId : pair.distilledId;
  const armOpts = { ...opts, ...opts.armSearch?.[arm] };
  const key = modelId && opts.routeCache ? routeCacheKey(modelId, ods, searchSettings(armOpts)) : null;
  const cached = key ? await opts.routeCache?.get(key) : null;
  if (cached) return { routes: cached, generated: false };
  const routes = await generateTimed(pair[arm], ods, armOpts, `${arm}-s${pair.seed}-${split}-`, onDone);
  if (key) await opts.routeCache?.set(key, routes);
  return { routes, generated: true };
}

/**
 * Fills the route cache with part `part` of `of` of the protocol's generation runs, so that several
 * processes can generate one report's routes side by side; the report itself then finds every run
 * cached. The unit is a (split, training seed): both arms of every of-th one, from the part-th, so
 * the parts stay even when one arm's routes are cached already (an arm after the first). Returns
 * the runs it generated.
 */
export async function prefillRouteCache(opts: PairedProtocolOptions, part: number, of: number): Promise<number> {
  if (!opts.routeCache) throw new Error('prefillRouteCache: no route cache to fill');
  if (!(Number.isInteger(part) && Number.isInteger(of) && part >= 0 && part < of))
    throw new Error(`prefillRouteCache: part ${part} of ${of}`);
  let unit = 0;
  let made = 0;
  for (const split of opts.splits ?? (['train', 'test'] as SplitName[])) {
    const { ods } = splitOds(opts, split);
    for (const pair of opts.pairs) {
      if (unit++ % of !== part) continue;
      for (const arm of ['vanilla', 'distilled'] as const) {
        if (!(arm === 'vanilla' ? pair.vanillaId : pair.distilledId)) continue;
        if ((await armRoutes(opts, pair, arm, split, ods, () => {})).generated) made++;
      }
    }
  }
  return made;
}

export async function runPairedProtocol(opts: PairedProtocolOptions): Promise<PairedReport> {
  const { dataset, derived, pairs } = opts;
  if (pairs.length === 0) throw new Error('runPairedProtocol: no seed pairs');
  const seeds = pairs.map((p) => p.seed);
  if (new Set(seeds).size !== seeds.length) throw new Error(`runPairedProtocol: a training seed appears twice (${seeds.join(', ')})`);
  if (opts.guardCap !== undefined) throw new Error('runPairedProtocol: give the tail guard per arm (armSearch cap), not guardCap');
  const settings = searchSettings(opts);
  const { beam, method, maxSteps, maxExpansions, guide, lengthPerKm } = settings;
  const trainOd = opts.trainOd ?? 500;
  const testOd = opts.testOd ?? Infinity;
  const odSeed = opts.odSeed ?? 1;
  const bootstrap = opts.bootstrap ?? 2000;
  const oracleResamples = opts.oracleResamples ?? 50;
  const centroid = derived.features.centroid;
  const splitNames: SplitName[] = opts.splits ?? ['train', 'test'];
  const runs = splitNames.length * pairs.length * 2;
  let run = 0;

  const guardOf = (cap: number | undefined): TailGuard | null => (cap === undefined ? null : sharedTailGuard(dataset.network, cap));
  const splits: Record<string, PairedSplitResult> = {};
  for (const split of splitNames) {
    const targets = splitTargets(opts, split, centroid);
    const { ods, odReal, odRealKm, realAll } = targets;

    const arms: PairedSplitResult['arms'] = { vanilla: [], distilled: [] };
    const perOd: Record<'vanilla' | 'distilled', OdScore[][]> = { vanilla: [], distilled: [] };
    for (const pair of pairs) {
      for (const arm of ['vanilla', 'distilled'] as const) {
        const { routes } = await armRoutes(opts, pair, arm, split, ods, (done) =>
          opts.onProgress?.({ split, seed: pair.seed, arm, done, total: ods.length, run, runs }),
        );
        const { seconds: genSeconds } = routes;
        // The guard runs on the search's routes as cached, so the cache serves every cap.
        const guard = guardOf(opts.armSearch?.[arm]?.cap);
        const guarded = guard ? guard.apply(routes.trips, ods) : null;
        const trips = guarded ? guarded.trips : routes.trips;
        const gen = trips.map((t) => generatedToEvalTrip(t, centroid));
        const scores = gen.map((g, i) => scoreAgainstReal(g, odReal[i]));
        const suite = evaluateTrips(realAll, gen, opts.evalOptions);
        perOd[arm].push(scores);
        arms[arm].push({
          seed: pair.seed,
          genSeconds,
          suite,
          misses: summarizeMisses(dataset.network, trips, odRealKm),
          metrics: routeMetrics(scores, suite),
          spread: scoreSpread(scores.map((x) => x.dtwPerKm)),
          odDtwPerKm: scores.map((x) => x.dtwPerKm),
          ...(guarded ? { guard: guarded.counts } : {}),
        });
        opts.onProgress?.({ split, seed: pair.seed, arm, done: ods.length, total: ods.length, run, runs });
        run++;
      }
    }

    const effects = {} as Record<PairedMetric, SeedEffect>;
    for (const { key, lowerIsBetter } of PAIRED_REPORT_METRICS) {
      const e = pairedEffect(
        arms.vanilla.map((r) => r.metrics[key]),
        arms.distilled.map((r) => r.metrics[key]),
      );
      effects[key] = { ...e, verdict: effectVerdict(e, lowerIsBetter) };
    }
    // Each OD's distilled − vanilla, averaged over the seeds.
    const odDiffs = (value: (x: OdScore) => number): number[] =>
      ods.map((_, o) => meanOf(pairs.map((_, s) => value(perOd.distilled[s][o]) - value(perOd.vanilla[s][o]))));
    const odEffects = odEffectsOf(odDiffs, bootstrap);
    let vanillaOnly = 0;
    let distilledOnly = 0;
    for (let s = 0; s < pairs.length; s++) {
      for (let o = 0; o < ods.length; o++) {
        const v = perOd.vanilla[s][o].reached;
        const d = perOd.distilled[s][o].reached;
        if (v && !d) vanillaOnly++;
        else if (d && !v) distilledOnly++;
      }
    }
    const perKm = (arm: 'vanilla' | 'distilled'): number[][] => perOd[arm].map((row) => row.map((x) => x.dtwPerKm));
    const odWinTieLoss = winTieLoss(perKm('distilled'), perKm('vanilla'), { resamples: bootstrap, seed: 31_337 });
    const reachedDiff = odDiffs((x) => Number(x.reached));
    const reachedBoot = bootstrapMean(reachedDiff, bootstrap, 104_729);
    splits[split] = {
      split,
      nOd: ods.length,
      pairedN: ods.length * pairs.length,
      arms,
      effects,
      odEffects,
      reachedByOd: {
        pairedN: ods.length,
        vanillaOnly,
        distilledOnly,
        mean: reachedBoot.mean,
        ci95: reachedBoot.ci95,
        p: signFlipP(reachedDiff, Math.max(bootstrap, 2000), 15_485_863),
      },
      oracleFloor: oracleFloor(realAll, ods.length, oracleResamples, opts.evalOptions),
      verdict: groupSummary(PAIRED_REPORT_METRICS.map(({ key }) => ({ key, verdict: effects[key].verdict }))).verdict,
      odWinTieLoss,
    };
    if (opts.baselines?.length) {
      const baselines: NonNullable<PairedSplitResult['baselines']> = {};
      for (const method of opts.baselines) {
        const b = scoreBaseline(method, opts, split, targets, opts.baselineParams);
        const vsVanilla = {} as Record<PairedMetric, SeedEffect>;
        for (const { key, lowerIsBetter } of PAIRED_REPORT_METRICS) {
          const e = pairedEffect(
            arms.vanilla.map((r) => r.metrics[key]),
            arms.vanilla.map(() => b.metrics[key]),
          );
          vsVanilla[key] = { ...e, verdict: effectVerdict(e, lowerIsBetter) };
        }
        // Each OD's baseline − vanilla, vanilla averaged over its seeds.
        const baseRows = pairs.map(() => b.scores.map((x) => x.dtwPerKm));
        const vsVanillaByOd = (value: (x: OdScore) => number): number[] =>
          ods.map((_, o) => meanOf(pairs.map((_, s) => value(b.scores[o]) - value(perOd.vanilla[s][o]))));
        baselines[method] = {
          method,
          description: b.description,
          metrics: b.metrics,
          suite: b.suite,
          genSeconds: b.genSeconds,
          misses: b.misses,
          vsVanilla,
          odVsVanilla: odEffectsOf(vsVanillaByOd, bootstrap),
          spread: scoreSpread(b.scores.map((x) => x.dtwPerKm)),
          odDtwPerKm: b.scores.map((x) => x.dtwPerKm),
          vanillaVsBaseline: winTieLoss(perKm('vanilla'), baseRows, { resamples: bootstrap, seed: 31_337 }),
          distilledVsBaseline: winTieLoss(perKm('distilled'), baseRows, { resamples: bootstrap, seed: 31_337 }),
          ...(b.markov ? { markov: b.markov } : {}),
          ...(b.fitted ? { fitted: b.fitted } : {}),
        };
      }
      splits[split].baselines = baselines;
    }
  }

  const verdictLines = splitNames.map((s) => {
    const r = splits[s];
    const g = groupSummary(PAIRED_REPORT_METRICS.map(({ key }) => ({ key, verdict: r.effects[key].verdict })));
    const named = [g.helps.length ? `helps: ${g.helps.join(', ')}` : '', g.hurts.length ? `hurts: ${g.hurts.join(', ')}` : ''];
    const detail = named.filter(Boolean).join('; ');
    return `${s}-OD (${r.nOd} OD pairs × ${pairs.length} seeds): ${r.verdict}${detail ? ` (${detail})` : ''}.`;
  });
  const overall = splitNames.map((s) => splits[s].verdict);
  const what = opts.treated ?? 'distillation';
  const What = what.charAt(0).toUpperCase() + what.slice(1);
  // A report of one split (val or test alone) has no "both" to speak of.
  const where = splitNames.length === 1 ? ` on ${splitNames[0]} OD pairs` : '';
  const head = overall.every((v) => v === 'helps')
    ? `${What} helped route generation${where || ' on both splits'}.`
    : combineVerdicts(overall) === 'mixed'
      ? `${What} helped some metrics of route generation${where} and hurt others.`
      : overall.some((v) => v === 'hurts')
        ? `${What} hurt route generation${where}.`
        : overall.some((v) => v === 'helps')
          ? `${What} helped route generation on one split only.`
          : `No detectable effect of ${what} on route generation${where}.`;

  return {
    dataset: dataset.name,
    created: new Date().toISOString(),
    createdWith: opts.createdWith ?? 'trajdistill runPairedProtocol',
    trainingSeeds: seeds,
    protocol: {
      beam,
      method,
      maxSteps,
      maxExpansions,
      ...(guide ? { guide } : {}),
      ...(lengthPerKm ? { lengthPerKm } : {}),
      odSelection: Object.fromEntries(
        splitNames.map((split) => [
          split,
          split === 'train'
            ? `${trainOd} train trips sampled without replacement (seed ${odSeed}): their first road, last road and start time`
            : Number.isFinite(testOd)
              ? `${testOd} ${split} trips sampled without replacement (seed ${odSeed}; a smoke run, not the protocol)`
              : `every ${split} trip once: its first road, last road and start time`,
        ]),
      ),
      verdictRule:
        'per metric, the 95 % t-interval of the per-seed differences (distilled − vanilla) across training seeds: an effect only when it excludes 0; per split no vote: helps when some metric helps and none hurts, hurts likewise, mixed when some help and others hurt, no detectable effect only when no metric shows one',
      machine: opts.machine ?? {},
      ...(opts.baselines?.length
        ? {
            baselines: {
              methods: Object.fromEntries(
                opts.baselines.map((m) => [m, baselineDescription(m, baselineSettings(opts.dataset.name, opts.baselineParams))]),
              ),
              times: BASELINE_TIMES_NOTE,
              effects:
                'vsVanilla: baseline − vanilla per vanilla seed (the baseline is deterministic: one value), 95 % t-interval across the seeds, verdict helps = the baseline is better than vanilla; odVsVanilla: each OD’s baseline − vanilla (vanilla averaged over its seeds), bootstrap over OD pairs',
            },
          }
        : {}),
    },
    splits,
    verdict: [head, ...verdictLines].join(' '),
  };
}

/** Per-OD effects from each OD's difference (`diffs` of a score), bootstrap over the finite ones. */
function odEffectsOf(diffs: (value: (x: OdScore) => number) => number[], bootstrap: number): Record<OdEffectMetric, OdEffect> {
  const out = {} as Record<OdEffectMetric, OdEffect>;
  for (const [i, [key, field]] of Object.entries(OD_EFFECT_FIELDS).entries()) {
    const finite = diffs((x) => x[field]).filter((d) => Number.isFinite(d));
    const b = bootstrapMean(finite, bootstrap, 7919 * (i + 1));
    out[key as OdEffectMetric] = { pairedN: finite.length, mean: b.mean, ci95: b.ci95 };
  }
  return out;
}

/** Mean JSDs of `n` real trips resampled with replacement against all of them. */
function oracleFloor(real: EvalTrip[], n: number, resamples: number, evalOptions?: EvalOptions): PairedSplitResult['oracleFloor'] {
  const rng = makeRng(104_729);
  const acc = { distanceJSD: 0, durationJSD: 0, radiusJSD: 0 };
  for (let r = 0; r < resamples; r++) {
    const sample: EvalTrip[] = [];
    for (let i = 0; i < n; i++) sample.push(real[Math.floor(rng() * real.length)]);
    const rep = distributionJSDs(real, sample, evalOptions?.bins);
    acc.distanceJSD += rep.distanceJSD / resamples;
    acc.durationJSD += rep.durationJSD / resamples;
    acc.radiusJSD += rep.radiusJSD / resamples;
  }
  return { ...acc, resamples };
}
