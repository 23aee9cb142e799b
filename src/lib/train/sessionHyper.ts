// A student training session's settings (SessionHyper), their defaults (DEFAULT_HYPER: the
// thesis's recipe) and their clamping (normaliseHyper): plain data, tfjs-free, so the Train view
// shows and clamps the same settings that session.ts, the training worker and the CLI run.
import { STUDENT_PRESETS } from '../models/studentConfig';
import type { TrainMode } from './studentTrainer';
import { DEFAULT_BATCH, DEFAULT_MICRO_BATCH, THESIS_RECIPE } from './recipe';
import { normaliseRun, posInt, type RunHyper } from './runHyper';
import { TEACHER_TARGETS, type TeacherTarget } from './teacherTargets';
import { checkRouteFeatureSpec, ROUTE_SPEEDS, type MarkovRouteSpec, type RouteSpeeds } from '../data/remainingTimes';

export type StudentSize = keyof typeof STUDENT_PRESETS;

export interface SessionHyper extends RunHyper {
  mode: TrainMode;
  /** Distillation weight, temperature and teacher window (eq. 9, 4, Alg. 1); w = Infinity: whole prefix. */
  lambda: number;
  tau: number;
  window: number;
  /** Weight of the time loss. */
  alpha: number;
  lr: number;
  /** Trips per optimiser step and per micro-batch (gradient accumulation below `batch`). */
  batch: number;
  microBatch: number;
  epochs: number;
  seed: number;
  /** Thesis-code variants. */
  lastStepOnly: boolean;
  noTauSquared: boolean;
  freezeEncoders: boolean;
  /** KL rows dropped (studentLoss.ts KlMaskOptions): the last steps, indistinct candidates, a random share. */
  klMaskLastSteps: number;
  klMaskIndistinct: boolean;
  klMaskRandom: number;
  /** Student size preset. */
  size: StudentSize;
  /** The id-free student (StudentConfig.idFree): runs on another road network as it is (zero-shot transfer). */
  idFree: boolean;
  /**
   * Route-aware candidate features on free-flow speeds (StudentConfig.routeFeatures, issue 49 lever
   * 3a): each candidate's remaining travel time to the destination, relative to the step's best.
   */
  routeFeatures: boolean;
  /**
   * With routeFeatures: the Markov + length chain whose cost to go and transition count each
   * candidate also carries (RouteFeatureSpec.markov; issue 65 lever a), its α and μ the city's
   * val-chosen baseline's. null: the time inputs alone.
   */
  routeMarkov: MarkovRouteSpec | null;
  /** With routeFeatures: the per-road speeds the time left is computed on (RouteFeatureSpec.speeds; 'fitted': issue 65 lever b). */
  routeSpeeds: RouteSpeeds;
  /** With routeFeatures: each candidate's zone-level cost to go as one more input (RouteFeatureSpec.zonePlan; issue 65 lever c). */
  routeZonePlan: boolean;
  /**
   * Longest prefix per trip: longer trips are cropped to their first maxLen + 1 roads (a sub-path
   * of a real trip). The relative attention costs O(T²) per trip, so this bounds step time.
   */
  maxLen: number;
  /** Early stopping after this many epochs without a lower val decision NLL (0: run all epochs). */
  patience: number;
  /** Share of the train trips used: a seeded prefix of one shuffle, so smaller shares nest. */
  trainFrac: number;
  /** What the KL pulls towards: the teacher, or a control (teacherProbs.ts). */
  teacherTarget: TeacherTarget;
  /** Train on the dataset's untimed route corpus too (routeTrips.ts): the data control. */
  routes: boolean;
}

export const DEFAULT_HYPER: SessionHyper = {
  mode: 'distilled',
  ...THESIS_RECIPE,
  alpha: 1,
  lr: 1e-3,
  batch: DEFAULT_BATCH,
  microBatch: DEFAULT_MICRO_BATCH,
  epochs: 8,
  seed: 42,
  lastStepOnly: false,
  noTauSquared: false,
  freezeEncoders: false,
  klMaskLastSteps: 0,
  klMaskIndistinct: false,
  klMaskRandom: 0,
  size: 'small',
  idFree: false,
  routeFeatures: false,
  routeMarkov: null,
  routeSpeeds: 'free-flow',
  routeZonePlan: false,
  maxLen: 128,
  patience: 0,
  trainFrac: 1,
  teacherTarget: 'teacher',
  routes: false,
};

