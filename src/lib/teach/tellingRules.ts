// The rules of the tour's telling examples, tfjs-free so the page can use them (the Teach view
// asks whether the teacher is right at the step on screen): what the committed file holds
// (public/checkpoints/<city>/telling.json), when it fits the checkpoints loaded, which steps the
// tour prefers. The search itself (it runs the models) is telling.ts.
import { softenedStudent, softenedTeacher } from '../train/distillMath';
import type { TeachStep, TripExplanation } from './stepView';

/** Trips scanned (the first val trips of 12–80 roads), and examples kept. */
export const TELLING_SCAN = 20;
export const TELLING_KEPT = 6;

export interface TellingExample {
  trip: string;
  step: number;
  /** The next most telling steps of other trips, most telling first ("Telling example" goes through them). */
  others: Array<{ trip: string; step: number }>;
}

/** One trip's chosen step, with what the tour says about it. */
export interface TellingPick {
  trip: string;
  step: number;
  /** How telling the step is (explain.ts tellingness); null when no step of the trip qualifies. */
  score: number | null;
  /** The teacher's favourite candidate is the road the driver took. */
  teacherRight: boolean;
  /** p(true road) of each student (null where a student is missing). */
  pTrueVanilla: number | null;
  pTrueDistilled: number | null;
}

export const argmax = (x: readonly number[]): number => x.reduce((b, v, i) => (v > x[b] ? i : b), 0);

/** Whether the teacher's favourite among the candidates is the true road (a step with a choice). */
export function teacherRightAt(s: TeachStep): boolean {
  return s.cands.length >= 2 && s.label >= 0 && argmax(softenedTeacher(s.teacherRaw, 1)) === s.label;
}

/** p(true road) under a student's logits at τ = 1; null without that student or a true road among the candidates. */
export function pTrue(logits: number[] | null, label: number): number | null {
  return logits && label >= 0 ? softenedStudent(logits, 1)[label] : null;
}

/** The step nearest to `k` (earlier first on ties) where the teacher is right; null if none. */
export function teacherRightStepNear(exp: TripExplanation, k: number): number | null {
  let best: number | null = null;
  for (const s of exp.steps) {
    if (!teacherRightAt(s)) continue;
    if (best === null || Math.abs(s.k - k) < Math.abs(best - k)) best = s.k;
  }
  return best;
}

/** Steps that fit the tour first, then the most telling; stable (equal ones keep the trips' order). */
export function rankPicks<P extends { fits: boolean; score: number }>(picks: P[]): P[] {
  return picks
    .map((p, i) => ({ p, i }))
    .sort((a, b) => Number(b.p.fits) - Number(a.p.fits) || b.p.score - a.p.score || a.i - b.i)
    .map(({ p }) => p);
}

/** The trips the search scans: the first of 12–80 roads, else the first trip. */
export function tellingPool<T extends { roads: number }>(trips: readonly T[]): T[] {
  const pool = trips.filter((t) => t.roads >= 12 && t.roads <= 80).slice(0, TELLING_SCAN);
  return pool.length ? pool : trips.slice(0, 1);
}

/** The committed file (public/checkpoints/<city>/telling.json). */
export interface TellingFile {
  schema: 'trajdistill-telling/1';
  /** The command that wrote it (re-run it when the checkpoints change). */
  command: string;
  dataset: { name: string; fingerprint: string };
  /** sha256 of each checkpoint file the search ran on (the worker and the test compare them). */
  checkpoints: Record<'teacher' | 'vanilla' | 'distilled', { path: string; sha256: string } | null>;
  window: number;
  telling: TellingExample;
  picks: TellingPick[];
}

/** Whether `file` was made from exactly these checkpoints and this network; the reason when not. */
export function tellingFileMismatch(
  file: TellingFile,
  fingerprint: string,
  sha256: Record<'teacher' | 'vanilla' | 'distilled', string | null>,
): string | null {
  if (file.schema !== 'trajdistill-telling/1') return `unknown schema ${String(file.schema)}`;
  if (file.dataset.fingerprint !== fingerprint) return `made for network ${file.dataset.fingerprint}, not ${fingerprint}`;
  for (const k of ['teacher', 'vanilla', 'distilled'] as const) {
    const want = file.checkpoints[k]?.sha256 ?? null;
    if (want !== sha256[k]) return `made from another ${k} checkpoint (re-run: ${file.command})`;
  }
  return null;
}
