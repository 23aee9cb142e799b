// The benchmark workloads, framework-free so the Node CLI (bench/cli/bench.ts) and the browser
// benchmark page run the same code. Each suite builds its models, runs every variant side by side
// (timing.ts compare: interleaved rounds) and returns medians, IQRs and paired ratios.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../../src/lib/data/derivedTypes';
import type { Dataset, Trajectory } from '../../src/lib/data/types';
import { centroidDistance, generateRoutes, type GenerateOptions, type GenOD } from '../../src/lib/generate/generator';
import type { BatchScorer, StepQuery } from '../../src/lib/generate/search';
import { Student } from '../../src/lib/models/student';
import { STUDENT_PRESETS, type StudentConfig } from '../../src/lib/models/studentConfig';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import type { TeacherModel } from '../../src/lib/models/teacher';
import { teacherRoadCells, teacherWindow } from '../../src/lib/models/teacher';
import { makeRng, shuffleInPlace } from '../../src/lib/random';
import { StudentTrainer, type NextCellTeacher } from '../../src/lib/train/studentTrainer';
import { stepCandidates, type BatchContext } from '../../src/lib/features/studentBatch';
import { summarize, type Summary } from './stats';
import { compare, ratioOf, throughput, type Timing, type TimingOptions } from './timing';
import { bestRates, decoderShapes, isCountingScorer, matmulRate, searchWork, workCounters, type SearchWork } from './computeBound';

/** A compact, JSON-friendly view of a timing (ms per call). */
export interface TimingReport {
  medianMs: number;
  q1Ms: number;
  q3Ms: number;
  n: number;
}

export function timingReport(t: Timing): TimingReport {
  return { medianMs: t.median, q1Ms: t.q1, q3Ms: t.q3, n: t.n };
}

export interface RatioReport {
  median: number;
  q1: number;
  q3: number;
  n: number;
}

export function ratioReport(s: Summary): RatioReport {
  return { median: s.median, q1: s.q1, q3: s.q3, n: s.n };
}

/** Seeded sample of trips with at least `minRoads` roads. */
export function sampleTrips(trips: Trajectory[], n: number, seed: number, minRoads = 2): Trajectory[] {
  const usable = trips.filter((t) => t.roads.length >= minRoads);
  return shuffleInPlace(usable.slice(), makeRng(seed)).slice(0, Math.min(n, usable.length));
}

// ---------------------------------------------------------------------------------------------
// Training throughput: vanilla vs distilled (cached and uncached teacher outputs)

export interface TrainingBenchOptions {
  dataset: Dataset;
  derived: Derived;
  teacher: NextCellTeacher;
  /** Trips per optimiser step (one micro-batch). */
  batch: number;
  studentConfig?: Partial<StudentConfig>;
  maxLen?: number;
  seed?: number;
  timing?: TimingOptions;
  /** Which variants to run (default all three). */
  variants?: Array<'vanilla' | 'distilled' | 'distilledNoCache'>;
}

export interface TrainingBenchResult {
  batch: number;
  meanStepsPerTrip: number;
  stepMs: Record<string, TimingReport>;
  tripsPerSec: Record<string, number>;
  /** Paired per-round ratios of step time. */
  distilledOverVanilla?: RatioReport;
  distilledNoCacheOverVanilla?: RatioReport;
  /** Teacher cache fill for the batch's trips (one teacher pass over every step), ms. */
  teacherPrecomputeMs?: number;
}

/**
 * Every variant trains on the same `batch` trips (a one-batch epoch, so every step sees the same
 * data) with the same seed and student size; the distilled trainer's teacher cache is filled
 * before timing, the uncached one runs the teacher every step.
 */
