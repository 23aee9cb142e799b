// The AdamW update of one variable as one JS kernel for the cpu and wasm backends (training lever
// `fusedAdamW`). The composed update (optim.ts AdamW.prepare) is ~12 tfjs ops per
// variable, ~700 kernel dispatches per step for the student's ~60 variables; their elementwise work
// is small, so dispatch and tensor allocation dominate. Same formula, evaluated per element in
// float64 and stored as float32 (the composed ops round after every op): differences ~1e-7. On wasm
// with WebAssembly SIMD the update runs in f32 lanes in tfjs's memory (f32Kernels.wat adamW).
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32KernelsInBackend, heapOffset, type WasmBackendInternals } from '../models/f32Kernels';

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

interface Moments {
  w: Float32Array;
  m: Float32Array;
  v: Float32Array;
  g: Float32Array;
}

/** The update of elements [from, to) into w2, m2, v2 (float64 per element); returns the count of non-finite new weights. */
function updateRange(x: Moments, clip: number, a: AdamWAttrs, out: Omit<Moments, 'g'>, from: number, to: number): number {
  const step = a.lr / a.bc1;
  let bad = 0;
  for (let i = from; i < to; i++) {
    const gi = x.g[i] * clip;
    const mi = x.m[i] * a.beta1 + gi * (1 - a.beta1);
    const vi = x.v[i] * a.beta2 + gi * gi * (1 - a.beta2);
    const wi = x.w[i] * a.decayFactor - (mi / (Math.sqrt(vi / a.bc2) + a.eps)) * step;
    out.m[i] = mi;
    out.v[i] = vi;
    out.w[i] = wi;
    if (!Number.isFinite(out.w[i])) bad++;
  }
  return bad;
}

/**
 * On wasm with WebAssembly SIMD: f32Kernels.wat's adamW in tfjs's memory, on the tensors in place
 * (float32 per element, so new values differ from the float64 ones by rounding, ~1e-7 relative);
 * the n mod 4 elements after its last vector by updateRange.
 */
let simdCalls = 0;

/** Updates that ran on the SIMD kernel in this process (tests check that it ran). */
export function fusedAdamWSimdCalls(): number {
  return simdCalls;
}

function simdUpdate(b: WasmBackendInternals, ins: Record<string, TensorInfo>, a: AdamWAttrs): TensorInfo[] | null {
  const k = f32KernelsInBackend(b);
  if (!k) return null;
  simdCalls++;
  const shape = ins.w.shape;
  const n = shape.reduce((p, c) => p * c, 1);
  const [w2, m2, v2] = [0, 1, 2].map(() => b.makeOutput(shape, 'float32'));
  const bad = b.makeOutput([], 'float32');
  const at = (t: TensorInfo): number => heapOffset(b, t, 'fused AdamW');
  const clip = b.wasm.HEAPF32[at(ins.clip) / 4];
  const n4 = n - (n % 4);
  const [w, m, v, g] = [ins.w, ins.m, ins.v, ins.g].map(at);
  const hyper = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.bc2, a.eps, a.lr / a.bc1, a.decayFactor] as const;
  let nBad = k.adamW(w, m, v, g, n4, clip, ...hyper, at(w2), at(m2), at(v2));
  // Views after every allocation (one may have grown the heap).
  const heap = b.wasm.HEAPF32;
  const view = (t: TensorInfo): Float32Array => heap.subarray(at(t) / 4, at(t) / 4 + n);
  if (n4 < n) {
    const x = { w: view(ins.w), m: view(ins.m), v: view(ins.v), g: view(ins.g) };
    nBad += updateRange(x, clip, a, { w: view(w2), m: view(m2), v: view(v2) }, n4, n);
  }
  heap[at(bad) / 4] = nBad;
  return [w2, m2, v2, bad];
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
      const ins = inputs as Record<string, TensorInfo>;
      const a = attrs as unknown as AdamWAttrs;
      if (backendName === 'wasm') {
        const simd = simdUpdate(backend as unknown as WasmBackendInternals, ins, a);
        if (simd) return simd;
      }
      const b = backend as unknown as KernelBackend;
      const read = (t: TensorInfo) => b.readSync(t.dataId) as Float32Array;
      const x = { w: read(ins.w), m: read(ins.m), v: read(ins.v), g: read(ins.g) };
      const n = x.w.length;
      const out = { w: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
      const bad = updateRange(x, read(ins.clip)[0], a, out, 0, n);
      const shape = ins.w.shape;
      return [output(b, shape, out.w), output(b, shape, out.m), output(b, shape, out.v), output(b, [], Float32Array.of(bad))];
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
