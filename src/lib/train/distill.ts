// Distillation loss of the thesis (thesis §3.2–3.3, eq. 3–5 and 7), with the plain-number versions
// for the teaching view in distillMath.ts.
//
//   q̃(c)  = q(ψ(c) | window)                        raw teacher prob at the candidate's cell (eq. 3)
//   q^τ(c) ∝ exp(log q̃(c) / τ)  over valid c         renormalised + softened teacher (eq. 4)
//   p^τ(c) = softmax(logits / τ) over valid c         softened student (eq. 7)
//   L_KL   = τ² · Σ_c q^τ(c) [log q^τ(c) − log p^τ(c)]                            (eq. 5)
// averaged over the rows (prediction steps) that have at least one valid candidate.
// ∂L_KL/∂logit_c = τ · (p^τ(c) − q^τ(c)) / N for valid c, 0 for padding.
//
// Zero teacher mass: q̃ is clamped at TEACHER_FLOOR before the log, so a candidate whose cell has
// (numerically) zero teacher probability gets exp(log(floor)/τ) relative weight, and a row where
// every valid candidate has zero mass becomes uniform over its valid candidates (the teacher has
// no preference there). The renormalisation makes the loss invariant to scaling a row of
// teacherProbs by any constant, as long as the values stay above the floor.
import * as tf from '@tensorflow/tfjs';
import { TEACHER_FLOOR } from './distillMath';

/** Used instead of −Inf for padding logits: −Inf would give NaN gradients (0·∞). */
const MASKED = -1e9;

export interface DistillationInput {
  /** [N, C] raw teacher probabilities at each candidate's cell, not renormalised. */
  teacherProbs: tf.Tensor2D;
  /** [N, C] student navigator logits. */
  studentLogits: tf.Tensor2D;
  /** [N, C] 1 for a valid candidate, 0 for padding. */
  candidateMask: tf.Tensor2D;
  /** Temperature τ > 0. */
  tau: number;
  /**
   * Optional [N] row weights (e.g. 0/1 to select rows). The result is Σ wᵣ·KLᵣ / Σ wᵣ over rows
   * with a valid candidate.
   */
  rowWeight?: tf.Tensor1D;
  /** Thesis-code variant: KL only at the last valid step of each trajectory (needs rowIsLast). */
  lastStepOnly?: boolean;
  /** [N] 1 where the row is the last prediction step of its trajectory. */
  rowIsLast?: tf.Tensor1D;
  /** Multiply by τ² (thesis text, default true); false reproduces the thesis code. */
  scaleTauSquared?: boolean;
}

/** Mean over rows of τ²·KL(q^τ ‖ p^τ). Differentiable with respect to studentLogits only. */
export function distillationLoss(input: DistillationInput): tf.Scalar {
  const { teacherProbs, studentLogits, candidateMask, tau } = input;
  if (!(tau > 0)) throw new Error(`distillationLoss: tau must be > 0, got ${tau}`);
  if (input.lastStepOnly && !input.rowIsLast) throw new Error('distillationLoss: lastStepOnly needs rowIsLast');
  const scale = input.scaleTauSquared === false ? 1 : tau * tau;
  return tf.tidy(() => {
    const valid = tf.greater(candidateMask, 0);
    const maskF = tf.cast(valid, 'float32');
    // Teacher side carries no gradient (frozen teacher), even if teacherProbs was computed from
    // trainable variables inside the caller's gradient function.
    const logQ = tf.tidy(() => {
      const logq = tf.div(tf.log(tf.maximum(stopGradient(teacherProbs), TEACHER_FLOOR)), tau);
      return tf.logSoftmax(tf.where(valid, logq, tf.fill(logq.shape, MASKED)));
    });
    const q = tf.mul(tf.exp(logQ), maskF);
    const z = tf.div(studentLogits, tau);
    const logP = tf.logSoftmax(tf.where(valid, z, tf.fill(z.shape, MASKED)));
    // q is exactly 0 on padding, so padding contributes neither value nor gradient.
    const klRow = tf.sum(tf.mul(q, tf.sub(logQ, logP)), 1);
    let w = tf.cast(tf.greater(tf.sum(maskF, 1), 0), 'float32');
    if (input.rowWeight) w = tf.mul(w, input.rowWeight);
    if (input.lastStepOnly && input.rowIsLast) w = tf.mul(w, input.rowIsLast);
    const total = tf.sum(tf.mul(klRow, w));
    // Σw = 0 (nothing to distil) gives 0, not NaN.
    return tf.mul(tf.div(total, tf.maximum(tf.sum(w), 1e-12)), scale) as tf.Scalar;
  });
}

/** Identity whose gradient is zero (tfjs has no stop_gradient op). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad<T>((...inputs) => ({
    value: (inputs[0] as T).clone(),
    gradFunc: (dy: T) => tf.zerosLike(dy),
  }));
  return f(x);
}

/**
 * Gathers a per-row distribution over the teacher vocabulary ([N, V], probabilities or any
 * function of them, e.g. log-probs) at each candidate's cell id ([N, C] int32) → [N, C].
 * Entries where `candidateMask` is 0 (or the cell id is negative) are set to `fill` (default 0).
 */
export function teacherCandidateProbs(dist: tf.Tensor2D, candidateCells: tf.Tensor2D, candidateMask?: tf.Tensor2D, fill = 0): tf.Tensor2D {
  return tf.tidy(() => {
    const ids = tf.cast(candidateCells, 'int32');
    const inRange = tf.greaterEqual(ids, 0);
    const safe = tf.where(inRange, ids, tf.zerosLike(ids));
    // Flat gather at r·V + cell: wasm's GatherV2 with batchDims > 0 fails on large batches.
    const [n, v] = dist.shape;
    const rowBase = tf.reshape(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')), [n, 1]);
    const gathered = tf.reshape(tf.gather(tf.reshape(dist, [-1]), tf.add(safe, rowBase)), safe.shape) as tf.Tensor2D;
    const keep = candidateMask ? tf.logicalAnd(inRange, tf.greater(candidateMask, 0)) : inRange;
    return tf.where(keep, gathered, tf.fill(gathered.shape, fill)) as tf.Tensor2D;
  });
}
