// The thesis's evaluation protocol (thesis §6.1): for each seed, sample OD
// pairs and start times from a split, generate one route per pair with every model, evaluate
// against the real trips of the same split, and aggregate mean ± std over seeds. Also loads a
// student checkpoint as a generation scorer, and picks per-OD route samples for the comparison view.
import { runHyper } from '../train/sessionHyper';
import type { Derived } from '../data/derivedTypes';
import type { Dataset, RoadNetwork, SplitName, Trajectory } from '../data/types';
import {
  centroidDistance,
  roadKmOf,
  generateRoutes,
  sampleOdPairs,
  type GeneratedTrip,
  type GenerateOptions,
  type GenOD,
} from '../generate/generator';
import type { AbortFlag, BatchScorer } from '../generate/search';
import { StudentScorer, type StudentScorerOptions } from '../generate/studentScorer';
import { sharedTailGuard } from '../generate/tailGuard';
import type { Student } from '../models/student';
import { makeRng } from '../random';
import type { Checkpoint } from '../checkpoint/checkpoint';
import { loadStudent, type CheckpointInput } from '../checkpoint/loadModel';
import { batchContext, type BatchContext } from '../features/studentBatch';
import { dtw, hausdorff } from './metrics';
import { centroidOf, generatedToEvalTrip, realToEvalTrip } from './evalTrips';
import { aggregateReports, evaluateTrips, EVAL_KEYS, type EvalKey, type EvalOptions, type EvalReport } from './tripMetrics';
import { defaultClock as defaultNow } from '../runtime/clock';
import { odPairKey, tripsByOd } from '../data/odSplit';

// ---------------------------------------------------------------------------------------------
// Trips as the metrics see them

export { realToEvalTrip, generatedToEvalTrip } from './evalTrips';

// ---------------------------------------------------------------------------------------------
// Student checkpoint → generation scorer

export interface LoadedStudent {
  checkpoint: Checkpoint;
  student: Student;
  /** The batch context the checkpoint was trained with (candidate cap, prefix cap, clips). */
  ctx: BatchContext;
  scorer: StudentScorer;
  /** Frees the scorer's cached embeddings and the model's variables. */
  dispose(): void;
}

