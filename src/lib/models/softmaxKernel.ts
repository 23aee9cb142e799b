// Log-sum-exp over the rows of a wide matrix and its gradient, as two kernels on the wasm backend.
// The teacher's loss takes log-sum-exp over its whole vocabulary (≈ 8,000 cells) for every
// predicted token; tfjs composes it from max, subtract, exp, sum and log, and its gradient from
// subtract, exp and multiply, each a pass over [tokens, vocab], with a scalar exp (one training step
// spent ≈ 200 ms in Exp alone). Here each is one pass of SIMD code (f32Kernels.wat: rowMaxSumExp,
// softmaxRowsGrad, with a vectorised exp), run in tfjs's own memory on the tensors in place.
// Results differ from tfjs's by rounding (exp to about 1e-7): tests/models/softmaxKernel.test.ts.
import type { TensorInfo } from '@tensorflow/tfjs';
import { heapOffset, mustF32KernelsInBackend, type WasmBackendInternals } from './f32Kernels';
import { kernelOp, KernelLever, wasmKernel } from './kernelLever';

const LSE = 'TrajDistillRowLogSumExp';
const GRAD = 'TrajDistillSoftmaxRowsGrad';

const WHO = 'log-sum-exp kernel';
const ptr = (b: WasmBackendInternals, t: TensorInfo): number => heapOffset(b, t, WHO);

const lseKernel = wasmKernel(LSE, (inputs, b) => {
  const x = inputs.x as TensorInfo;
  const [M, N] = x.shape;
  const out = b.makeOutput([M], 'float32');
  const stats = b.wasm._malloc(8 * M);
  try {
    mustF32KernelsInBackend(b, WHO).rowMaxSumExp(ptr(b, x), M, N, stats);
    // HEAPF32 is read after the calls: the malloc may have grown the heap.
    const heap = b.wasm.HEAPF32;
    const o = ptr(b, out) / 4;
    for (let r = 0; r < M; r++) heap[o + r] = heap[stats / 4 + 2 * r] + Math.log(heap[stats / 4 + 2 * r + 1]);
  } finally {
    b.wasm._free(stats);
  }
  return out;
});

const gradKernel = wasmKernel(GRAD, (inputs, b) => {
  const x = inputs.x as TensorInfo;
  const [M, N] = x.shape;
  const out = b.makeOutput([M, N], 'float32');
  const [xp, lse, dy, o] = [x, inputs.lse, inputs.dy, out].map((t) => ptr(b, t as TensorInfo));
  mustF32KernelsInBackend(b, WHO).softmaxRowsGrad(xp, lse, dy, o, M, N);
  return out;
});

const lever = new KernelLever();

/** Process-wide switch (the bench times the teacher with and without). */
export const setFastLogSumExp = lever.set;

/** True when the next logSumExpRows runs on these kernels (wasm backend with WebAssembly SIMD, its memory importable). */
export function fastLogSumExpActive(): boolean {
  return lever.active([lseKernel, gradKernel]);
}

/** log Σ_j e^x[r, j] for x [M, N] float32 → [M], with its gradient, on the SIMD kernels. */
export const fastLogSumExpRows = kernelOp(LSE, GRAD, 'lse');