/**
 * What a fine-tune (a run started from a student checkpoint's weights) takes from that checkpoint,
 * whatever its own settings say: the model's architecture (size, the route features, id-free
 * tables), which the weights must fit, and the route corpus the weights learnt beside the trips.
 */
export const FINE_TUNE_FIXED = ['size', 'routeFeatures', 'routeMarkov', 'routeSpeeds', 'routeZonePlan', 'idFree', 'routes'] as const;
export type FineTuneFixed = Partial<Pick<SessionHyper, (typeof FINE_TUNE_FIXED)[number]>>;

/** The FINE_TUNE_FIXED settings a checkpoint's recorded `hyper` gives (a size only where it records one). */
export function fineTuneFixed(saved: Partial<SessionHyper>): FineTuneFixed {
  return {
    ...(saved.size !== undefined ? { size: saved.size } : {}),
    routeFeatures: saved.routeFeatures === true,
    routeMarkov: markovOrNull(saved.routeMarkov),
    routeSpeeds: speedsOrFreeFlow(saved.routeSpeeds),
    routeZonePlan: saved.routeZonePlan === true,
    idFree: saved.idFree === true,
    routes: saved.routes === true,
  };
}

/** A recorded Markov route spec when it is one (checkRouteFeatureSpec's rule), else null. */
function markovOrNull(v: unknown): MarkovRouteSpec | null {
  try {
    return checkRouteFeatureSpec({ speeds: 'free-flow', markov: v ?? undefined }).markov ?? null;
  } catch {
    return null;
  }
}

/** Recorded speeds when this build knows them, else free-flow (what runs before the setting trained on). */
function speedsOrFreeFlow(v: unknown): RouteSpeeds {
  return (ROUTE_SPEEDS as readonly unknown[]).includes(v) ? (v as RouteSpeeds) : 'free-flow';
}

/** Fills defaults and clamps values the trainer would reject. */
export function normaliseHyper(h: Partial<SessionHyper>): SessionHyper {
  const o = normaliseRun(DEFAULT_HYPER, h);
  o.microBatch = Math.min(posInt(o.microBatch, o.batch), o.batch);
  // Infinity is the whole prefix (checkpoint JSON writes it as "all").
  const w = o.window as number | string;
  o.window = w === 'all' || w === Infinity ? Infinity : posInt(o.window, DEFAULT_HYPER.window);
  o.maxLen = posInt(o.maxLen, DEFAULT_HYPER.maxLen);
  if (!(o.trainFrac > 0 && o.trainFrac <= 1)) o.trainFrac = 1;
  if (!(o.tau > 0)) o.tau = DEFAULT_HYPER.tau;
  if (!(o.lambda >= 0)) o.lambda = 0;
  if (!(o.size in STUDENT_PRESETS)) o.size = DEFAULT_HYPER.size;
  o.klMaskLastSteps = Number.isFinite(o.klMaskLastSteps) && o.klMaskLastSteps > 0 ? Math.floor(o.klMaskLastSteps) : 0;
  o.klMaskIndistinct = o.klMaskIndistinct === true;
  o.idFree = o.idFree === true;
  o.routeFeatures = o.routeFeatures === true;
  o.routeMarkov = o.routeFeatures ? markovOrNull(o.routeMarkov) : null;
  o.routeSpeeds = o.routeFeatures ? speedsOrFreeFlow(o.routeSpeeds) : 'free-flow';
  o.routeZonePlan = o.routeFeatures && o.routeZonePlan === true;
  if (!(o.klMaskRandom > 0 && o.klMaskRandom < 1)) o.klMaskRandom = 0;
  if (!TEACHER_TARGETS.includes(o.teacherTarget)) o.teacherTarget = 'teacher';
  o.routes = o.routes === true;
  return o;
}

/**
 * A student run's settings as its checkpoint or log records them (`hyper`), with the defaults for
 * what it leaves out: the one place a reader finds e.g. a run's maxLen. A recorded value always wins;
 * a missing one reads as DEFAULT_HYPER's, which is what the session and `train student` ran with
 * when it was not given (every Porto and SF run records its maxLen; the studies' is 512).
 */
export function runHyper(hyper: Record<string, unknown> | undefined): SessionHyper {
  return normaliseHyper((hyper ?? {}) as Partial<SessionHyper>);
}