export async function trainingBench(o: TrainingBenchOptions): Promise<TrainingBenchResult> {
  const trips = sampleTrips(o.dataset.splits.train, o.batch, o.seed ?? 7);
  const variants = o.variants ?? ['vanilla', 'distilled', 'distilledNoCache'];
  const make = (mode: 'vanilla' | 'distilled', cacheTeacher: boolean): StudentTrainer =>
    new StudentTrainer({
      network: o.dataset.network,
      derived: o.derived,
      train: trips,
      teacher: o.teacher,
      options: { mode, batchSize: o.batch, microBatch: o.batch, maxLen: o.maxLen ?? 128, epochs: 1_000_000, cacheTeacher, seed: 42 },
      studentConfig: { ...STUDENT_PRESETS.small, ...o.studentConfig },
    });
  const trainers: Record<string, StudentTrainer> = {};
  for (const v of variants) trainers[v] = make(v === 'vanilla' ? 'vanilla' : 'distilled', v !== 'distilledNoCache');
  let teacherPrecomputeMs: number | undefined;
  try {
    if (trainers.distilled) {
      const t0 = performance.now();
      trainers.distilled.precomputeTeacher();
      teacherPrecomputeMs = performance.now() - t0;
    }
    const cmp = await compare(
      Object.fromEntries(variants.map((v) => [v, () => trainers[v].step()])) as Record<string, () => unknown>,
      o.timing,
    );
    const stepMs: Record<string, TimingReport> = {};
    const tripsPerSec: Record<string, number> = {};
    for (const v of variants) {
      stepMs[v] = timingReport(cmp.timings[v]);
      tripsPerSec[v] = throughput(cmp.timings[v], trips.length).median;
    }
    const res: TrainingBenchResult = {
      batch: trips.length,
      meanStepsPerTrip: trips.reduce((a, t) => a + t.roads.length - 1, 0) / trips.length,
      stepMs,
      tripsPerSec,
      teacherPrecomputeMs,
    };
    if (trainers.distilled && trainers.vanilla) res.distilledOverVanilla = ratioReport(ratioOf(cmp, 'distilled', 'vanilla'));
    if (trainers.distilledNoCache && trainers.vanilla)
      res.distilledNoCacheOverVanilla = ratioReport(ratioOf(cmp, 'distilledNoCache', 'vanilla'));
    return res;
  } finally {
    for (const t of Object.values(trainers)) t.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Per-step inference latency: teacher vs student

export interface LatencyBenchOptions {
  dataset: Dataset;
  derived: Derived;
  teacher: TeacherModel;
  /** The student (its road/zone encodings are computed once per scorer and cached). */
  student: Student;
  ctx: BatchContext;
  batches: number[];
  /** Roads per prefix (all prefixes of a step have one length, as in a beam-search step). */
  prefixLen?: number;
  window?: number;
  seed?: number;
  timing?: TimingOptions;
  /** Time the full re-encoding student only up to this batch size (default: all). */
  fullUpTo?: number;
}

export interface LatencyRow {
  batch: number;
  teacherMs: TimingReport;
  /** Student with incremental decoding (the parents' keys/values cached, as in a search step). */
  studentMs: TimingReport;
  /** Student re-encoding every prefix in full (no key/value cache). */
  studentFullMs?: TimingReport;
  /** Paired per-round teacher / student time (incremental student). */
  teacherOverStudent: RatioReport;
  teacherOverStudentFull?: RatioReport;
}

/** B prefixes of `len` roads cut from real trips (cycled when there are fewer trips than B). */
export function samplePrefixes(trips: Trajectory[], B: number, len: number, seed: number): StepQuery[] {
  const pool = sampleTrips(trips, trips.length, seed, len + 1);
  if (pool.length === 0) throw new Error(`no trip has more than ${len} roads`);
  const out: StepQuery[] = [];
  for (let i = 0; i < B; i++) {
    const t = pool[i % pool.length];
    out.push({ prefix: t.roads.slice(0, len), dest: t.roads[t.roads.length - 1] });
  }
  return out;
}

/**
 * One next-step prediction for B prefixes.
 * Teacher: next-cell distribution from the last w cells (TeacherModel.nextCellLogProbs), gathered
 * on the device at the prefix's candidate roads' cells and read back ([B, C], what distillation
 * and a teacher-driven search would use). Student: scorer.scoreBatch (candidate set, batch build,
 * trajectory encoder + navigator + time head on cached network encodings, read back). Both include
 * their host-side input preparation.
 */
export async function latencyBench(o: LatencyBenchOptions): Promise<LatencyRow[]> {
  const len = o.prefixLen ?? 16;
  const w = o.window ?? 7;
  const roadCell = teacherRoadCells(o.teacher.cfg, o.derived.grid);
  const rows: LatencyRow[] = [];
  for (const B of o.batches) {
    const queries = samplePrefixes(o.dataset.splits.test.concat(o.dataset.splits.train), B, len, (o.seed ?? 3) + B);
    const teacherStep = (): void => {
      const cands = queries.map((q) => stepCandidates(o.ctx, q.prefix[q.prefix.length - 1], q.dest).cands);
      const C = Math.max(1, ...cands.map((c) => c.length));
      const destCell = (q: StepQuery): number => (o.teacher.cfg.destination ? roadCell[q.dest] : -1);
      const windows = queries.map((q) =>
        teacherWindow(
          q.prefix.map((r) => roadCell[r]),
          w,
          o.teacher.cfg.collapse,
          destCell(q),
        ),
      );
      const flat = new Int32Array(B * C);
      cands.forEach((cs, b) => cs.forEach((c, j) => (flat[b * C + j] = b * o.teacher.cfg.vocabSize + roadCell[c])));
      const picked = tf.tidy(() => tf.gather(tf.reshape(o.teacher.nextCellLogProbs(windows), [-1]), tf.tensor1d(flat, 'int32')));
      picked.dataSync();
      picked.dispose();
    };
    const start = 1_400_000_000;
    const inc = new StudentScorer(o.student, o.ctx, o.derived, { startTime: start, maxBatch: 1024 });
    const full = new StudentScorer(o.student, o.ctx, o.derived, { startTime: start, maxBatch: 1024, incremental: false });
    try {
      // The parents are scored once, untimed: every timed call then extends cached parents by one
      // road, which is what each step of a search does.
      await inc.scoreBatch(queries.map((q) => ({ prefix: q.prefix.slice(0, -1), dest: q.dest })));
      const withFull = B <= (o.fullUpTo ?? Infinity);
      const variants: Record<string, () => unknown> = { teacher: teacherStep, student: () => inc.scoreBatch(queries) };
      if (withFull) variants.studentFull = () => full.scoreBatch(queries);
      const cmp = await compare(variants, o.timing);
      const row: LatencyRow = {
        batch: B,
        teacherMs: timingReport(cmp.timings.teacher),
        studentMs: timingReport(cmp.timings.student),
        teacherOverStudent: ratioReport(ratioOf(cmp, 'teacher', 'student')),
      };
      if (withFull) {
        row.studentFullMs = timingReport(cmp.timings.studentFull);
        row.teacherOverStudentFull = ratioReport(ratioOf(cmp, 'teacher', 'studentFull'));
      }
      rows.push(row);
    } finally {
      inc.dispose();
      full.dispose();
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Generation throughput

export interface GenerationBenchOptions {
  dataset: Dataset;
  derived: Derived;
  scorer: BatchScorer;
  /** OD pairs from the test split (first road, last road, start time of the same trip). */
  nOd: number;
  beam?: number;
  maxSteps?: number;
  seed?: number;
  timing?: TimingOptions;
  variants?: Array<'beamBatched' | 'beamOneByOne' | 'bestFirstBatched'>;
  /** Best-first expansions cap per OD (default 5000, HOSER). */
  maxExpansions?: number;
}

export interface GenerationBenchResult {
  nOd: number;
  beam: number;
  maxSteps: number;
  maxExpansions: number;
  ms: Record<string, TimingReport>;
  tripsPerSec: Record<string, number>;
  reachedRate: Record<string, number>;
  meanRoads: Record<string, number>;
  batchedSpeedup?: RatioReport;
  bestFirstTimeOverBeam?: RatioReport;
  /**
   * How close beamBatched runs to the machine's compute bound: its decoder work (dense + host
   * attention, computeBound.ts) / (its median wall time × the best tfjs matmul rate measured in
   * this run at the decoder's shapes). 1 would be every FLOP at matmul speed, nothing else.
   * Absent for scorers that do not count their work.
   */
  boundShare?: number;
  bound?: SearchWork & { matmulGflopPerSec: Record<string, number>; rateGflopPerSec: number; achievedGflopPerSec: number };
}

export function testOdPairs(ds: Dataset, n: number, seed: number): GenOD[] {
  return sampleTrips(ds.splits.test, n, seed).map((t) => ({
    origin: t.roads[0],
    dest: t.roads[t.roads.length - 1],
    startTime: t.times[0],
  }));
}

/** The generation workload's search settings (beam 4, at most 200 steps) on `derived`; the method is the caller's. */
export function generationSearch(derived: Derived, o: { beam?: number; maxSteps?: number; maxExpansions?: number } = {}): GenerateOptions {
  return {
    beam: o.beam ?? 4,
    maxSteps: o.maxSteps ?? 200,
    maxExpansions: o.maxExpansions,
    distanceToDest: centroidDistance(derived.features),
    timeMean: derived.timeMean,
    timeStd: derived.timeStd,
  };
}

export async function generationBench(o: GenerationBenchOptions): Promise<GenerationBenchResult> {
  const ods = testOdPairs(o.dataset, o.nOd, o.seed ?? 11);
  const beam = o.beam ?? 4;
  const maxSteps = o.maxSteps ?? 200;
  const base = generationSearch(o.derived, { beam, maxSteps, maxExpansions: o.maxExpansions });
  const variants = o.variants ?? ['beamBatched', 'beamOneByOne', 'bestFirstBatched'];
  const last: Record<string, { reached: number; roads: number }> = {};
  const counting = isCountingScorer(o.scorer) ? o.scorer : null;
  const measured: { work: SearchWork | null } = { work: null };
  const run = (name: string, method: 'beam' | 'bestFirst', batchSize: number) => async () => {
    const before = counting ? workCounters(counting) : null;
    const gen = await generateRoutes(o.scorer, ods, { ...base, method, batchSize });
    if (counting && before && name === 'beamBatched') measured.work = searchWork(counting, before);
    last[name] = {
      reached: gen.filter((g) => g.reached).length / gen.length,
      roads: gen.reduce((a, g) => a + g.roads.length, 0) / gen.length,
    };
  };
  const fns: Record<string, () => Promise<void>> = {};
  if (variants.includes('beamBatched')) fns.beamBatched = run('beamBatched', 'beam', 256);
  if (variants.includes('beamOneByOne')) fns.beamOneByOne = run('beamOneByOne', 'beam', 1);
  if (variants.includes('bestFirstBatched')) fns.bestFirstBatched = run('bestFirstBatched', 'bestFirst', 256);
  // Warm-up on a few OD pairs (kernels, JIT), so that the timed runs need no warm-up of their own.
  await generateRoutes(o.scorer, ods.slice(0, 2), { ...base, method: 'beam', batchSize: 256 });
  // The decoder's matmul rates before the timed runs and again after (the better of the two counts).
  const ratesBefore = counting ? await matmulRate(decoderShapes(counting.decoderWidths)) : {};
  const cmp = await compare(fns, { ...o.timing, warmup: 0 });
  const res: GenerationBenchResult = {
    nOd: ods.length,
    beam,
    maxSteps,
    maxExpansions: o.maxExpansions ?? 5000,
    ms: {},
    tripsPerSec: {},
    reachedRate: {},
    meanRoads: {},
  };
  for (const k of Object.keys(fns)) {
    res.ms[k] = timingReport(cmp.timings[k]);
    res.tripsPerSec[k] = throughput(cmp.timings[k], ods.length).median;
    res.reachedRate[k] = last[k]?.reached ?? NaN;
    res.meanRoads[k] = last[k]?.roads ?? NaN;
  }
  if (fns.beamBatched && fns.beamOneByOne) res.batchedSpeedup = ratioReport(ratioOf(cmp, 'beamOneByOne', 'beamBatched'));
  if (fns.beamBatched && fns.bestFirstBatched) res.bestFirstTimeOverBeam = ratioReport(ratioOf(cmp, 'bestFirstBatched', 'beamBatched'));
  const w = measured.work;
  if (counting && w) {
    const rates = bestRates(ratesBefore, await matmulRate(decoderShapes(counting.decoderWidths)));
    const rate = Math.max(...Object.values(rates));
    const achieved = (w.denseGflop + w.attentionGflop) / (res.ms.beamBatched.medianMs / 1000);
    res.boundShare = achieved / rate;
    res.bound = { ...w, matmulGflopPerSec: rates, rateGflopPerSec: rate, achievedGflopPerSec: achieved };
  }
  return res;
}

export { summarize };
