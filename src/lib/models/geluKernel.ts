// GELU and its gradient as one kernel each on the wasm backend (training lever `fusedGelu`). tfjs
// composes x·½(1 + erf(x/√2)) from four ops and its gradient from about eight (erf's derivative
// through exp, squares and products), each a pass over [rows, 4·D] in the MLP blocks; profiled, the
// Exp and Erf kernels alone were ~6 % of a student step. Here f32Kernels.wat's gelu and geluGrad
// run in tfjs's memory on the tensors in place (erf by A&S 7.1.28, |error| ≤ 3e-7; exp to ~1e-7).
// Elsewhere, or switched off, layers.ts's gelu composes the ops. Process-wide switch, applied by
// the student trainer at each step like fastBatchMatMul.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32KernelsInBackend, heapOffset, mustF32KernelsInBackend, type WasmBackendInternals } from './f32Kernels';

const FWD = 'TrajDistillGelu';
const BWD = 'TrajDistillGeluGrad';
const WHO = 'fused GELU';

/** GELU of one value as the kernel computes it (for the n mod 4 values after its last vector). */
function geluScalar(x: number): number {
  return x * 0.5 * (1 + erfAS(x * Math.SQRT1_2));
}

/** erf by Abramowitz & Stegun 7.1.28, as in f32Kernels.wat. */
function erfAS(x: number): number {
  const z = Math.abs(x);
  const t = 1 + z * (0.0705230784 + z * (0.0422820123 + z * (0.0092705272 + z * (0.0001520143 + z * (0.0002765672 + z * 0.0000430638)))));
  const e = 1 - 1 / t ** 16;
  return x < 0 ? -e : e;
}

function geluGradScalar(x: number, dy: number): number {
  return dy * (0.5 * (1 + erfAS(x * Math.SQRT1_2)) + x * 0.3989422804014327 * Math.exp(-0.5 * x * x));
}

const forwardKernel: KernelConfig = {
  kernelName: FWD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendInternals;
    const x = inputs.x as TensorInfo;
    const n = x.shape.reduce((a, c) => a * c, 1);
    const out = b.makeOutput(x.shape, 'float32');
    const xi = heapOffset(b, x, WHO) / 4;
    const oi = heapOffset(b, out, WHO) / 4;
    const heap = b.wasm.HEAPF32;
    heap.copyWithin(oi, xi, xi + n);
    const n4 = n - (n % 4);
    mustF32KernelsInBackend(b, WHO).gelu(oi * 4, n4);
    for (let i = n4; i < n; i++) heap[oi + i] = geluScalar(heap[xi + i]);
    return out;
  },
};

const backwardKernel: KernelConfig = {
  kernelName: BWD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendInternals;
    const x = inputs.x as TensorInfo;
    const n = x.shape.reduce((a, c) => a * c, 1);
    const out = b.makeOutput(x.shape, 'float32');
    const at = (t: TensorInfo): number => heapOffset(b, t, WHO);
    const n4 = n - (n % 4);
    mustF32KernelsInBackend(b, WHO).geluGrad(at(x), at(inputs.dy as TensorInfo), at(out), n4);
    const heap = b.wasm.HEAPF32;
    const [xi, di, oi] = [at(x), at(inputs.dy as TensorInfo), at(out)].map((o) => o / 4);
    for (let i = n4; i < n; i++) heap[oi + i] = geluGradScalar(heap[xi + i], heap[di + i]);
    return out;
  },
};

let installed = false;
let enabled = true;

/** Process-wide switch (the trainer applies its `fusedGelu` lever; the bench times both). */
export function setFastGelu(on: boolean): void {
  enabled = on;
}

/** True when the next gelu runs on these kernels (wasm with WebAssembly SIMD, its memory importable). */
export function fastGeluActive(): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  if (!f32KernelsInBackend(tf.backend() as unknown as WasmBackendInternals)) return false;
  if (!installed) {
    tf.registerKernel(forwardKernel);
    tf.registerKernel(backwardKernel);
    installed = true;
  }
  return true;
}

/** GELU(x) (exact form, x·Φ(x)) with its gradient, on the SIMD kernels; float32 x of any shape. */
export const fastGelu: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.engine().runKernel(FWD, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(BWD, { x: saved[0], dy }) as tf.Tensor,
  };
});
