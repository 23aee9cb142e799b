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
import type { StudentBatch } from '../features/studentBatch';

/** Counts over the whole batch that every micro-batch's sums are divided by. */
export interface Counts {
  ce: number;
  time: number;
  kl: number;
}

/** The trainer options the loss reads. */
export interface LossOptions {
  alpha: number;
  lambda: number;
  tau: number;
  lastStepOnly: boolean;
  noTauSquared: boolean;
}

/** Rows that carry a KL term: steps with candidates (only each trip's last step when lastStepOnly). */
export function klRowCount(batch: StudentBatch, lastStepOnly: boolean): number {
  let rows = 0;
  for (let n = 0; n < batch.N; n++) {
    if (lastStepOnly && batch.lastStep[n] === 0) continue;
    if (batch.candMask[n * batch.C] > 0) rows++;
  }
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
  teacherProbs: Float32Array | null,
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
  if (teacherProbs && totals.kl > 0) {
    const rows = klRowCount(batch, o.lastStepOnly);
    if (rows > 0) {
      const mean = distillationLoss({
        teacherProbs: tf.tensor2d(teacherProbs, [N, C]),
        studentLogits: logits,
        candidateMask: tf.tensor2d(batch.candMask, [N, C]),
        tau: o.tau,
        lastStepOnly: o.lastStepOnly,
        rowIsLast: tf.tensor1d(batch.lastStep),
        scaleTauSquared: !o.noTauSquared,
      });
      kl = tf.mul(mean, rows / totals.kl) as tf.Scalar;
    }
  }
  let total = tf.add(ce, tf.mul(time, o.alpha));
  if (teacherProbs) total = tf.add(total, tf.mul(kl, o.lambda));
  const hit = tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32');
  const correct = tf.sum(tf.mul(hit, labelMask)) as tf.Scalar;
  return { total: total as tf.Scalar, ce, time, kl, correct };
}
