// Training speed levers. Each one leaves the recipe and the maths unchanged
// (losses agree to 1e-5 with it on or off: tests/train/trainingLevers.test.ts) and can be switched
// off, so the benchmark times all-off against all-on in one run and each lever alone.
import type { StudentKernelLevers } from '../models/student';

export interface TrainingLevers extends StudentKernelLevers {
  /**
   * The AdamW update as one JS kernel per variable on cpu/wasm instead of ~12 ops (train/fusedAdamW.ts);
   * on WebGPU and WebGL a few ops over all variables concatenated instead of ~21 per variable
   * (train/flatAdamW.ts).
   */
  fusedAdamW: boolean;
  /**
   * Batched and transposed matmuls (attention, forward and backward) on a WebAssembly SIMD kernel on
   * wasm instead of tfjs-wasm's scalar loop (models/batchMatMulKernel.ts). Process-wide: the trainer
   * applies its setting at the start of each step.
   */
  fastBatchMatMul: boolean;
  /**
   * Identity and same-dtype Cast share their input's buffer on wasm instead of copying it (the
   * engine's clones of what the backward pass keeps; models/aliasKernels.ts). Process-wide, applied
   * like fastBatchMatMul.
   */
  aliasCopies: boolean;
  /** Sums over leading axes (bias gradients) on a SIMD column sum on wasm, not transpose + sum (models/sumKernel.ts). Process-wide. */
  fastSum: boolean;
  /** GELU and its gradient as one SIMD kernel each on wasm, not tfjs's erf/exp op chains (models/geluKernel.ts). Process-wide. */
  fusedGelu: boolean;
  /**
   * Slice and SplitV on wasm copy inside WebAssembly memory instead of copying their whole input out
   * of it first, as tfjs-wasm's do (models/sliceKernels.ts). Process-wide, applied like aliasCopies.
   */
  fastSlice: boolean;
}

export const TRAINING_LEVERS_ON: TrainingLevers = {
  fusedGat: true,
  packRows: true,
  receptiveField: true,
  fusedAdamW: true,
  fastBatchMatMul: true,
  aliasCopies: true,
  fastSum: true,
  fusedGelu: true,
  fastSlice: true,
};
export const TRAINING_LEVERS_OFF: TrainingLevers = {
  fusedGat: false,
  packRows: false,
  receptiveField: false,
  fusedAdamW: false,
  fastBatchMatMul: false,
  aliasCopies: false,
  fastSum: false,
  fusedGelu: false,
  fastSlice: false,
};
export const TRAINING_LEVER_NAMES = Object.keys(TRAINING_LEVERS_ON) as Array<keyof TrainingLevers>;
