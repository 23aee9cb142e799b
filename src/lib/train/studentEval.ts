// Validation of a student (next-road accuracy, chance level, CE and decision-step NLL) as a
// DeviceTask, so the trainer runs it with synchronous or asynchronous reads (deviceTask.ts).
import * as tf from '@tensorflow/tfjs';
import type { Student } from '../models/student';
import { readValues, type DeviceTask } from './deviceTask';
import { buildBatch, type BatchContext, type PreparedTrip } from '../features/studentBatch';

export interface EvalResult {
  valAcc: number;
  valChanceAcc: number;
  valCe: number;
  /** Validation steps counted (named apart from EpochRecord.steps, the optimiser steps). */
  valSteps: number;
  /**
   * The same accuracy and chance level restricted to decision steps (≥ 2 candidates). Most steps
   * on an OSM network have a single way on, which inflates both numbers above; these do not.
   */
  valAccDecision: number;
  valChanceAccDecision: number;
  /** Mean NLL over decision steps: what selects the best epoch (lower is better). */
  valNllDecision: number;
  decisionSteps: number;
}

/**
 * Scores every step of `prepared` (whole trips, best sorted by length so batches pad little) in
 * batches of `batchTrips` trips. Next-road accuracy over the steps whose next road is a candidate,
 * the chance level (mean 1/|candidates|), the mean CE, and the same on decision steps.
 */
export function* evaluateTask(student: Student, ctx: BatchContext, prepared: PreparedTrip[], batchTrips: number): DeviceTask<EvalResult> {
  const whole = { ...ctx, maxLen: Number.MAX_SAFE_INTEGER };
  let correct = 0;
  let steps = 0;
  let chance = 0;
  let ceSum = 0;
  let decCorrect = 0;
  let decSteps = 0;
  let decChance = 0;
  let decNll = 0;
  const cached = student.encodedIsCached;
  const enc = cached ? student.encodeNetwork() : tf.tidy(() => student.encodeNetwork());
  try {
    for (let i = 0; i < prepared.length; i += batchTrips) {
      const trips = prepared.slice(i, i + batchTrips);
      const batch = buildBatch(whole, trips);
      const [pred, nll] = tf.tidy(() => {
        const { logits } = student.forward(batch, enc);
        const lp = tf.logSoftmax(logits);
        const oh = tf.oneHot(tf.tensor1d(batch.label, 'int32'), batch.C).toFloat();
        return [tf.argMax(logits, 1), tf.neg(tf.sum(tf.mul(lp, oh), 1))];
      });
      let pv: ArrayLike<number>;
      let nv: ArrayLike<number>;
      try {
        [pv, nv] = yield* readValues([pred, nll]);
      } finally {
        tf.dispose([pred, nll]);
      }
      for (let n = 0; n < batch.N; n++) {
        if (batch.labelMask[n] === 0) continue;
        steps++;
        if (pv[n] === batch.label[n]) correct++;
        ceSum += nv[n];
        let m = 0;
        for (let c = 0; c < batch.C; c++) m += batch.candMask[n * batch.C + c];
        chance += 1 / m;
        if (m >= 2) {
          decSteps++;
          decChance += 1 / m;
          decNll += nv[n];
          if (pv[n] === batch.label[n]) decCorrect++;
        }
      }
    }
  } finally {
    if (!cached) tf.dispose([enc.road, enc.zone]);
  }
  const d = Math.max(1, steps);
  const dd = Math.max(1, decSteps);
  return {
    valAcc: correct / d,
    valChanceAcc: chance / d,
    valCe: ceSum / d,
    valSteps: steps,
    valAccDecision: decCorrect / dd,
    valChanceAccDecision: decChance / dd,
    valNllDecision: decSteps > 0 ? decNll / decSteps : NaN,
    decisionSteps: decSteps,
  };
}
