// What the Teach view shows of an explained trip (explain.ts computes it in the teach worker): the
// raw numbers of each prediction step and the view of step k. Plain data, tfjs-free, so the page
// picks a step without loading the models' code.
import type { GridSpec } from '../data/derivedTypes';

export interface CellProb {
  cell: number;
  p: number;
}

/** Step k predicts roads[k + 1] from the prefix roads[0..k]. */
export interface TeachStep {
  k: number;
  /** The last prefix road (where the car is). */
  current: number;
  cands: number[];
  /** ψ(c) of each candidate. */
  candCells: number[];
  /** Index of the true next road among cands, −1 when it is not one of them. */
  label: number;
  /** The teacher's input: the last w cells of the prefix. */
  window: number[];
  /** q̃: the teacher's raw next-cell probability at each candidate's cell. */
  teacherRaw: number[];
  /** Teacher mass on the distinct candidate cells (what renormalisation scales up to 1). */
  candMass: number;
  /** The teacher's most likely next cells over the whole grid, best first. */
  topCells: CellProb[];
  /** Navigator logits of each student (null when that model is absent). */
  vanilla: number[] | null;
  distilled: number[] | null;
}

export interface TripExplanation {
  id: string;
  roads: number[];
  /** ψ of each road (uncollapsed). */
  cells: number[];
  steps: TeachStep[];
  /** Teacher surprisal −ln p of each road's cell given the cells before it, then of EOT. */
  surprisal: number[];
  /** LM-TAD anomaly score: mean of `surprisal`. */
  score: number;
  window: number;
  grid: GridSpec;
}

/** Everything the view shows for step k of an explained trip. */
export interface StepView extends TeachStep {
  prefix: number[];
  destination: number;
  trueNext: number;
}

export function stepExplanation(exp: TripExplanation, k: number): StepView {
  const s = exp.steps[Math.max(0, Math.min(exp.steps.length - 1, k))];
  if (!s) throw new Error(`trip ${exp.id} has no prediction steps`);
  return { ...s, prefix: exp.roads.slice(0, s.k + 1), destination: exp.roads[exp.roads.length - 1], trueNext: exp.roads[s.k + 1] };
}
