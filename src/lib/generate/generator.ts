// Route generation for many OD pairs (thesis §6.1, Alg. 4; HOSER gene.py): OD pairs and start
// times sampled from a split, searched in chunks with beam or best-first search, timestamps from
// the scorer's time predictions. Model-agnostic: any BatchScorer works; a scorer whose predictions
// depend on the trip's start time implements StartTimeAware.
import type { RoadFeatures } from '../data/derivedTypes';
import type { RoadNetwork, Trajectory } from '../data/types';
import { haversineKm } from '../geo';
import {
  assignTimes,
  beamSearch,
  bestFirstSearchMany,
  type AbortFlag,
  type BatchScorer,
  type SearchResult,
  type StepQuery,
} from './search';

/** An OD pair to generate, with the unix start time (entry time of the origin road). */
export interface GenOD {
  origin: number;
  dest: number;
  startTime: number;
}

export interface GeneratedTrip {
  id: string;
  origin: number;
  dest: number;
  /** Roads from the origin; ends at dest when reached. */
  roads: number[];
  /** Entry time of each road, unix seconds (times[0] = the start time). */
  times: number[];
  reached: boolean;
  /** Cumulative log-probability of the route under the model (NaN when unknown, e.g. read from CSV). */
  logProb: number;
  /** False when the scorer gave no time predictions and the fallback hop time was used. */
  timesFromModel: boolean;
}

/**
 * Samples n OD pairs from the empirical (first road, last road) distribution of `trips` (with
 * replacement, as HOSER) and, independently, n start times from the trips' first timestamps.
 * Trips with fewer than two roads are skipped. Deterministic for a given rng.
 */
export function sampleOdPairs(trips: Trajectory[], n: number, rng: () => number): GenOD[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`sampleOdPairs: n must be a non-negative integer, got ${n}`);
  const usable = trips.filter((t) => t.roads.length >= 2);
  if (usable.length === 0) throw new Error('sampleOdPairs: no trip with at least two roads to sample from');
  const pick = () => usable[Math.min(usable.length - 1, Math.floor(rng() * usable.length))];
  const out: GenOD[] = [];
  for (let i = 0; i < n; i++) {
    const od = pick();
    const start = pick();
    out.push({ origin: od.roads[0], dest: od.roads[od.roads.length - 1], startTime: start.times[0] });
  }
  return out;
}

/**
 * Every trip of `trips` with at least two roads once, in file order: its own first road, last road
 * and start time (the seed-paired report's OD list for val and test), so that each route can be
 * scored against the trip it was asked for (eval --generated --pairing trip).
 */
export function everyTripOd(trips: readonly Trajectory[]): GenOD[] {
  const out = trips
    .filter((t) => t.roads.length >= 2)
    .map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1], startTime: t.times[0] }));
  if (out.length === 0) throw new Error('everyTripOd: no trip with at least two roads');
  return out;
}

/**
 * A scorer whose answers depend on each trip's start time (the student's time-of-day input and
 * its prefix entry times). Queries carry no OD index, so the generator guarantees that within one
 * chunk every origin road has one start time, and hands the lookup over before the chunk.
 */
export interface StartTimeAware {
  setStartTimes(startOf: (q: StepQuery) => number): void;
}

export function isStartTimeAware(s: BatchScorer): s is BatchScorer & StartTimeAware {
  return typeof (s as Partial<StartTimeAware>).setStartTimes === 'function';
}

/** Great-circle km between road centroids: the "nearest to the destination" measure of the searches. */
export function centroidDistance(features: RoadFeatures): (road: number, dest: number) => number {
  const c = features.centroid;
  return (a, b) => haversineKm([c[2 * a], c[2 * a + 1]], [c[2 * b], c[2 * b + 1]]);
}

/** Each road's length in km (a negative recorded length counts as 0, as the baselines do). */
export function roadKmOf(network: RoadNetwork): (road: number) => number {
  const km = Float64Array.from(network.roads, (r) => Math.max(0, r.lengthM) / 1000);
  return (road) => km[road];
}

export interface GenerateProgress {
  /** Trips finished so far and in all. */
  done: number;
  total: number;
  /** Search step within the current chunk and OD pairs of that chunk still searching. */
  step: number;
  live: number;
}

export interface GenerateOptions {
  method?: 'beam' | 'bestFirst';
  /** Beam width (default 4). */
  beam?: number;
  /** OD pairs searched together in one search call (default 256). */
  batchSize?: number;
  /** Beam search: roads appended at most (default 500). */
  maxSteps?: number;
  /** Best-first search: expansions per OD pair (default 5000, as HOSER). */
  maxExpansions?: number;
  /** Best-first search: the A*-style guide (search.ts BestFirstOptions.guide; default 0, none). */
  guide?: number;
  /** Best-first search: the length penalty in nats per km (search.ts BestFirstOptions.lengthPerKm). */
  lengthPerKm?: number;
  /** Each road's length in km (roadKmOf); needed by lengthPerKm. */
  roadKm?: (road: number) => number;
  distanceToDest: (road: number, dest: number) => number;
  /**
   * Train statistics of log1p(seconds per hop). Used only when the scorer gives no time
   * predictions: every hop then takes expm1(timeMean) seconds.
   */
  timeMean: number;
  timeStd: number;
  onProgress?: (p: GenerateProgress) => void;
  signal?: AbortFlag;
  /** Trip ids are `${idPrefix}${index}` (default 'gen-'). */
  idPrefix?: string;
}

