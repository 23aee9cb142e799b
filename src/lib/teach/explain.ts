// Runs the teacher and the students once over every step of one trip and keeps the raw numbers
// the teaching view needs (stepMath.ts turns them into losses for any τ, λ without a model call).
import type { Trajectory } from '../data/types';
import { teacherRoadCells, tripToCells, type TeacherModel } from '../models/teacher';
import type { Student } from '../models/student';
import { studentLogits } from '../models/studentSteps';
import { prepareTrip, tripTeacherWindows, type BatchContext } from '../features/studentBatch';
import { softenedStudent, softenedTeacher, klDivergence } from '../train/distillMath';
import { tripSurprisal } from './anomaly';
import type { CellProb, TeachStep, TripExplanation } from './stepView';

export interface TeachModels {
  teacher: TeacherModel;
  vanilla: Student | null;
  distilled: Student | null;
}

export interface ExplainOptions {
  /** Teacher context window w (thesis: 7). */
  window: number;
  /** How many of the teacher's top cells to keep per step. */
  topK?: number;
}

export async function explainTrip(
  ctx: BatchContext,
  models: TeachModels,
  trip: Trajectory,
  opts: ExplainOptions,
): Promise<TripExplanation> {
  const { teacher } = models;
  const grid = ctx.derived.grid;
  const roadCell = teacherRoadCells(teacher.cfg, grid);
  const collapse = teacher.cfg.collapse;
  const prepared = prepareTrip(ctx, trip, 0);
  const roads = Array.from(prepared.roads);
  const cells = roads.map((r) => roadCell[r]);
  const windows = tripTeacherWindows(prepared, roadCell, opts.window, collapse, teacher.cfg.destination);
  const topK = opts.topK ?? 24;
  const nCells = grid.nCells;
  const van = models.vanilla ? await studentLogits(models.vanilla, ctx, trip) : null;
  const dis = models.distilled ? await studentLogits(models.distilled, ctx, trip) : null;
  const steps: TeachStep[] = [];
  if (prepared.steps > 0) {
    const probs = teacher.nextCellProbs(windows);
    const V = probs.shape[1];
    let pv: Float32Array;
    try {
      pv = (await probs.data()) as Float32Array;
    } finally {
      probs.dispose();
    }
    for (let i = 0; i < prepared.steps; i++) {
      const row = pv.subarray(i * V, (i + 1) * V);
      const cands = Array.from(prepared.cands.subarray(prepared.candOffset[i], prepared.candOffset[i + 1]));
      const candCells = cands.map((c) => roadCell[c]);
      let candMass = 0;
      for (const c of new Set(candCells)) candMass += row[c];
      steps.push({
        k: i,
        current: roads[i],
        cands,
        candCells,
        label: prepared.label[i],
        window: windows[i],
        teacherRaw: candCells.map((c) => row[c]),
        candMass,
        topCells: topCellsOf(row, nCells, topK),
        vanilla: van ? van[i] : null,
        distilled: dis ? dis[i] : null,
      });
    }
  }
  const tokCells = tripToCells(roads, roadCell, collapse);
  const tokSurprisal = await tripSurprisal(teacher, tokCells);
  const surprisal = collapse ? perRoadFromCollapsed(cells, tokSurprisal) : tokSurprisal;
  const finite = tokSurprisal.filter(Number.isFinite);
  return {
    id: trip.id,
    roads,
    cells,
    steps,
    surprisal,
    score: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN,
    window: opts.window,
    grid: grid.spec,
  };
}

function topCellsOf(row: ArrayLike<number>, nCells: number, k: number): CellProb[] {
  // k is small: keep a sorted list of the best k seen so far.
  const best: CellProb[] = [];
  for (let c = 0; c < nCells; c++) {
    const p = row[c];
    if (best.length < k || p > best[best.length - 1].p) {
      let i = best.length;
      while (i > 0 && best[i - 1].p < p) i--;
      best.splice(i, 0, { cell: c, p });
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/** With collapsed tokens, a road repeating the previous cell gets the surprisal 0 (no new token). */
function perRoadFromCollapsed(cells: number[], tok: number[]): number[] {
  const out: number[] = [];
  let t = -1;
  cells.forEach((c, i) => {
    if (i === 0 || c !== cells[i - 1]) {
      t++;
      out.push(tok[t]);
    } else out.push(0);
  });
  out.push(tok[tok.length - 1]);
  return out;
}

/**
 * How telling a step is for a first look: several candidates, a true road among them, a full
 * teacher window, and a vanilla student that disagrees with the teacher (argmax differs, high KL).
 */
export function tellingness(s: TeachStep, window: number): number {
  const logits = s.vanilla ?? s.distilled;
  if (!logits || s.cands.length < 2 || s.label < 0 || s.window.length < Math.min(window, s.k + 1)) return -Infinity;
  const q = softenedTeacher(s.teacherRaw, 1);
  const p = softenedStudent(logits, 1);
  const argmax = (x: number[]) => x.reduce((b, v, i) => (v > x[b] ? i : b), 0);
  const disagree = argmax(q) !== argmax(p) ? 1 : 0;
  const distinctCells = new Set(s.candCells).size > 1 ? 1 : 0;
  const teacherRight = argmax(q) === s.label ? 0.5 : 0;
  return klDivergence(q, p) + disagree + distinctCells + teacherRight + 0.25 * Math.min(s.cands.length, 4);
}

/** The most telling step of an explained trip (deterministic: ties keep the earliest). */
export function bestStep(exp: TripExplanation): { k: number; score: number } {
  let k = 0;
  let score = -Infinity;
  for (const s of exp.steps) {
    const v = tellingness(s, exp.window);
    if (v > score) {
      score = v;
      k = s.k;
    }
  }
  return { k, score };
}
