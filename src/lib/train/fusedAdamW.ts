// The AdamW update of one variable as one JS kernel for the cpu and wasm backends (training lever
// `fusedAdamW`). The composed update (optim.ts AdamW.prepare) is ~12 tfjs ops per
// variable, ~700 kernel dispatches per step for the student's ~60 variables; their elementwise work
// is small, so dispatch and tensor allocation dominate. Same formula, evaluated per element in
// float64 and stored as float32 (the composed ops round after every op): differences ~1e-7.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';

const KERNEL = 'TrajDistillAdamW';

export interface AdamWAttrs {
  beta1: number;
  beta2: number;
  /** Bias corrections 1 − β^t. */
  bc1: number;
  bc2: number;
  eps: number;
  lr: number;
  /** 1 − lr·weightDecay for decayed variables, else 1. */
  decayFactor: number;
}

interface KernelBackend {
  readSync(dataId: object): ArrayLike<number> | unknown;
  makeOutput?(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): TensorInfo;
  makeTensorInfo?(shape: number[], dtype: 'float32', values?: Float32Array): TensorInfo;
}

function kernel(backendName: 'cpu' | 'wasm'): KernelConfig {
  const output = (b: KernelBackend, shape: number[], values: Float32Array): TensorInfo => {
    if (backendName === 'wasm' && b.makeOutput) return b.makeOutput(shape, 'float32', undefined, values);
    if (backendName === 'cpu' && b.makeTensorInfo) return b.makeTensorInfo(shape, 'float32', values);
    throw new Error(`fused AdamW: unsupported backend ${backendName}`);
  };
  return {
    kernelName: KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as KernelBackend;
      const ins = inputs as Record<string, TensorInfo>;
      const read = (t: TensorInfo) => b.readSync(t.dataId) as Float32Array;
      const w = read(ins.w);
      const m = read(ins.m);
      const v = read(ins.v);
      const g = read(ins.g);
      const clip = read(ins.clip)[0];
      const a = attrs as unknown as AdamWAttrs;
      const n = w.length;
      const w2 = new Float32Array(n);
      const m2 = new Float32Array(n);
      const v2 = new Float32Array(n);
      const step = a.lr / a.bc1;
      let bad = 0;
      for (let i = 0; i < n; i++) {
        const gi = g[i] * clip;
        const mi = m[i] * a.beta1 + gi * (1 - a.beta1);
        const vi = v[i] * a.beta2 + gi * gi * (1 - a.beta2);
        const wi = w[i] * a.decayFactor - (mi / (Math.sqrt(vi / a.bc2) + a.eps)) * step;
        m2[i] = mi;
        v2[i] = vi;
        w2[i] = wi;
        if (!Number.isFinite(w2[i])) bad++;
      }
      const shape = ins.w.shape;
      return [output(b, shape, w2), output(b, shape, m2), output(b, shape, v2), output(b, [], Float32Array.of(bad))];
    },
  };
}

let installed = false;

/** True when the active backend has the fused update (cpu, wasm); registers it on first call. */
export function fusedAdamWAvailable(): boolean {
  if (!installed) {
    installed = true;
    for (const name of ['cpu', 'wasm'] as const) tf.registerKernel(kernel(name));
  }
  return tf.getKernel(KERNEL, tf.getBackend()) !== undefined;
}

/** [new weights, new m, new v, count of non-finite new weights] for one variable. */
export function fusedAdamWUpdate(w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, clip: tf.Tensor, attrs: AdamWAttrs): tf.Tensor[] {
  return tf.engine().runKernel(KERNEL, { w, m, v, g, clip }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}
