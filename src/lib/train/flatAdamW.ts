// The AdamW update of every variable at once, as tfjs ops over their concatenation: the `fusedAdamW`
// lever on backends without the JS kernel (fusedAdamW.ts), i.e. WebGPU and WebGL. There each op is
// a shader dispatch whose host cost (≈ 0.1 ms on an H200 through Dawn, BENCHMARKS.md) dwarfs its
// GPU time, and the composed update (optim.ts) costs ~21 ops per variable: ~1,600 of the student's
// ~3,600 kernels per training step. Concatenated, the norm, the moments and the update are a few
// ops whatever the number of variables; the concatenations and the split back cost ~1 op per
// variable per tensor (weights, m, v), so ~300 in all.
//
// Same formula and the same f32 op order per element as the composed update, so each new value is
// the composed one bit for bit given the same clip factor; only the global norm sums its squares in
// another order (a few ulps), which moves the clip factor by as much.
import * as tf from '@tensorflow/tfjs';
import type { AdamWAttrs } from './fusedAdamW';

export interface FlatAdamWSlot {
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  /** Weight decay applies to this variable. */
  decay: boolean;
  grad: tf.Tensor;
}

/** fusedAdamW's settings but the per-variable decay factor, which comes from `weightDecay` and the slot. */
export interface FlatAdamWHyper extends Omit<AdamWAttrs, 'decayFactor'> {
  weightDecay: number;
  /** Max global grad norm; null: no clipping. */
  clipNorm: number | null;
}

export interface FlatAdamWResult {
  /** Global L2 norm of the gradients before clipping (scalar). */
  norm: tf.Tensor;
  /** Count of non-finite new weights (scalar). */
  bad: tf.Tensor;
  /** New weights, m and v, one each per slot in the slots' order and shapes. */
  w: tf.Tensor[];
  m: tf.Tensor[];
  v: tf.Tensor[];
}

const flat = (ts: tf.Tensor[]): tf.Tensor1D => tf.concat(ts.map((t) => t.reshape([-1]))) as tf.Tensor1D;

/**
 * The slots' decay flags over their concatenation (bool, one per element), made once per set of
 * variables and kept by the caller (outside any tidy): the per-step factor is then one select.
 */
export function flatDecayMask(slots: readonly Pick<FlatAdamWSlot, 'variable' | 'decay'>[]): tf.Tensor1D {
  const mask = new Uint8Array(slots.reduce((n, s) => n + s.variable.size, 0));
  let at = 0;
  for (const s of slots) {
    if (s.decay) mask.fill(1, at, at + s.variable.size);
    at += s.variable.size;
  }
  return tf.tensor1d(mask, 'bool');
}

let calls = 0;

/** Updates made by flatAdamWUpdate in this process (tests check which path a backend took). */
export function flatAdamWCalls(): number {
  return calls;
}

/**
 * Call inside tf.tidy: every intermediate is the caller's to free. `decayMask` is flatDecayMask of
 * the same slots.
 */
export function flatAdamWUpdate(slots: readonly FlatAdamWSlot[], h: FlatAdamWHyper, decayMask: tf.Tensor1D): FlatAdamWResult {
  calls++;
  const sizes = slots.map((s) => s.variable.size);
  const g0 = flat(slots.map((s) => s.grad));
  const norm = tf.sqrt(tf.sum(tf.square(g0)));
  const g = h.clipNorm === null ? g0 : tf.mul(g0, tf.minimum(1, tf.div(h.clipNorm, tf.add(norm, 1e-6))));
  const m = tf.add(tf.mul(flat(slots.map((s) => s.m)), h.beta1), tf.mul(g, 1 - h.beta1));
  const v = tf.add(tf.mul(flat(slots.map((s) => s.v)), h.beta2), tf.mul(tf.square(g), 1 - h.beta2));
  const update = tf.mul(tf.div(m, tf.add(tf.sqrt(tf.div(v, h.bc2)), h.eps)), h.lr / h.bc1);
  const w0 = flat(slots.map((s) => s.variable));
  // Decayed variables scale by 1 − lr·wd (a scalar, as in the composed update), the rest by exactly 1.
  const decayed = slots.some((s) => s.decay) && h.weightDecay > 0;
  const scaled = decayed ? tf.mul(w0, tf.where(decayMask, tf.scalar(1 - h.lr * h.weightDecay), tf.scalar(1))) : w0;
  const w = tf.sub(scaled, update);
  const bad = tf.sum(tf.cast(tf.logicalNot(tf.isFinite(w)), 'float32'));
  const back = (x: tf.Tensor): tf.Tensor[] => tf.split(x, sizes).map((part, i) => part.reshape(slots[i].variable.shape));
  return { norm, bad, w: back(w), m: back(m), v: back(v) };
}
