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
/** Sums over scored steps: how many, how many right, Σ 1/|candidates| and Σ NLL. */
interface StepSums {
  steps: number;
  correct: number;
  chance: number;
  nll: number;
}

function addStep(s: StepSums, correct: boolean, candidates: number, nll: number): void {
  s.steps++;
  if (correct) s.correct++;
  s.chance += 1 / candidates;
  s.nll += nll;
}

export function* evaluateTask(student: Student, ctx: BatchContext, prepared: PreparedTrip[], batchTrips: number): DeviceTask<EvalResult> {
  const whole = { ...ctx, maxLen: Number.MAX_SAFE_INTEGER };
  // every step with its next road labelled, and the decision steps (≥ 2 candidates) among them
  const all: StepSums = { steps: 0, correct: 0, chance: 0, nll: 0 };
  const dec: StepSums = { ...all };
  const { enc, release } = student.encodeWhole();
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
        let m = 0;
        for (let c = 0; c < batch.C; c++) m += batch.candMask[n * batch.C + c];
        const hit = pv[n] === batch.label[n];
        addStep(all, hit, m, nv[n]);
        if (m >= 2) addStep(dec, hit, m, nv[n]);
      }
    }
  } finally {
    release();
  }
  const d = Math.max(1, all.steps);
  const dd = Math.max(1, dec.steps);
  return {
    valAcc: all.correct / d,
    valChanceAcc: all.chance / d,
    valCe: all.nll / d,
    valSteps: all.steps,
    valAccDecision: dec.correct / dd,
    valChanceAccDecision: dec.chance / dd,
    valNllDecision: dec.steps > 0 ? dec.nll / dec.steps : NaN,
    decisionSteps: dec.steps,
  };
}
