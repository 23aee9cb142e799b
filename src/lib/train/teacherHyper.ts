// A teacher (LM-TAD) training session's settings (TeacherHyper), their defaults
// (DEFAULT_TEACHER_HYPER: the shipped Porto teacher's) and their clamping (normaliseTeacherHyper):
// plain data, tfjs-free, so the Train view shows and clamps the same settings that
// teacherSession.ts, the training worker and the CLI run.
import { normaliseRun, posInt, type RunHyper } from './runHyper';

export interface TeacherHyper extends RunHyper {
  /** Architecture (LM-TAD defaults scaled for the browser: 2 × 4 × 64). */
  layers: number;
  heads: number;
  embd: number;
  /** Longest token sequence (SOT … EOT); longer trips are cropped. */
  block: number;
  dropout: number;
  /** ψ: a road's centroid cell (LM-TAD) or its far end's. */
  anchor: 'centroid' | 'end';
}

/** The settings of the shipped Porto teacher (public/checkpoints/porto/teacher.log.json). */
export const DEFAULT_TEACHER_HYPER: TeacherHyper = {
  epochs: 3,
  batch: 8,
  lr: 2e-3,
  seed: 1,
  layers: 2,
  heads: 4,
  embd: 64,
  block: 256,
  dropout: 0.1,
  anchor: 'centroid',
  patience: 0,
};

/** Fills defaults and clamps values the trainer would reject; unknown keys are dropped. */
export function normaliseTeacherHyper(h: Partial<TeacherHyper>): TeacherHyper {
  const o = normaliseRun(DEFAULT_TEACHER_HYPER, h);
  o.layers = posInt(o.layers, DEFAULT_TEACHER_HYPER.layers);
  o.heads = posInt(o.heads, DEFAULT_TEACHER_HYPER.heads);
  o.embd = posInt(o.embd, DEFAULT_TEACHER_HYPER.embd);
  o.block = Math.max(4, posInt(o.block, DEFAULT_TEACHER_HYPER.block));
  // Heads split the embedding: round it up to a multiple of the head count.
  if (o.embd % o.heads !== 0) o.embd = Math.ceil(o.embd / o.heads) * o.heads;
  if (!(o.dropout >= 0 && o.dropout < 1)) o.dropout = DEFAULT_TEACHER_HYPER.dropout;
  if (o.anchor !== 'end') o.anchor = 'centroid';
  return o;
}

/** A teacher's architecture by name: the one place a size is written out (studies name them). */
export const TEACHER_SIZES = {
  /** The browser's default (DEFAULT_TEACHER_HYPER). */
  browser: { layers: DEFAULT_TEACHER_HYPER.layers, heads: DEFAULT_TEACHER_HYPER.heads, embd: DEFAULT_TEACHER_HYPER.embd },
  /** The studies' teachers (Porto's rde2, dr and moves teachers, SF's teacher). */
  study: { layers: 2, heads: 4, embd: 96 },
} as const satisfies Record<string, Pick<TeacherHyper, 'layers' | 'heads' | 'embd'>>;

/** A teacher's training budget by name. */
export const TEACHER_BUDGETS = {
  /** The studies' teachers: to their plateau (patience 2) under a 40-epoch cap, 32 trips a step. */
  study: { epochs: 40, patience: 2, batch: 32 },
} as const satisfies Record<string, Pick<TeacherHyper, 'epochs' | 'patience' | 'batch'>>;

export type TeacherSize = keyof typeof TEACHER_SIZES;
export type TeacherBudget = keyof typeof TEACHER_BUDGETS;
