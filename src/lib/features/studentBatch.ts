// Turns trajectories into the student's padded inputs (HOSER's collate), as plain typed arrays so
// the work can run in a worker and be transferred; tensors are created later inside the forward.
//
// Per trip (roads r_0..r_n, entry times t_0..t_n):
//   prefix positions i = 0..n-1 hold r_i (the last road is only the destination);
//   step i predicts r_{i+1} among candidatesFor(r_i, dest = r_n) (label −1 when it is not among
//   them, e.g. cut by the k cap: that step is masked out of CE and the time loss);
//   time label i = (log1p(t_{i+1} − t_i) − timeMean) / timeStd.
// Trips with more than maxLen prefix positions are cropped to their first maxLen + 1 roads, i.e.
// to a shorter trip ending at r_maxLen (a sub-path of a real trip is itself a valid trip); with the
// default maxLen this touches only a handful of Porto trips.
import type { Derived } from '../data/derivedTypes';
import type { RoadNetwork, Trajectory } from '../data/types';
import { candidateFeatures, candidatesFor, routeCandidateFeatures } from '../data/candidates';
import { remainingTimesFor, routeFeatureWidth, sameRouteFeatures, type RouteFeatureSpec } from '../data/remainingTimes';
import { markovRouteTables } from '../data/markovRouteInputs';
import { zonePlanTables } from '../data/zonePlanInputs';
import { tripFold } from '../data/markovChain';
import { haversineM } from '../geo';

export interface BatchContext {
  network: RoadNetwork;
  derived: Derived;
  /** Candidate cap (thesis: 64 nearest to the destination). */
  k: number;
  /** Longest prefix kept per trip (HOSER max_len). */
  maxLen: number;
  /** Pairwise-feature clips of the trajectory encoder (HOSER: 1 km, 5 min). */
  distClipM: number;
  gapClipMin: number;
  /**
   * Route-aware candidate features (StudentConfig.routeFeatures): set, every step also carries each
   * candidate's remaining-time features (candRoute). A context for a student takes its model's
   * (withRouteFeatures); unset, batches are exactly what they were before the feature existed.
   */
  routeFeatures?: RouteFeatureSpec;
  /**
   * Training batches: with Markov route inputs (routeFeatures.markov), each trip reads the counts of
   * the train trips outside its own fold (data/markovRouteInputs.ts), so it never sees its own
   * transitions. Unset (evaluation, generation): every train trip's counts.
   */
  crossFit?: boolean;
}

/** The caps and clips of a BatchContext (everything but the network and its derived data). */
export type BatchOptions = Omit<BatchContext, 'network' | 'derived'>;

/**
 * Batch building's defaults where no run is involved (a teacher's or the Teach view's whole trips,
 * the simulator's timing). A student run's maxLen is its own, read with runHyper
 * (train/sessionHyper.ts); a context for a run's checkpoint takes it from there.
 */
export const DEFAULT_BATCH_OPTIONS: BatchOptions = { k: 64, maxLen: 512, distClipM: 1000, gapClipMin: 5 };

/** A BatchContext for `network`: DEFAULT_BATCH_OPTIONS where `options` leaves a value unset. */
export function batchContext(network: RoadNetwork, derived: Derived, options: Partial<BatchOptions> = {}): BatchContext {
  const d = DEFAULT_BATCH_OPTIONS;
  return {
    network,
    derived,
    k: options.k ?? d.k,
    maxLen: options.maxLen ?? d.maxLen,
    distClipM: options.distClipM ?? d.distClipM,
    gapClipMin: options.gapClipMin ?? d.gapClipMin,
    ...(options.routeFeatures ? { routeFeatures: options.routeFeatures } : {}),
    ...(options.crossFit ? { crossFit: true } : {}),
  };
}

/**
 * `ctx` for a student with config `config`: its route features on or off as the model reads them.
 * Every batch a student sees comes from such a context (the navigator refuses a batch without
 * the features it reads).
 */
