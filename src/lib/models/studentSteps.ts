// The student's answer at every step of real trips (teacher forcing: each step sees the true
// prefix). Read by training (the student-as-teacher control, the Train view's probe trip), by the
// step evaluation and by the teaching view.
import * as tf from '@tensorflow/tfjs';
import type { Trajectory } from '../data/types';
import { batchRoads, buildBatch, prepareTrip, withRouteFeatures, type BatchContext, type PreparedTrip } from '../features/studentBatch';
import type { Student } from './student';
import { readAndDispose } from '../runtime/deviceMemory';

/** Per trip and step: log-probabilities over that step's candidates, aligned with PreparedTrip.cands. */
export interface StepLogProbs {
  trips: PreparedTrip[];
  /** One Float32Array per trip, length trips[i].candOffset[steps]. */
  logProbs: Float32Array[];
}

/**
 * Rows of a batch output (all steps of all trips, row-major by trip; C padded candidate columns)
 * cut to each step's real candidates: one array per trip, laid out as its candOffset.
 */
function perTripCandidates(vals: Float32Array, C: number, trips: PreparedTrip[]): Float32Array[] {
  let row = 0;
  return trips.map((p) => {
    const out = new Float32Array(p.candOffset[p.steps]);
    for (let st = 0; st < p.steps; st++, row++) {
      const m = p.candOffset[st + 1] - p.candOffset[st];
      for (let c = 0; c < m; c++) out[p.candOffset[st] + c] = vals[row * C + c];
    }
    return out;
  });
}

/** Student log-probabilities at every step of whole trips, batched by trips of similar length to limit padding. */
export async function studentStepLogProbs(
  student: Student,
  ctx: BatchContext,
  prepared: PreparedTrip[],
  maxTokens = 8192,
): Promise<StepLogProbs> {
  const order = prepared.map((_, i) => i).sort((a, b) => prepared[a].steps - prepared[b].steps);
  const logProbs: Float32Array[] = new Array(prepared.length);
  const { enc, release } = student.encodeWhole();
  try {
    let s = 0;
    while (s < order.length) {
      // Grow the batch while padded tokens stay under the budget (attention is [B, H, T, T]).
      let e = s + 1;
      while (e < order.length && (e + 1 - s) * prepared[order[e]].steps <= maxTokens) e++;
      const chunk = order.slice(s, e).map((i) => prepared[i]);
      const batch = buildBatch({ ...ctx, maxLen: Number.MAX_SAFE_INTEGER }, chunk);
      const vals = await readAndDispose(tf.tidy(() => tf.logSoftmax(student.forward(batch, enc).logits)));
      perTripCandidates(vals, batch.C, chunk).forEach((out, k) => (logProbs[order[s + k]] = out));
      s = e;
    }
  } finally {
    release();
  }
  return { trips: prepared, logProbs };
}

/** Navigator logits [steps][C_k] of one student over every step of a trip (cropped to ctx.maxLen + 1 roads, as prepareTrip does). */
export async function studentLogits(student: Student, anyCtx: BatchContext, trip: Trajectory): Promise<number[][]> {
  const ctx = withRouteFeatures(anyCtx, student.config);
  const p = prepareTrip(ctx, trip, 0);
  if (p.steps === 0) return [];
  const batch = buildBatch(ctx, [p]);
  // Only the trip's roads and candidates are read: their receptive field, unless cached already.
  const { enc, owned } = student.encodeFor(batchRoads(batch));
  const logits = tf.tidy(() => student.forward(batch, enc).logits);
  if (owned) {
    enc.road.dispose();
    enc.zone.dispose();
  }
  const flat = perTripCandidates(await readAndDispose(logits), batch.C, [p])[0];
  const out: number[][] = [];
  for (let i = 0; i < p.steps; i++) out.push(Array.from(flat.subarray(p.candOffset[i], p.candOffset[i + 1])));
  return out;
}