/**
 * Splits OD indices into chunks of at most `size` in which every origin road has a single start
 * time (see StartTimeAware). Without that constraint it is plain consecutive slicing.
 */
export function planChunks(ods: GenOD[], size: number, oneStartPerOrigin: boolean): number[][] {
  const chunks: number[][] = [];
  let pending = ods.map((_, i) => i);
  while (pending.length > 0) {
    if (!oneStartPerOrigin) {
      for (let s = 0; s < pending.length; s += size) chunks.push(pending.slice(s, s + size));
      break;
    }
    const deferred: number[] = [];
    let cur: number[] = [];
    let starts = new Map<number, number>();
    for (const i of pending) {
      const { origin, startTime } = ods[i];
      const seen = starts.get(origin);
      if (seen !== undefined && seen !== startTime) {
        deferred.push(i);
        continue;
      }
      starts.set(origin, startTime);
      cur.push(i);
      if (cur.length === size) {
        chunks.push(cur);
        cur = [];
        starts = new Map();
      }
    }
    if (cur.length > 0) chunks.push(cur);
    pending = deferred;
  }
  return chunks;
}

function abortError(): Error {
  const e = new Error('generation aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * Generates one route per OD pair, in input order. OD pairs are searched in chunks of `batchSize`
 * (each search step scores all beams of the chunk in one scorer call); for a scorer that does not
 * depend on call grouping the result is independent of the chunk size. Times: start time plus the
 * scorer's predicted seconds per hop, or the fallback hop time when it predicts none.
 */
export async function generateRoutes(scorer: BatchScorer, ods: GenOD[], opts: GenerateOptions): Promise<GeneratedTrip[]> {
  const method = opts.method ?? 'beam';
  const size = opts.batchSize ?? 256;
  if (!Number.isInteger(size) || size < 1) throw new Error(`generateRoutes: batchSize must be a positive integer, got ${size}`);
  const idPrefix = opts.idPrefix ?? 'gen-';
  const fallbackHop = Math.max(0, Math.expm1(opts.timeMean));
  const aware = isStartTimeAware(scorer);
  const chunks = planChunks(ods, size, aware);
  const results: SearchResult[] = new Array<SearchResult>(ods.length);
  let done = 0;

  for (const chunk of chunks) {
    if (opts.signal?.aborted) throw abortError();
    const part = chunk.map((i) => ods[i]);
    if (aware) {
      const startByOrigin = new Map(part.map((od) => [od.origin, od.startTime]));
      scorer.setStartTimes((q) => startByOrigin.get(q.prefix[0]) ?? part[0].startTime);
    }
    const onStep = (step: number, live: number) => opts.onProgress?.({ done, total: ods.length, step, live });
    const res =
      method === 'beam'
        ? await beamSearch(scorer, part, {
            beam: opts.beam ?? 4,
            maxSteps: opts.maxSteps,
            distanceToDest: opts.distanceToDest,
            signal: opts.signal,
            onStep,
          })
        : await bestFirstSearchMany(scorer, part, {
            maxExpansions: opts.maxExpansions,
            guide: opts.guide,
            lengthPerKm: opts.lengthPerKm,
            roadKm: opts.roadKm,
            distanceToDest: opts.distanceToDest,
            signal: opts.signal,
            onStep,
          });
    chunk.forEach((i, j) => (results[i] = res[j]));
    done += chunk.length;
    opts.onProgress?.({ done, total: ods.length, step: -1, live: 0 });
  }

  return ods.map((od, i) => {
    const r = results[i];
    const hops = r.roads.length - 1;
    const fromModel = r.stepTimes !== undefined && r.stepTimes.length === hops;
    const steps = fromModel ? r.stepTimes! : new Array<number>(hops).fill(fallbackHop);
    return generatedTrip(`${idPrefix}${i}`, od, r, steps, fromModel);
  });
}

/** A route for an OD pair as the generators return it: entry times from the start time and the hop seconds. */
export function generatedTrip(
  id: string,
  od: GenOD,
  r: { roads: number[]; reached: boolean; logProb: number },
  hopSeconds: number[],
  timesFromModel: boolean,
): GeneratedTrip {
  return {
    id,
    origin: od.origin,
    dest: od.dest,
    roads: r.roads,
    times: assignTimes(od.startTime, hopSeconds),
    reached: r.reached,
    logProb: r.logProb,
    timesFromModel,
  };
}
