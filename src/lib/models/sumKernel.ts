// Sum over leading axes on wasm (training lever `fastSum`): every bias's gradient sums [rows, C]
// over its rows, which tfjs-wasm's Sum does by transposing the whole input first and then summing
// each row of the transpose. f32Kernels.wat's colSum sums the columns in place, in the same order
// (rows ascending, f32), so the results are the same bits (tests/models/sumKernel.test.ts). Other
// reductions go to tfjs's kernel. Process-wide switch, applied by the trainer like fastBatchMatMul.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32KernelsInBackend, heapOffset, type WasmBackendInternals } from './f32Kernels';
import { KernelLever } from './kernelLever';

const lever = new KernelLever();

/** Process-wide: leading-axes sums on colSum (true) or on tfjs's own kernel. */
export const setFastSum = lever.set;

/** Sums colSum has computed in this process (tests check that it ran). */
export const fastSumCalls = lever.calls;

/** tfjs-wasm's Sum (`fallback`) with sums over leading axes of float32 tensors on colSum. */
export function fastSumKernel(fallback: KernelConfig): KernelConfig {
  return lever.over(fallback, (args) => {
    const x = args.inputs.x as TensorInfo;
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    // In the order given: tfjs sums axes [1, 0] in another order than [0, 1] (not the same bits).
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    const b = args.backend as unknown as WasmBackendInternals;
    const k = leading && x.dtype === 'float32' ? f32KernelsInBackend(b) : null;
    if (!k) return null;
    const rest = x.shape.slice(axes.length);
    const out = b.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
    const size = tf.util.sizeFromShape;
    k.colSum(heapOffset(b, x, 'Sum'), size(x.shape.slice(0, axes.length)), size(rest), heapOffset(b, out, 'Sum'));
    return out;
  });
}
