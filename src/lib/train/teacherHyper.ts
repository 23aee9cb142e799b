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
