// Calibration of the student's hop times for route generation. The time head is trained with a
// relative error on log1p(seconds) (HOSER's MAPE-like loss), so expm1 of its prediction is close to
// a per-hop *median*. Hop times are heavy-tailed (lights, queues): on Porto test trips the median hop
// is 4 s and the mean 7.8 s, so a trip's summed medians come out about half its real duration
// (generated trips "drove at 131 km/h"). One scale factor, fitted on validation trips so that
// predicted and real seconds have the same total (a ratio estimator, as Duan's smearing corrects a
// log model), makes generated durations right on average without touching the model: the scale
// applies to the seconds a search reports, never to the times the model reads back as its prefix's
// (studentScorer, studentDecoder), so a calibrated checkpoint draws the same roads as its run did
// when it was evaluated, only with longer durations.
import * as tf from '@tensorflow/tfjs';
import type { Student } from '../models/student';
import { readAndDispose } from '../runtime/deviceMemory';
import { buildBatch, type BatchContext, type PreparedTrip } from '../features/studentBatch';

export interface TimeCalibration {
  /** Multiply the model's predicted hop seconds by this. */
  scale: number;
  hops: number;
  predictedSeconds: number;
  realSeconds: number;
}

/**
 * Teacher-forced: the model's predicted seconds for the road actually taken next, against the real
 * hop, over every step of `prepared` with a known time. Returns Σ real / Σ predicted.
 */
export async function fitTimeScale(
  student: Student,
  ctx: BatchContext,
  prepared: PreparedTrip[],
  batchTrips = 32,
): Promise<TimeCalibration> {
  const { timeMean, timeStd } = ctx.derived;
  let pred = 0;
  let real = 0;
  let hops = 0;
  const { enc, release } = student.encodeWhole();
  try {
    for (let s = 0; s < prepared.length; s += batchTrips) {
      const batch = buildBatch(ctx, prepared.slice(s, s + batchTrips));
      const tp = await readAndDispose(tf.tidy(() => student.forward(batch, enc).timePred));
      for (let n = 0; n < batch.N; n++) {
        if (batch.labelMask[n] === 0 || batch.timeMask[n] === 0) continue;
        const p = Math.max(0, Math.expm1(tp[n * batch.C + batch.label[n]] * timeStd + timeMean));
        const r = Math.expm1(batch.timeLabel[n] * timeStd + timeMean);
        pred += p;
        real += r;
        hops++;
      }
    }
  } finally {
    release();
  }
  return { scale: pred > 0 ? real / pred : 1, hops, predictedSeconds: pred, realSeconds: real };
}

/** A step's predicted hop seconds as a search reports them: times the checkpoint's scale (the same array at 1). */
export function scaledSeconds(sec: Float64Array, scale: number): Float64Array {
  return scale === 1 ? sec : sec.map((x) => x * scale);
}
