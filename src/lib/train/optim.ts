// AdamW with linear warm-up + cosine decay, global-norm clipping, a NaN/Inf guard and gradient
// accumulation (LM-TAD and HOSER both use this recipe).
//
// Gradients are passed keyed by tf variable name (what tf.variableGrads returns). Moments live in
// tf.Variables owned by the optimiser; everything else is created inside tf.tidy, so the tensor
// count stays flat across steps.
import * as tf from '@tensorflow/tfjs';
import { canonicalName } from '../features/variableNames';
import { fusedAdamWAvailable, fusedAdamWUpdate } from './fusedAdamW';
import { flatAdamWUpdate, flatDecayMask, type FlatAdamWHyper } from './flatAdamW';
import type { OptimState } from '../checkpoint/checkpointTypes';
export type { OptimState };

export interface OptimConfig {
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  warmupSteps: number;
  totalSteps: number;
  /** Final lr = lr·minLrRatio at totalSteps. */
  minLrRatio: number;
  /** Max global grad norm; ≤ 0 or Infinity disables clipping. */
  clipNorm: number;
}

/**
 * HOSER's settings. warmupSteps/totalSteps are placeholders: the caller sets them from the run
 * length (HOSER: warm-up = 10 % of the total).
 */
export const DEFAULT_OPTIM: OptimConfig = {
  lr: 1e-3,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  warmupSteps: 0,
  totalSteps: 1,
  minLrRatio: 0,
  clipNorm: 1.0,
};

/** Warm-up as a share of the run (HOSER warmup_ratio 0.1). */
export function withSchedule(cfg: OptimConfig, totalSteps: number, warmupRatio = 0.1): OptimConfig {
  const total = Math.max(1, Math.round(totalSteps));
  return { ...cfg, totalSteps: total, warmupSteps: Math.round(total * warmupRatio) };
}

/**
 * Learning rate for update number `step` (1-based: the optimiser's first update uses lrAt(1)).
 * Linear from 0 at step 0 to lr at warmupSteps, then cosine down to lr·minLrRatio at totalSteps,
 * and constant after that.
 */
export function lrAt(step: number, cfg: OptimConfig): number {
  const { lr, warmupSteps, totalSteps, minLrRatio } = cfg;
  if (warmupSteps > 0 && step < warmupSteps) return (lr * Math.max(0, step)) / warmupSteps;
  const span = totalSteps - warmupSteps;
  if (span <= 0) return step >= totalSteps ? lr * minLrRatio : lr;
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return lr * (minLrRatio + (1 - minLrRatio) * cosine);
}

export interface StepResult {
  lr: number;
  /** Values of the `guards` passed to stepAsync, read with the norm (one device read per step). */
  guards?: number[];
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** False when the norm (or an updated weight) was NaN/Inf: then nothing was updated. */
  finite: boolean;
}

/** Default decay rule (nanoGPT / LM-TAD): decay matrices and embeddings, not biases or norms. */
export function decayMatricesOnly(v: tf.Variable): boolean {
  return v.shape.length >= 2;
}

interface Slot {
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  decay: boolean;
}

export class AdamW {
  private readonly slots = new Map<string, Slot>();
  private count = 0;
  cfg: OptimConfig;
  /**
   * Training lever `fusedAdamW`: one JS kernel per variable on cpu/wasm (fusedAdamW.ts), elsewhere
   * (WebGPU, WebGL) a few ops over all variables concatenated (flatAdamW.ts).
   */
  fused = false;
  /** 'flat': the concatenated update even where the JS kernel exists (tests compare the two). */
  fusedPath: 'auto' | 'flat' = 'auto';
  /** flatAdamW's decay mask for the variable names it was made for (kept across steps). */
  private flatMask: { key: string; mask: tf.Tensor1D } | null = null;

  constructor(vars: tf.Variable[], cfg: OptimConfig, decayMask: (v: tf.Variable) => boolean = decayMatricesOnly) {
    this.cfg = { ...cfg };
    for (const variable of vars) {
      if (this.slots.has(variable.name)) throw new Error(`AdamW: variable ${variable.name} given twice`);
      this.slots.set(variable.name, {
        variable,
        // tidy frees the zeros; the variable keeps its own reference to the buffer.
        m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        decay: decayMask(variable),
      });
    }
  }

  get stepCount(): number {
    return this.count;
  }

  /** The lr the next update will use. */
  get nextLr(): number {
    return lrAt(this.count + 1, this.cfg);
  }

  /**
   * One update. Clips by global norm first; when the norm is not finite, or the update would make
   * any weight NaN/Inf (e.g. lr = NaN), updates nothing (weights, moments and the step counter stay)
   * and returns finite = false. Gradients for unknown names are an error; variables without a
   * gradient are left untouched (like PyTorch's grad=None). Does not dispose `grads`.
   */
  step(grads: tf.NamedTensorMap): StepResult {
    const pending = this.prepare(grads);
    return 'result' in pending ? pending.result : this.commit(pending, pending.kept[0].dataSync());
  }