/** An optional positive integer of a checkpoint's hyper block (undefined when absent or invalid). */
function hyperInt(hyper: Record<string, unknown>, key: string): number | undefined {
  const v = hyper[key];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Builds a student from a checkpoint (bytes or decoded) for generation. Refuses (with the
 * checkpoint module's message) a teacher checkpoint or one made for another road network.
 */
export function loadStudentScorer(
  src: CheckpointInput,
  network: RoadNetwork,
  derived: Derived,
  opts: Pick<StudentScorerOptions, 'maxBatch' | 'yieldBetweenBatches' | 'hostAttention'> = {},
): LoadedStudent {
  // Frozen encoders (loadStudent): the scorer's cache refreshes then cost nothing.
  const { checkpoint: ck, model: student } = loadStudent(src, derived);
  const ctx = batchContext(network, derived, {
    k: hyperInt(ck.hyper, 'k'),
    maxLen: runHyper(ck.hyper).maxLen,
    routeFeatures: student.config.routeFeatures,
  });
  // Hop-time calibration fitted on val (`calibrate-time`); older checkpoints have none.
  const ts = ck.hyper.timeScale;
  const timeScale = typeof ts === 'number' && Number.isFinite(ts) && ts > 0 ? ts : 1;
  const scorer = new StudentScorer(student, ctx, derived, { ...opts, timeScale });
  return {
    checkpoint: ck,
    student,
    ctx,
    scorer,
    dispose: () => {
      scorer.dispose();
      student.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Protocol

export interface ProtocolModel {
  name: string;
  scorer: BatchScorer;
}

export interface ProtocolProgress {
  seed: number;
  split: string;
  model: string;
  /** Trips of this (seed, split, model) run finished so far, and in all. */
  done: number;
  total: number;
  /** Runs (seed × split × model) completed before this one, and in all. */
  run: number;
  runs: number;
}

/** What every generation protocol takes: the dataset, the search and what to record. */
export interface SearchProtocolOptions {
  dataset: Dataset;
  derived: Derived;
  beam?: number;
  method?: 'beam' | 'bestFirst';
  /** OD pairs per search call (default 256). */
  batchSize?: number;
  /** Beam search step cap (default 200: longer than 99.5 % of the Porto trips, 164 roads). */
  maxSteps?: number;
  maxExpansions?: number;
  /** Best-first search's A*-style guide (generate/search.ts; default none). */
  guide?: number;
  /** Best-first search's length penalty, nats per km (generate/search.ts; default none). */
  lengthPerKm?: number;
  /**
   * The tail guard after the search (generate/tailGuard.ts): a route over guardCap × its OD's
   * fastest path's length, or one that does not reach, takes that fastest path. Applied by
   * runProtocol and recipeRoutes (what the app shows), never by generateTimed, so the paired
   * protocol's route cache keeps the search's own routes (it takes a cap per arm instead).
   */
  guardCap?: number;
  evalOptions?: EvalOptions;
  /** Free text recorded in the output (tool, version). */
  createdWith?: string;
  /** Machine / backend description recorded in the protocol block. */
  machine?: Record<string, unknown>;
  signal?: AbortFlag;
  /** Clock in milliseconds (default performance.now / Date.now). */
  now?: () => number;
  /**
   * Generates in place of generateRoutes in this thread, e.g. sharded over a pool of workers
   * (generate/shards.ts); it must return what generateRoutes(scorer, ods, opts) returns.
   */
  generate?: (scorer: BatchScorer, ods: GenOD[], opts: GenerateOptions) => Promise<GeneratedTrip[]>;
}

/** The search settings of a protocol run, defaults filled in (what its report records). */
export function searchSettings(opts: SearchProtocolOptions): {
  beam: number;
  method: 'beam' | 'bestFirst';
  batchSize: number;
  maxSteps: number;
  maxExpansions: number;
  guide?: number;
  lengthPerKm?: number;
} {
  return {
    beam: opts.beam ?? 4,
    method: opts.method ?? 'beam',
    batchSize: opts.batchSize ?? 256,
    maxSteps: opts.maxSteps ?? 200,
    maxExpansions: opts.maxExpansions ?? 5000,
    // Only when set, so that unguided runs keep their route-cache keys and reports.
    ...(opts.guide ? { guide: opts.guide } : {}),
    ...(opts.lengthPerKm ? { lengthPerKm: opts.lengthPerKm } : {}),
  };
}

/** One model's routes for `ods` under the run's search settings, and the wall seconds they took. */
export async function generateTimed(
  scorer: BatchScorer,
  ods: GenOD[],
  opts: SearchProtocolOptions,
  idPrefix: string,
  onDone: (done: number) => void,
): Promise<{ trips: GeneratedTrip[]; seconds: number }> {
  const now = opts.now ?? defaultNow;
  const { derived } = opts;
  const t0 = now();
  const trips = await (opts.generate ?? generateRoutes)(scorer, ods, {
    ...searchSettings(opts),
    distanceToDest: centroidDistance(derived.features),
    // Road lengths only for a length penalty: the app's searches, on a click, need none.
    ...(opts.lengthPerKm ? { roadKm: roadKmOf(opts.dataset.network) } : {}),
    timeMean: derived.timeMean,
    timeStd: derived.timeStd,
    signal: opts.signal,
    idPrefix,
    onProgress: (p) => onDone(p.done),
  });
  return { trips, seconds: (now() - t0) / 1000 };
}

/** generateTimed, then the tail guard where opts.guardCap is set: a model's routes under its recipe's search. */
export async function recipeRoutes(
  scorer: BatchScorer,
  ods: GenOD[],
  opts: SearchProtocolOptions,
  idPrefix: string,
  onDone: (done: number) => void,
): Promise<{ trips: GeneratedTrip[]; seconds: number }> {
  const r = await generateTimed(scorer, ods, opts, idPrefix, onDone);
  if (opts.guardCap === undefined) return r;
  return { trips: sharedTailGuard(opts.dataset.network, opts.guardCap).apply(r.trips, ods).trips, seconds: r.seconds };
}

export interface ProtocolOptions extends SearchProtocolOptions {
  models: ProtocolModel[];
  /** Default ['train', 'test']. */
  splits?: SplitName[];
  /** OD pairs per split and seed: min(n, usable trips in the split); default 5000 (thesis). */
  n?: number;
  /** Default [1, 2, 3]. */
  seeds?: number[];
  /** OD route samples per split for the comparison view (first seed; default 150). */
  routeSamples?: number;
  /**
   * OD pairs (with their start times) whose routes the comparison view keeps, e.g. its selected
   * pair across a re-run: each one the first seed's route samples of its split lack is generated on
   * its own by every model and added to them. Routes only: the metrics stay the sample's.
   */
  keepRoutes?: KeptOd[];
  onProgress?: (p: ProtocolProgress) => void;
}

/** An OD pair of a split the comparison view keeps drawn (ProtocolOptions.keepRoutes). */
export interface KeptOd extends GenOD {
  split: SplitName;
}

export type MetricStat = { mean: number; std: number };

/** One model × split: every metric as mean ± std over seeds, plus counts and generation speed. */
export type SplitResult = { [K in Exclude<EvalKey, 'n'>]: MetricStat } & {
  /** Generated trips per seed. */
  n: number;
  /** Mean generation wall time per seed, seconds. */
  genSeconds: number;
  /** n / genSeconds. */
  tripsPerSec: number;
  genSecondsPerSeed: number[];
  /** Share of the generated trips whose times came from the model's time head. */
  timesFromModel: number;
  /** Per-seed raw reports, in seed order. */
  perSeed: EvalReport[];
};

export interface RouteSampleModel {
  roads: number[];
  times: number[];
  reached: boolean;
  dtwKm: number | null;
  hausdorffKm: number | null;
}

/** One OD pair of the comparison view: real trip ids and each model's route (keyed by model name). */
export interface RouteSample {
  split: string;
  origin: number;
  dest: number;
  startTime: number;
  realTripIds: string[];
  [model: string]: RouteSampleModel | string | number | string[];
}

export interface ProtocolReport {
  dataset: string;
  createdWith: string;
  created: string;
  datasetInfo: { fingerprint: string; roads: number; trips: Record<string, number> };
  protocol: {
    /** The cap asked for; each split uses min(n, its usable trips) (nPerSplit). */
    n: number;
    nPerSplit: Record<string, number>;
    seeds: number[];
    beam: number;
    method: 'beam' | 'bestFirst';
    batchSize: number;
    maxSteps: number;
    maxExpansions: number;
    /** The tail guard's cap, when the routes went through it (SearchProtocolOptions.guardCap). */
    guardCap?: number;
    splits: string[];
    odSampling: string;
    machine: Record<string, unknown>;
  };
  models: Record<string, Record<string, SplitResult>>;
  /** Per split, which model has the better mean on each headline metric; no verdict (describePair). */
  pairNote: string;
  routes: RouteSample[];
}

const round = (x: number, digits: number): number | null => (Number.isFinite(x) ? +x.toFixed(digits) : null);

/** Seed of the OD sampler for (seed, split): distinct streams per split, same across models. */
function samplerSeed(seed: number, split: string): number {
  let h = 2166136261 ^ seed;
  for (const ch of split) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * Runs the protocol. Every model sees exactly the same OD pairs and start times for a given
 * (seed, split). Throws an AbortError when `signal` is raised.
 */
export async function runProtocol(opts: ProtocolOptions): Promise<ProtocolReport> {
  const { dataset, derived, models } = opts;
  if (models.length === 0) throw new Error('runProtocol: no models');
  const splits = opts.splits ?? ['train', 'test'];
  const seeds = opts.seeds ?? [1, 2, 3];
  if (seeds.length === 0) throw new Error('runProtocol: no seeds');
  const nCap = opts.n ?? 5000;
  const { beam, method, batchSize, maxSteps, maxExpansions } = searchSettings(opts);
  const routeSamples = opts.routeSamples ?? 150;

  const nPerSplit: Record<string, number> = {};
  for (const s of splits) {
    const usable = dataset.splits[s].filter((t) => t.roads.length >= 2).length;
    if (usable === 0) throw new Error(`runProtocol: split ${s} has no trip to sample OD pairs from`);
    nPerSplit[s] = Math.min(nCap, usable);
  }

  const runs = seeds.length * splits.length * models.length;
  let run = 0;
  const reports: Record<string, Record<string, { reports: EvalReport[]; seconds: number[]; fromModel: number[] }>> = {};
  for (const m of models) {
    reports[m.name] = {};
    for (const s of splits) reports[m.name][s] = { reports: [], seconds: [], fromModel: [] };
  }
  const routes: RouteSample[] = [];

  for (const s of splits) {
    const realTrips = dataset.splits[s];
    const real = realTrips.map((t) => realToEvalTrip(t, derived.features.centroid));
    for (const [si, seed] of seeds.entries()) {
      const ods = sampleOdPairs(realTrips, nPerSplit[s], makeRng(samplerSeed(seed, s)));
      const generated: Record<string, GeneratedTrip[]> = {};
      for (const m of models) {
        const total = ods.length;
        const { trips, seconds } = await recipeRoutes(m.scorer, ods, opts, `${m.name}-${s}-${seed}-`, (done) =>
          opts.onProgress?.({ seed, split: s, model: m.name, done, total, run, runs }),
        );
        const gen = trips.map((t) => generatedToEvalTrip(t, derived.features.centroid));
        const cell = reports[m.name][s];
        cell.reports.push(evaluateTrips(real, gen, opts.evalOptions));
        cell.seconds.push(seconds);
        cell.fromModel.push(trips.filter((t) => t.timesFromModel).length / Math.max(1, trips.length));
        generated[m.name] = trips;
        run++;
        opts.onProgress?.({ seed, split: s, model: m.name, done: total, total, run, runs });
      }
      if (si === 0) {
        const picked = routeSamples > 0 ? pickRouteSamples(s, ods, generated, realTrips, derived, routeSamples) : [];
        routes.push(...picked, ...(await keptRouteSamples(s, picked, opts)));
      }
    }
  }

  const out: Record<string, Record<string, SplitResult>> = {};
  for (const m of models) {
    out[m.name] = {};
    for (const s of splits) {
      const c = reports[m.name][s];
      const agg = aggregateReports(c.reports);
      const genSeconds = c.seconds.reduce((a, b) => a + b, 0) / c.seconds.length;
      const cellOut = {} as Record<string, unknown>;
      for (const k of EVAL_KEYS) if (k !== 'n') cellOut[k] = agg[k];
      cellOut.n = nPerSplit[s];
      cellOut.genSeconds = genSeconds;
      cellOut.tripsPerSec = genSeconds > 0 ? nPerSplit[s] / genSeconds : NaN;
      cellOut.genSecondsPerSeed = c.seconds;
      cellOut.timesFromModel = c.fromModel.reduce((a, b) => a + b, 0) / c.fromModel.length;
      cellOut.perSeed = c.reports;
      out[m.name][s] = cellOut as SplitResult;
    }
  }

  const trips: Record<string, number> = {};
  for (const [k, v] of Object.entries(dataset.splits)) trips[k] = v.length;
  return {
    dataset: dataset.name,
    createdWith: opts.createdWith ?? 'trajdistill runProtocol',
    created: new Date().toISOString(),
    datasetInfo: { fingerprint: derived.fingerprint, roads: dataset.network.roads.length, trips },
    protocol: {
      n: nCap,
      nPerSplit,
      seeds: seeds.slice(),
      beam,
      method,
      batchSize,
      maxSteps,
      maxExpansions,
      ...(opts.guardCap !== undefined ? { guardCap: opts.guardCap } : {}),
      splits: splits.slice(),
      odSampling:
        'OD pairs drawn with replacement from the empirical (first road, last road) distribution of the split; start times drawn independently from its real first timestamps (HOSER)',
      machine: opts.machine ?? {},
    },
    models: out,
    pairNote: describePair(out, splits),
    routes,
  };
}

/** Route samples of the kept OD pairs of `split` that `picked` lacks: each generated alone by every model. */
async function keptRouteSamples(split: SplitName, picked: RouteSample[], opts: ProtocolOptions): Promise<RouteSample[]> {
  const roads = opts.dataset.network.roads.length;
  const valid = (r: number): boolean => Number.isInteger(r) && r >= 0 && r < roads;
  const out: RouteSample[] = [];
  for (const keep of opts.keepRoutes ?? []) {
    if (keep.split !== split || !valid(keep.origin) || !valid(keep.dest)) continue;
    if ([...picked, ...out].some((r) => r.origin === keep.origin && r.dest === keep.dest)) continue;
    const od: GenOD = { origin: keep.origin, dest: keep.dest, startTime: keep.startTime };
    const generated: Record<string, GeneratedTrip[]> = {};
    for (const m of opts.models)
      generated[m.name] = (await recipeRoutes(m.scorer, [od], opts, `${m.name}-${split}-kept-`, () => undefined)).trips;
    out.push(...pickRouteSamples(split, [od], generated, opts.dataset.splits[split], opts.derived, 1));
  }
  return out;
}

/**
 * Per-OD samples for the comparison view: the first `max` distinct OD pairs of the seed's sample,
 * each with the ids of the real trips of that OD and every model's route, scored (DTW, Hausdorff)
 * against the first such real trip.
 */
export function pickRouteSamples(
  split: string,
  ods: GenOD[],
  generated: Record<string, GeneratedTrip[]>,
  realTrips: Trajectory[],
  derived: Derived,
  max: number,
): RouteSample[] {
  const realByOd = tripsByOd(realTrips);
  const seen = new Set<string>();
  const out: RouteSample[] = [];
  for (let i = 0; i < ods.length && out.length < max; i++) {
    const od = ods[i];
    const k = odPairKey(od.origin, od.dest);
    if (seen.has(k)) continue;
    seen.add(k);
    const reals = realByOd.get(k) ?? [];
    const refPts = reals.length > 0 ? reals[0].roads.map((r) => centroidOf(derived.features.centroid, r)) : null;
    const row: RouteSample = { split, origin: od.origin, dest: od.dest, startTime: od.startTime, realTripIds: reals.map((t) => t.id) };
    for (const [name, trips] of Object.entries(generated)) {
      const g = trips[i];
      const pts = g.roads.map((r) => centroidOf(derived.features.centroid, r));
      row[name] = {
        roads: g.roads,
        times: g.times,
        reached: g.reached,
        dtwKm: refPts ? round(dtw(pts, refPts), 4) : null,
        hausdorffKm: refPts ? round(hausdorff(pts, refPts), 4) : null,
      };
    }
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Metric directions and the one-pair description

/** Direction of every metric a verdict compares: lower is better except for the rates. */
const LOWER_IS_BETTER = {
  distanceJSD: true,
  radiusJSD: true,
  durationJSD: true,
  hausdorffKm: true,
  dtwKm: true,
  edr: true,
  odDtwKm: true,
  odDtwPerKm: true,
  odEdr: true,
  odDistanceLogErr: true,
  odMatchRate: false,
  reachedRate: false,
} as const;

export type VerdictMetric = keyof typeof LOWER_IS_BETTER;

/** The metrics `keys`, in order, each with its direction. */
export function withDirection<K extends VerdictMetric>(keys: readonly K[]): readonly { key: K; lowerIsBetter: boolean }[] {
  return keys.map((key) => ({ key, lowerIsBetter: LOWER_IS_BETTER[key] }));
}

/** The headline metrics of a report (describePair). */
export const HEADLINE_METRICS = withDirection([
  'distanceJSD',
  'radiusJSD',
  'durationJSD',
  'hausdorffKm',
  'dtwKm',
  'edr',
  'odMatchRate',
  'reachedRate',
]);

type StatLike = { mean: number; std: number };

/** Why one report gives no verdict on distillation: it holds one trained pair, not several. */
export const ONE_PAIR_SCOPE =
  'One vanilla and one distilled checkpoint, spread over OD-sampling seeds (not training seeds): no verdict on distillation, which needs several training seeds (eval paired-report).';

/**
 * What a report of one vanilla and one distilled checkpoint says: per split, which model has the
 * better mean on each headline metric. No count and no verdict: the spread is over OD samples,
 * so it cannot tell distillation from the luck of one training run.
 */
export function describePair(models: Record<string, Record<string, Partial<Record<string, unknown>>>>, splits: string[]): string {
  const van = models.vanilla;
  const dis = models.distilled;
  if (!van || !dis) return 'No comparison: the report needs both a "vanilla" and a "distilled" model.';
  const parts = [ONE_PAIR_SCOPE];
  for (const s of splits) {
    const a = van[s];
    const b = dis[s];
    if (!a || !b) continue;
    const better: Record<'vanilla' | 'distilled' | 'equal', string[]> = { vanilla: [], distilled: [], equal: [] };
    for (const { key, lowerIsBetter } of HEADLINE_METRICS) {
      const x = a[key] as StatLike | undefined;
      const y = b[key] as StatLike | undefined;
      if (!x || !y || !Number.isFinite(x.mean) || !Number.isFinite(y.mean)) continue;
      const gain = lowerIsBetter ? x.mean - y.mean : y.mean - x.mean;
      better[gain > 0 ? 'distilled' : gain < 0 ? 'vanilla' : 'equal'].push(key);
    }
    const named = (['distilled', 'vanilla'] as const).filter((m) => better[m].length).map((m) => `${m} on ${better[m].join(', ')}`);
    if (better.equal.length) named.push(`equal on ${better.equal.join(', ')}`);
    parts.push(named.length ? `${s}-OD, the better mean: ${named.join('; ')}.` : `${s}-OD: no comparable metrics.`);
  }
  if (parts.length === 1) return 'No comparison: no split has results for both models.';
  return parts.join(' ');
}

/**
 * A compact JSON-friendly copy of a report: numbers rounded to `digits` decimals, per-seed reports
 * kept. Values too small for that (a p of 2e-24) keep 3 significant digits instead of
 * becoming 0.
 */
export function roundReport<T>(x: T, digits = 6): T {
  const tiny = 10 ** (3 - digits);
  const compact = (v: number): number | null => (v !== 0 && Math.abs(v) < tiny ? Number(v.toPrecision(3)) : round(v, digits));
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? compact(v) : v))) as T;
}