export function withRouteFeatures(ctx: BatchContext, config: { routeFeatures?: RouteFeatureSpec }): BatchContext {
  const spec = config.routeFeatures;
  if (sameRouteFeatures(ctx.routeFeatures, spec)) return ctx;
  const { routeFeatures: _drop, ...rest } = ctx;
  return spec ? { ...rest, routeFeatures: spec } : rest;
}

/** One trip's per-step data, computed once and reused every epoch. Ragged arrays use candOffset. */
export interface PreparedTrip {
  /** Index of the trip in the array given to prepareTrips. */
  index: number;
  /** Roads after cropping; steps = roads.length − 1. */
  roads: Int32Array;
  steps: number;
  /** Entry time of each prefix road, seconds relative to the trip start. */
  relTimes: Float64Array;
  /** Minute of day / 1440 of each prefix road, negated when the trip starts on a weekend. */
  timeFeat: Float32Array;
  candOffset: Int32Array;
  cands: Int32Array;
  metricDis: Float32Array;
  metricAngle: Float32Array;
  /** Route features per candidate, routeFeatureWidth of them interleaved (empty without routeFeatures). */
  route: Float32Array;
  /** Index of the next road among the step's candidates, −1 if absent. */
  label: Int32Array;
  /** Normalised log1p seconds to the next road; NaN when not usable. */
  timeLabel: Float32Array;
}

/** True when the UTC day of `unixSec` is a Saturday or Sunday (HOSER's weekend flag). */
export function isWeekendUtc(unixSec: number): boolean {
  const day = new Date(unixSec * 1000).getUTCDay();
  return day === 0 || day === 6;
}

/** HOSER's time input: minute of day / 1440 (UTC), sign flipped for trips starting Sat/Sun. */
export function timeOfDayFeature(unixSec: number, weekend: boolean): number {
  const minute = (((unixSec / 60) % 1440) + 1440) % 1440;
  const v = Math.floor(minute) / 1440;
  return weekend ? -v : v;
}

/** One step's candidates and their features (stepCandidates). */
export interface StepCandidates {
  cands: number[];
  dis: Float32Array;
  ang: Float32Array;
  /** [delay, unreachable(, Markov gap, log1p count)(, zone gap)] per candidate, interleaved; null without ctx.routeFeatures. */
  route: Float32Array | null;
}

const NO_ROUTE = new Float32Array(0);

/**
 * Per-step candidate data for one road prefix (shared by training and generation). `fold`: a
 * training trip's fold for its Markov inputs (BatchContext.crossFit); null reads every train trip.
 */
export function stepCandidates(ctx: BatchContext, cur: number, dest: number, fold: number | null = null): StepCandidates {
  const cands = candidatesFor(ctx.network, ctx.derived.features, cur, dest, ctx.k);
  const f = candidateFeatures(ctx.derived.features, cur, dest, cands);
  let route: Float32Array | null = null;
  const spec = ctx.routeFeatures;
  if (spec) {
    const r = routeCandidateFeatures(remainingTimesFor(ctx.network, spec, ctx.derived).to(dest), cands);
    const W = routeFeatureWidth(spec);
    const mk = spec.markov ? markovRouteTables(ctx.network, ctx.derived, spec.markov, fold).inputs(cur, dest, cands) : null;
    const zp = spec.zonePlan ? zonePlanTables(ctx.network, ctx.derived, fold).inputs(dest, cands) : null;
    route = new Float32Array(W * cands.length);
    for (let i = 0; i < cands.length; i++) {
      route[W * i] = r.routeDelay[i];
      route[W * i + 1] = r.unreachable[i];
      if (mk) {
        route[W * i + 2] = mk[2 * i];
        route[W * i + 3] = mk[2 * i + 1];
      }
      if (zp) route[W * i + W - 1] = zp[i];
    }
  }
  return { cands, dis: f.metricDis, ang: f.metricAngle, route };
}