  /**
   * step() with an asynchronous read of the norm check. Required on webgpu, whose synchronous
   * read (dataSync) returns zeros in a worker and leaves the device unusable.
   */
  async stepAsync(grads: tf.NamedTensorMap, guards: tf.Scalar[] = []): Promise<StepResult> {
    // Guards (e.g. the loss) ride along with the norm in the same read; a non-finite guard blocks
    // the update like a non-finite gradient does. The caller keeps ownership of them.
    const pending = this.prepare(grads, guards);
    if ('result' in pending) {
      if (guards.length === 0) return pending.result;
      const stacked = tf.stack(guards);
      const g = Array.from(await stacked.data().finally(() => stacked.dispose()));
      return { ...pending.result, guards: g, finite: pending.result.finite && g.every(Number.isFinite) };
    }
    let stats: ArrayLike<number>;
    try {
      stats = await pending.kept[0].data();
    } catch (e) {
      tf.dispose(pending.kept);
      throw e;
    }
    return this.commit(pending, stats);
  }

  /** The update's tensors: [stats, w0, m0, v0, w1, …] (or the result when there is nothing to do). */
  private prepare(
    grads: tf.NamedTensorMap,
    guards: tf.Scalar[] = [],
  ): { result: StepResult } | { kept: tf.Tensor[]; names: string[]; lr: number; t: number; guards: number } {
    const names = Object.keys(grads);
    for (const name of names) {
      if (!this.slots.has(name)) throw new Error(`AdamW: gradient for unknown variable ${name}`);
    }
    const lr = lrAt(this.count + 1, this.cfg);
    if (names.length === 0) return { result: { lr, gradNorm: 0, finite: true } };

    const { beta1, beta2, eps, weightDecay, clipNorm } = this.cfg;
    const clipping = clipNorm > 0 && Number.isFinite(clipNorm);
    const t = this.count + 1;
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    // Everything stays on the device until one read of [grad norm, #non-finite new weights]
    // (one GPU sync per step). Bias corrections are folded into the step size:
    // w ← w·(1 − lr·wd) − lr/bc1 · m / (sqrt(v/bc2) + eps). New values are assigned only when all
    // are finite, so a NaN/Inf gradient, a NaN/Inf lr or an overflowing update changes nothing.
    // tidy returns [stats, w0, m0, v0, w1, m1, v1, …] in the order of `names`.
    const attrs = { beta1, beta2, bc1, bc2, eps, lr };
    const flat = this.fused && (this.fusedPath === 'flat' || !fusedAdamWAvailable());
    if (flat)
      return {
        kept: this.prepareFlat(names, grads, guards, { ...attrs, weightDecay, clipNorm: clipping ? clipNorm : null }),
        names,
        lr,
        t,
        guards: guards.length,
      };
    const kept = tf.tidy(() => {
      // sum(stack) rather than addN: tfjs-webgpu's AddN binds all inputs in one shader and returns
      // zeros past maxStorageBuffersPerShaderStage (8 on SwiftShader), i.e. norm 0 and no clipping.
      const norm = tf.sqrt(tf.sum(tf.stack(names.map((n) => tf.sum(tf.square(grads[n]))))));
      const clip = clipping ? tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6))) : null;
      const out: tf.Tensor[] = [];
      const flags: tf.Tensor[] = [];
      const fused = this.fused && fusedAdamWAvailable();
      const clipT = fused ? (clip ?? tf.scalar(1)) : null;
      for (const name of names) {
        const slot = this.slots.get(name) as Slot;
        if (clipT) {
          const decayFactor = slot.decay && weightDecay > 0 ? 1 - lr * weightDecay : 1;
          const [w, m, v, bad] = fusedAdamWUpdate(slot.variable, slot.m, slot.v, grads[name], clipT, { ...attrs, decayFactor });
          flags.push(bad);
          out.push(w, m, v);
          continue;
        }
        const g = clip ? tf.mul(grads[name], clip) : grads[name];
        const m = tf.add(tf.mul(slot.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(slot.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.sqrt(tf.div(v, bc2)), eps);
        const update = tf.mul(tf.div(m, denom), lr / bc1);
        const decayed = slot.decay && weightDecay > 0 ? tf.mul(slot.variable, 1 - lr * weightDecay) : slot.variable;
        const w = tf.sub(decayed, update);
        flags.push(tf.sum(tf.cast(tf.logicalNot(tf.isFinite(w)), 'float32')));
        out.push(w, m, v);
      }
      return [tf.stack([norm, tf.sum(tf.stack(flags)), ...guards]), ...out];
    });
    return { kept, names, lr, t, guards: guards.length };
  }

  /** prepare()'s tensors through flatAdamW: the same [stats, w0, m0, v0, w1, …]. */
  private prepareFlat(names: string[], grads: tf.NamedTensorMap, guards: tf.Scalar[], h: FlatAdamWHyper): tf.Tensor[] {
    const slots = names.map((name) => ({ ...(this.slots.get(name) as Slot), grad: grads[name] }));
    const key = names.join('\n');
    if (this.flatMask?.key !== key) {
      this.flatMask?.mask.dispose();
      this.flatMask = { key, mask: flatDecayMask(slots) };
    }
    const mask = this.flatMask.mask;
    return tf.tidy(() => {
      const r = flatAdamWUpdate(slots, h, mask);
      return [tf.stack([r.norm, r.bad, ...guards]), ...names.flatMap((_, i) => [r.w[i], r.m[i], r.v[i]])];
    });
  }

  /** Assigns the prepared values when `stats` says they are finite; disposes them either way. */
  private commit(p: { kept: tf.Tensor[]; names: string[]; lr: number; t: number; guards: number }, stats: ArrayLike<number>): StepResult {
    const { kept, names, lr, t } = p;
    const gradNorm = stats[0];
    const guards = p.guards > 0 ? Array.from(stats).slice(2, 2 + p.guards) : undefined;
    const ok = Number.isFinite(gradNorm) && stats[1] === 0 && (guards ?? []).every(Number.isFinite);
    if (ok) {
      names.forEach((name, i) => {
        const slot = this.slots.get(name) as Slot;
        slot.variable.assign(kept[1 + 3 * i]);
        slot.m.assign(kept[2 + 3 * i]);
        slot.v.assign(kept[3 + 3 * i]);
      });
    }
    tf.dispose(kept);
    if (!ok) return { lr, gradNorm, finite: false, guards };
    this.count = t;
    return { lr, gradNorm, finite: true, guards };
  }

  getState(): OptimState {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const [name, slot] of this.slots) {
      const key = canonicalName(name);
      m[key] = slot.m.dataSync() as Float32Array;
      v[key] = slot.v.dataSync() as Float32Array;
    }
    return { step: this.count, m: copyAll(m), v: copyAll(v) };
  }

  /** Restores moments and the step counter; names are matched canonically, sizes are checked. */
  setState(s: OptimState): void {
    for (const [name, slot] of this.slots) {
      const key = canonicalName(name);
      const m = s.m[key];
      const v = s.v[key];
      if (!m || !v) throw new Error(`optimiser state lacks moments for ${key}`);
      if (m.length !== slot.m.size || v.length !== slot.v.size) {
        throw new Error(`optimiser state for ${key} has ${m.length} values, expected ${slot.m.size}`);
      }
      tf.tidy(() => {
        slot.m.assign(tf.tensor(m, slot.m.shape, 'float32'));
        slot.v.assign(tf.tensor(v, slot.v.shape, 'float32'));
      });
    }
    this.count = s.step;
  }

  dispose(): void {
    this.flatMask?.mask.dispose();
    this.flatMask = null;
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
  }
}

