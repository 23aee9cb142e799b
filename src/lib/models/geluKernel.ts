// GELU and its gradient as one kernel each on the wasm backend (training lever `fusedGelu`). tfjs
// composes x·½(1 + erf(x/√2)) from four ops and its gradient from about eight (erf's derivative
// through exp, squares and products), each a pass over [rows, 4·D] in the MLP blocks; profiled, the
// Exp and Erf kernels alone were ~6 % of a student step. Here f32Kernels.wat's gelu and geluGrad
// run in tfjs's memory on the tensors in place (erf by A&S 7.1.28, |error| ≤ 3e-7; exp to ~1e-7).
// Elsewhere, or switched off, layers.ts's gelu composes the ops. Process-wide switch, applied by
// the student trainer at each step like fastBatchMatMul.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { heapOffset, mustF32KernelsInBackend, type WasmBackendInternals } from './f32Kernels';
import { kernelOp, KernelLever, wasmKernel } from './kernelLever';

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

/**
 * Both kernels: the output float32 [x's shape] (`n` values, the first n4 = n − n mod 4 for the SIMD
 * kernel), heap offsets in floats of x, dy (the backward's) and the output.
 */
function elementwise(
  name: string,
  run: (b: WasmBackendInternals, io: { n: number; n4: number; xi: number; di: number; oi: number }) => void,
): KernelConfig {
  return wasmKernel(name, (inputs, b) => {
    const x = inputs.x as TensorInfo;
    const out = b.makeOutput(x.shape, 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    const at = (t: TensorInfo | undefined): number => (t ? heapOffset(b, t, WHO) / 4 : 0);
    run(b, { n, n4: n - (n % 4), xi: at(x), di: at(inputs.dy), oi: at(out) });
    return out;
  });
}

const forwardKernel = elementwise(FWD, (b, { n, n4, xi, oi }) => {
  const heap = b.wasm.HEAPF32;
  heap.copyWithin(oi, xi, xi + n);
  mustF32KernelsInBackend(b, WHO).gelu(oi * 4, n4);
  for (let i = n4; i < n; i++) heap[oi + i] = geluScalar(heap[xi + i]);
});

const backwardKernel = elementwise(BWD, (b, { n, n4, xi, di, oi }) => {
  mustF32KernelsInBackend(b, WHO).geluGrad(xi * 4, di * 4, oi * 4, n4);
  const heap = b.wasm.HEAPF32;
  for (let i = n4; i < n; i++) heap[oi + i] = geluGradScalar(heap[xi + i], heap[di + i]);
});

const lever = new KernelLever();

/** Process-wide switch (the trainer applies its `fusedGelu` lever; the bench times both). */
export const setFastGelu = lever.set;

/** True when the next gelu runs on these kernels (wasm with WebAssembly SIMD, its memory importable). */
export function fastGeluActive(): boolean {
  return lever.active([forwardKernel, backwardKernel]);
}

/** GELU(x) (exact form, x·Φ(x)) with its gradient, on the SIMD kernels; float32 x of any shape. */
export const fastGelu = kernelOp(FWD, BWD);