export function prepareTrip(ctx: BatchContext, trip: Trajectory, index: number): PreparedTrip {
  const n = Math.min(trip.roads.length, ctx.maxLen + 1);
  const roads = Int32Array.from(trip.roads.slice(0, n));
  const steps = Math.max(0, n - 1);
  const dest = roads[n - 1];
  const t0 = trip.times[0] ?? 0;
  const weekend = isWeekendUtc(t0);
  const relTimes = new Float64Array(steps);
  const timeFeat = new Float32Array(steps);
  const candOffset = new Int32Array(steps + 1);
  const candLists: number[][] = [];
  const dis: Float32Array[] = [];
  const ang: Float32Array[] = [];
  const rte: Float32Array[] = [];
  const label = new Int32Array(steps);
  const timeLabel = new Float32Array(steps);
  const { timeMean, timeStd } = ctx.derived;
  // The whole trip's fold, as Derived.transitionFolds counted it (before any crop).
  const fold = ctx.crossFit && (ctx.routeFeatures?.markov || ctx.routeFeatures?.zonePlan) ? tripFold(trip.roads, t0) : null;
  for (let i = 0; i < steps; i++) {
    const t = trip.times[i] ?? t0;
    relTimes[i] = t - t0;
    timeFeat[i] = timeOfDayFeature(t, weekend);
    const sc = stepCandidates(ctx, roads[i], dest, fold);
    candLists.push(sc.cands);
    dis.push(sc.dis);
    ang.push(sc.ang);
    if (sc.route) rte.push(sc.route);
    candOffset[i + 1] = candOffset[i] + sc.cands.length;
    label[i] = sc.cands.indexOf(roads[i + 1]);
    const dt = (trip.times[i + 1] ?? NaN) - t;
    timeLabel[i] = Number.isFinite(dt) && dt >= 0 ? (Math.log1p(dt) - timeMean) / timeStd : NaN;
  }
  const total = candOffset[steps];
  const cands = new Int32Array(total);
  const metricDis = new Float32Array(total);
  const metricAngle = new Float32Array(total);
  const W = routeFeatureWidth(ctx.routeFeatures);
  const route = W ? new Float32Array(W * total) : NO_ROUTE;
  for (let i = 0; i < steps; i++) {
    cands.set(candLists[i], candOffset[i]);
    metricDis.set(dis[i], candOffset[i]);
    metricAngle.set(ang[i], candOffset[i]);
    if (W) route.set(rte[i], W * candOffset[i]);
  }
  return { index, roads, steps, relTimes, timeFeat, candOffset, cands, metricDis, metricAngle, route, label, timeLabel };
}

/** Prepares every trip with at least one step (trips of a single road are skipped). */
export function prepareTrips(ctx: BatchContext, trips: Trajectory[]): PreparedTrip[] {
  const out: PreparedTrip[] = [];
  trips.forEach((t, i) => {
    if (t.roads.length >= 2) out.push(prepareTrip(ctx, t, i));
  });
  return out;
}

/** Whole-trip preparation: the context's prefix cap is lifted to the longest trip. */
export function prepareWholeTrips(ctx: BatchContext, trips: Trajectory[]): PreparedTrip[] {
  const longest = trips.reduce((m, t) => Math.max(m, t.roads.length), 1);
  return prepareTrips({ ...ctx, maxLen: Math.max(ctx.maxLen, longest) }, trips);
}

/**
 * A padded batch. B trips, T = longest prefix, N = total prediction steps (all steps of all trips,
 * row-major by trip), C = most candidates at any step. Padding: road/zone id 0, candidate id 0 with
 * candMask 0, label 0 with labelMask 0.
 */