function copyAll(r: Record<string, Float32Array>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const k of Object.keys(r)) out[k] = Float32Array.from(r[k]);
  return out;
}

/**
 * Sums gradients over micro-batches and hands back their weighted mean Σwᵢgᵢ / Σwᵢ. `add` keeps
 * its own copies (it does not dispose the caller's tensors); `take` resets the accumulator.
 */
export class GradAccumulator {
  private sums = new Map<string, tf.Tensor>();
  private weightSum = 0;
  private n = 0;

  add(grads: tf.NamedTensorMap, weight = 1): void {
    for (const name of Object.keys(grads)) {
      const prev = this.sums.get(name);
      const next = tf.tidy(() => {
        const g = weight === 1 ? grads[name].clone() : tf.mul(grads[name], weight);
        return prev ? tf.add(prev, g) : g;
      });
      prev?.dispose();
      this.sums.set(name, next);
    }
    this.weightSum += weight;
    this.n += 1;
  }

  /** The averaged gradients (the caller disposes them); resets the accumulator. */
  take(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    const denom = this.weightSum > 0 ? this.weightSum : 1;
    for (const [name, sum] of this.sums) {
      out[name] = tf.tidy(() => tf.div(sum, denom));
      sum.dispose();
    }
    this.sums.clear();
    this.weightSum = 0;
    this.n = 0;
    return out;
  }

  get count(): number {
    return this.n;
  }

  dispose(): void {
    for (const t of this.sums.values()) t.dispose();
    this.sums.clear();
    this.weightSum = 0;
    this.n = 0;
  }
}
