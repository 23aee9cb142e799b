// The student's loss (thesis Alg. 1, eq. 9) on one micro-batch:
//   L = CE(navigator logits, next road)            mean over steps whose next road is a candidate
//     + α · mean |pred − true| / max(true, 1)       time head at the true candidate, de-normalised
//                                                   log1p-seconds (HOSER), mean over timed steps
//     + λ · L_KL(τ)                                  distilled mode only (distill.ts)
// Each part is a sum divided by the whole batch's counts (known on the CPU before any tensor work),
// so accumulating micro-batches gives exactly the gradient of the full-batch loss.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../data/derivedTypes';
import type { EncodedNetwork, Student } from '../models/student';
import { distillationLoss } from './distill';
import { makeRng } from '../random';
import type { StudentBatch } from '../features/studentBatch';

/** Counts over the whole batch that every micro-batch's sums are divided by. */
export interface Counts {
  ce: number;
  time: number;
  kl: number;
}

/**
 * Rows whose KL term is dropped (the distillation issue's arm b and its control). Each keeps the
 * row's cross-entropy; only the teacher's pull goes.
 */
export interface KlMaskOptions {
  /** Drop the KL on each trip's last this-many decision steps (0: none). */
  klMaskLastSteps: number;
  /**
   * Drop it where the teacher cannot tell the candidates apart: all their teacher probabilities are
   * equal (one shared cell, or all at the floor), so q^τ is uniform and would pull the student there.
   */
  klMaskIndistinct: boolean;
  /** Drop it on this share of rows at random (the control), fixed per (seed, trip, step). */
  klMaskRandom: number;
  seed: number;
}

export const NO_KL_MASK: KlMaskOptions = { klMaskLastSteps: 0, klMaskIndistinct: false, klMaskRandom: 0, seed: 0 };

/** The trainer options the loss reads. */
export interface LossOptions {
  alpha: number;
  lambda: number;
  tau: number;
  lastStepOnly: boolean;
  noTauSquared: boolean;
}

/** A fixed uniform draw in [0, 1) per (seed, trip, step): the same rows are masked every epoch. */
function rowDraw(seed: number, trip: number, step: number): number {
  return makeRng((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(trip + 1, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)) >>> 0)();
}

/**
 * Per row, 1 where the KL term applies: steps with candidates (only each trip's last step when
 * lastStepOnly), less the rows `mask` drops. `teacherProbs` is [N*C] as the loss takes it.
 */
export function klRowWeights(
  batch: StudentBatch,
  teacherProbs: Float32Array,
  o: Pick<LossOptions, 'lastStepOnly'> & KlMaskOptions,
): Float32Array {
  const { N, C } = batch;
  // Steps left to the end of each row's trip: 1 at its last decision step.
  const lastIndex = new Int32Array(batch.B).fill(-1);
  for (let n = 0; n < N; n++) lastIndex[batch.stepTrip[n]] = Math.max(lastIndex[batch.stepTrip[n]], batch.stepIndex[n]);
  const w = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    if (!(batch.candMask[n * C] > 0)) continue;
    if (o.lastStepOnly && batch.lastStep[n] === 0) continue;
    const b = batch.stepTrip[n];
    const i = batch.stepIndex[n];
    if (lastIndex[b] - i + 1 <= o.klMaskLastSteps) continue;
    if (o.klMaskIndistinct) {
      let distinct = false;
      const q0 = teacherProbs[n * C];
      for (let c = 1; c < C && batch.candMask[n * C + c] > 0; c++) if (teacherProbs[n * C + c] !== q0) distinct = true;
      if (!distinct) continue;
    }
    if (o.klMaskRandom > 0 && rowDraw(o.seed, batch.tripIndex[b], i) < o.klMaskRandom) continue;
    w[n] = 1;
  }
  return w;
}

/** Σ of a row-weight vector: the KL rows a batch contributes to the full batch's count. */
export function klRowCount(weights: Float32Array): number {
  let rows = 0;
  for (const v of weights) rows += v;
  return rows;
}

/**
 * Loss parts of one micro-batch as sums divided by the full batch's `totals`. Returns the total
 * and the (kept) parts: ce, time, kl as full-batch contributions, and the count of correct steps.
 */
export function lossParts(
  student: Student,
  derived: Derived,
  o: LossOptions,
  batch: StudentBatch,
  enc: EncodedNetwork,
  teacher: { probs: Float32Array; rowWeights: Float32Array } | null,
  totals: Counts,
): { total: tf.Scalar; ce: tf.Scalar; time: tf.Scalar; kl: tf.Scalar; correct: tf.Scalar } {
  const { N, C } = batch;
  const { logits, timePred } = student.forward(batch, enc);
  const labels = tf.tensor1d(batch.label, 'int32');
  const labelMask = tf.tensor1d(batch.labelMask);
  const oneHot = tf.oneHot(labels, C).toFloat();
  const logp = tf.logSoftmax(logits);
  const nll = tf.neg(tf.sum(tf.mul(logp, oneHot), 1));
  const ce = tf.div(tf.sum(tf.mul(nll, labelMask)), Math.max(1, totals.ce)) as tf.Scalar;

  const { timeMean, timeStd } = derived;
  const predT = tf.add(tf.mul(tf.sum(tf.mul(timePred, oneHot), 1), timeStd), timeMean);
  const trueT = tf.add(tf.mul(tf.tensor1d(batch.timeLabel), timeStd), timeMean);
  const ape = tf.div(tf.abs(tf.sub(predT, trueT)), tf.maximum(trueT, 1));
  const time = tf.div(tf.sum(tf.mul(ape, tf.tensor1d(batch.timeMask))), Math.max(1, totals.time)) as tf.Scalar;

  let kl: tf.Scalar = tf.scalar(0);
  if (teacher && totals.kl > 0) {
    const rows = klRowCount(teacher.rowWeights);
    if (rows > 0) {
      // The row weights already hold lastStepOnly and the mask.
      const mean = distillationLoss({
        teacherProbs: tf.tensor2d(teacher.probs, [N, C]),
        studentLogits: logits,
        candidateMask: tf.tensor2d(batch.candMask, [N, C]),
        tau: o.tau,
        rowWeight: tf.tensor1d(teacher.rowWeights),
        scaleTauSquared: !o.noTauSquared,
      });
      kl = tf.mul(mean, rows / totals.kl) as tf.Scalar;
    }
  }
  let total = tf.add(ce, tf.mul(time, o.alpha));
  if (teacher) total = tf.add(total, tf.mul(kl, o.lambda));
  const hit = tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32');
  const correct = tf.sum(tf.mul(hit, labelMask)) as tf.Scalar;
  return { total: total as tf.Scalar, ce, time, kl, correct };
}
