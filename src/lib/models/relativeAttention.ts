// Multi-head attention with the trajectory encoder's relative spatio-temporal term (HOSER): each
// query/key pair (i, j) has two features f_ij = (distance, time gap), mapped by Linear(2, dh) once
// into the score (query side) and once into the output (value side). Shared by the full encoder
// pass and the one-position step of incremental decoding (Student.encodeStates, stepTrajectories);
// generate/studentDecoder.ts computes the same formula on the host.
import * as tf from '@tensorflow/tfjs';
import { matMulFast, transposeLast2, type DenseParams } from './layers';

/** The block's relative-position maps Linear(2, dh), stored as [2, dh] + bias. */
export interface RelativeParams {
  relK: DenseParams;
  relV: DenseParams;
}

/**
 * Attention output [B, H, Tq, dh] of queries q [B, H, Tq, dh] over keys and values k, v
 * [B, H, Tk, dh]. `dist` and `gap` hold the pair features, broadcastable to [B, H, Tq, Tk];
 * `maskAdd` (same broadcast) is added to the scaled scores before the softmax (−1e9 where a key
 * must not be seen). Call inside tf.tidy.
 */
export function relativeAttention(
  p: RelativeParams,
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  dist: tf.Tensor,
  gap: tf.Tensor,
  maskAdd?: tf.Tensor,
): tf.Tensor4D {
  const [B, H, Tq, dh] = q.shape;
  const content = matMulFast(q, transposeLast2(k)); // [B, H, Tq, Tk]
  // q·Linear(2,dh)(f_ij) = f_ij0 (q·Wk0) + f_ij1 (q·Wk1) + q·bk: never build [B, H, Tq, Tk, dh].
  const kw = tf.concat([p.relK.w, tf.reshape(p.relK.b as tf.Tensor, [1, dh])], 0); // [3, dh]
  const qk = matMulFast(tf.reshape(q, [-1, dh]), tf.transpose(kw)).reshape([B, H, Tq, 3]);
  const [qd, qg, qb] = tf.split(qk, 3, 3); // [B, H, Tq, 1] each
  const rel = tf.add(tf.add(tf.mul(qd, dist), tf.mul(qg, gap)), qb);
  const scaled = tf.mul(tf.add(content, rel), 1 / Math.sqrt(dh));
  const att = tf.softmax(maskAdd ? tf.add(scaled, maskAdd) : scaled);
  // Σ_j a_ij Linear(2,dh)(f_ij) = (Σ a d) Wv0 + (Σ a g) Wv1 + bv, since Σ_j a_ij = 1.
  const ad = tf.sum(tf.mul(att, dist), 3, true);
  const ag = tf.sum(tf.mul(att, gap), 3, true);
  const vw = p.relV.w as tf.Tensor2D; // [2, dh]
  const vd = tf.reshape(vw.slice([0, 0], [1, dh]), [1, 1, 1, dh]);
  const vg = tf.reshape(vw.slice([1, 0], [1, dh]), [1, 1, 1, dh]);
  const relOut = tf.add(tf.add(tf.mul(ad, vd), tf.mul(ag, vg)), p.relV.b as tf.Tensor);
  return tf.add(matMulFast(att, v), relOut) as tf.Tensor4D;
}