export interface StudentBatch {
  B: number;
  T: number;
  N: number;
  C: number;
  /** PreparedTrip.index of each batch row. */
  tripIndex: Int32Array;
  lengths: Int32Array;
  roadIds: Int32Array; // [B*T]
  zoneIds: Int32Array; // [B*T]
  timeFeat: Float32Array; // [B*T]
  /** Pairwise features [B*T*T]: centroid distance clipped/normalised, |Δt| clipped/normalised. */
  distMat: Float32Array;
  gapMat: Float32Array;
  stepPos: Int32Array; // [N] = b*T + i
  stepTrip: Int32Array; // [N] = b
  stepIndex: Int32Array; // [N] = i
  /** 1 at the last step of each trip (the thesis code's KL row). */
  lastStep: Float32Array; // [N]
  destZone: Int32Array; // [N]
  candIds: Int32Array; // [N*C]
  candMask: Float32Array; // [N*C]
  candFeat: Float32Array; // [N*C*2] (metric_dis, metric_angle)
  /** Route features [N*C*W], W = routeFeatureWidth (delay, unreachable, …), with ctx.routeFeatures; empty without. */
  candRoute: Float32Array;
  /** ψ-cell of each candidate (teacher vocabulary). */
  label: Int32Array; // [N]
  labelMask: Float32Array; // [N]
  timeLabel: Float32Array; // [N], normalised
  timeMask: Float32Array; // [N]
  /** Σ labelMask. */
  nValid: number;
}

/** Every road id the batch reads from the road encodings (positions and candidates, padding included). */
export function batchRoads(batch: StudentBatch): Int32Array {
  const out = new Int32Array(batch.roadIds.length + batch.candIds.length);
  out.set(batch.roadIds);
  out.set(batch.candIds, batch.roadIds.length);
  return out;
}

/** Symmetric pairwise features of one prefix into the [T, T] block at offset `o`. */
function fillPairwise(
  ctx: BatchContext,
  distMat: Float32Array,
  gapMat: Float32Array,
  o: number,
  T: number,
  roads: ArrayLike<number>,
  relTimes: ArrayLike<number>,
  L: number,
): void {
  const cen = ctx.derived.features.centroid;
  for (let i = 0; i < L; i++) {
    const ri = roads[i];
    const pi: [number, number] = [cen[2 * ri], cen[2 * ri + 1]];
    for (let j = 0; j <= i; j++) {
      const rj = roads[j];
      const d = Math.min(haversineM(pi, [cen[2 * rj], cen[2 * rj + 1]]), ctx.distClipM) / ctx.distClipM;
      const g = Math.min(Math.abs(relTimes[i] - relTimes[j]) / 60, ctx.gapClipMin) / ctx.gapClipMin;
      distMat[o + i * T + j] = d;
      distMat[o + j * T + i] = d;
      gapMat[o + i * T + j] = g;
      gapMat[o + j * T + i] = g;
    }
  }
}

export function buildBatch(ctx: BatchContext, trips: PreparedTrip[]): StudentBatch {
  const B = trips.length;
  let T = 1;
  let N = 0;
  let C = 1;
  for (const p of trips) {
    T = Math.max(T, p.steps);
    N += p.steps;
    for (let i = 0; i < p.steps; i++) C = Math.max(C, p.candOffset[i + 1] - p.candOffset[i]);
  }
  const { zones } = ctx.derived;
  const tripIndex = new Int32Array(B);
  const lengths = new Int32Array(B);
  const roadIds = new Int32Array(B * T);
  const zoneIds = new Int32Array(B * T);
  const timeFeat = new Float32Array(B * T);
  const distMat = new Float32Array(B * T * T);
  const gapMat = new Float32Array(B * T * T);
  const stepPos = new Int32Array(N);
  const stepTrip = new Int32Array(N);
  const stepIndex = new Int32Array(N);
  const lastStep = new Float32Array(N);
  const destZone = new Int32Array(N);
  const candIds = new Int32Array(N * C);
  const candMask = new Float32Array(N * C);
  const candFeat = new Float32Array(N * C * 2);
  const W = routeFeatureWidth(ctx.routeFeatures);
  const candRoute = W ? new Float32Array(N * C * W) : NO_ROUTE;
  for (const p of trips)
    if (W && p.route.length !== W * p.cands.length)
      throw new Error('route features: a trip was prepared without them for a context that has them (prepare it again)');
  const label = new Int32Array(N);
  const labelMask = new Float32Array(N);
  const timeLabel = new Float32Array(N);
  const timeMask = new Float32Array(N);
  let n = 0;
  let nValid = 0;
  for (let b = 0; b < B; b++) {
    const p = trips[b];
    const L = p.steps;
    tripIndex[b] = p.index;
    lengths[b] = L;
    const dz = zones.roadZone[p.roads[p.roads.length - 1]];
    for (let i = 0; i < L; i++) {
      const r = p.roads[i];
      roadIds[b * T + i] = r;
      zoneIds[b * T + i] = zones.roadZone[r];
      timeFeat[b * T + i] = p.timeFeat[i];
    }
    fillPairwise(ctx, distMat, gapMat, b * T * T, T, p.roads, p.relTimes, L);
    for (let i = 0; i < L; i++, n++) {
      stepPos[n] = b * T + i;
      stepTrip[n] = b;
      stepIndex[n] = i;
      lastStep[n] = i === L - 1 ? 1 : 0;
      destZone[n] = dz;
      const s = p.candOffset[i];
      const m = p.candOffset[i + 1] - s;
      for (let c = 0; c < m; c++) {
        const road = p.cands[s + c];
        candIds[n * C + c] = road;
        candMask[n * C + c] = 1;
        candFeat[(n * C + c) * 2] = p.metricDis[s + c];
        candFeat[(n * C + c) * 2 + 1] = p.metricAngle[s + c];
        for (let w = 0; w < W; w++) candRoute[(n * C + c) * W + w] = p.route[W * (s + c) + w];
      }
      if (p.label[i] >= 0) {
        label[n] = p.label[i];
        labelMask[n] = 1;
        nValid++;
        if (Number.isFinite(p.timeLabel[i])) {
          timeLabel[n] = p.timeLabel[i];
          timeMask[n] = 1;
        }
      }
    }
  }
  return {
    B,
    T,
    N,
    C,
    tripIndex,
    lengths,
    roadIds,
    zoneIds,
    timeFeat,
    distMat,
    gapMat,
    stepPos,
    stepTrip,
    stepIndex,
    lastStep,
    destZone,
    candIds,
    candMask,
    candFeat,
    candRoute,
    label,
    labelMask,
    timeLabel,
    timeMask,
    nValid,
  };
}

/**
 * The teacher's input for every step of one trip: the ψ-cells of the prefix r_0..r_i, the last `w`
 * of them (fewer at the start). With `collapse`, consecutive repeats are collapsed first, as
 * models/teacher.ts teacherWindow does (same result, built incrementally in O(steps·w)). With
 * `destination`, each window starts with the cell of the trip's last road, the student's destination.
 */
export function tripTeacherWindows(
  p: PreparedTrip,
  roadCell: Int32Array,
  w: number,
  collapse: boolean,
  destination = false,
  destRoad = p.roads[p.roads.length - 1],
): number[][] {
  const out: number[][] = [];
  const seq: number[] = [];
  const head = destination && p.roads.length > 0 ? [roadCell[destRoad]] : [];
  for (let i = 0; i < p.steps; i++) {
    const c = roadCell[p.roads[i]];
    if (!collapse || seq.length === 0 || seq[seq.length - 1] !== c) seq.push(c);
    out.push([...head, ...(Number.isFinite(w) ? seq.slice(Math.max(0, seq.length - w)) : seq)]);
  }
  return out;
}

/**
 * The swap test and the swapped-destination control: trip i takes the destination of trip
 * (i + ⌊n/2⌋) mod n, a fixed pairing in which no trip keeps its own (n ≥ 2) and every destination
 * is used once. Works on prepared trips and on raw trajectories alike.
 */
export function swappedDestinations(trips: ReadonlyArray<{ roads: ArrayLike<number> }>): (trip: number) => number {
  const n = trips.length;
  const shift = Math.max(1, Math.floor(n / 2));
  return (i) => {
    const o = trips[(i + shift) % n];
    return o.roads[o.roads.length - 1];
  };
}

/** Consecutive row ranges [start, end) whose windows hold at most `maxTokens` tokens together. */
export function windowChunks(windows: readonly number[][], maxRows: number, maxTokens = 65536): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = 0;
  while (s < windows.length) {
    let e = s + 1;
    let longest = windows[s].length + 1;
    while (e < windows.length && e - s < maxRows) {
      const l = Math.max(longest, windows[e].length + 1);
      if ((e + 1 - s) * l > maxTokens) break;
      longest = l;
      e++;
    }
    out.push([s, e]);
    s = e;
  }
  return out;
}

/** A generation query: a road prefix (origin first), its destination and the prefix's entry times. */
export interface QueryInput {
  prefix: readonly number[];
  dest: number;
  /** Unix seconds of each prefix road (same length as prefix). */
  times: ArrayLike<number>;
}

/**
 * A batch with one prediction step per query: the step at the prefix's last road. Prefixes longer
 * than maxLen keep their last maxLen roads (the most recent context). No labels.
 */
export function buildQueryBatch(ctx: BatchContext, queries: QueryInput[]): { batch: StudentBatch; cands: number[][] } {
  const B = queries.length;
  const starts = queries.map((q) => Math.max(0, q.prefix.length - ctx.maxLen));
  const lens = queries.map((q, b) => q.prefix.length - starts[b]);
  const T = Math.max(1, ...lens);
  const steps = queries.map((q) => stepCandidates(ctx, q.prefix[q.prefix.length - 1], q.dest));
  const C = Math.max(1, ...steps.map((s) => s.cands.length));
  const N = B;
  const W = routeFeatureWidth(ctx.routeFeatures);
  const { zones } = ctx.derived;
  const batch: StudentBatch = {
    B,
    T,
    N,
    C,
    tripIndex: Int32Array.from(queries.map((_, b) => b)),
    lengths: Int32Array.from(lens),
    roadIds: new Int32Array(B * T),
    zoneIds: new Int32Array(B * T),
    timeFeat: new Float32Array(B * T),
    distMat: new Float32Array(B * T * T),
    gapMat: new Float32Array(B * T * T),
    stepPos: new Int32Array(N),
    stepTrip: Int32Array.from(queries.map((_, b) => b)),
    stepIndex: Int32Array.from(lens.map((l) => l - 1)),
    lastStep: new Float32Array(N).fill(1),
    destZone: new Int32Array(N),
    candIds: new Int32Array(N * C),
    candMask: new Float32Array(N * C),
    candFeat: new Float32Array(N * C * 2),
    candRoute: W ? new Float32Array(N * C * W) : NO_ROUTE,
    label: new Int32Array(N),
    labelMask: new Float32Array(N),
    timeLabel: new Float32Array(N),
    timeMask: new Float32Array(N),
    nValid: 0,
  };
  for (let b = 0; b < B; b++) {
    const q = queries[b];
    const L = lens[b];
    const s0 = starts[b];
    const roads = q.prefix.slice(s0);
    const t0 = q.times[0] ?? 0;
    const weekend = isWeekendUtc(t0);
    const rel = new Float64Array(L);
    for (let i = 0; i < L; i++) {
      const t = q.times[s0 + i] ?? t0;
      rel[i] = t - t0;
      batch.roadIds[b * T + i] = roads[i];
      batch.zoneIds[b * T + i] = zones.roadZone[roads[i]];
      batch.timeFeat[b * T + i] = timeOfDayFeature(t, weekend);
    }
    fillPairwise(ctx, batch.distMat, batch.gapMat, b * T * T, T, roads, rel, L);
    batch.stepPos[b] = b * T + L - 1;
    batch.destZone[b] = zones.roadZone[q.dest];
    const st = steps[b];
    for (let c = 0; c < st.cands.length; c++) {
      batch.candIds[b * C + c] = st.cands[c];
      batch.candMask[b * C + c] = 1;
      batch.candFeat[(b * C + c) * 2] = st.dis[c];
      batch.candFeat[(b * C + c) * 2 + 1] = st.ang[c];
      for (let w = 0; w < W; w++) batch.candRoute[(b * C + c) * W + w] = st.route![W * c + w];
    }
  }
  return { batch, cands: steps.map((s) => s.cands) };
}
