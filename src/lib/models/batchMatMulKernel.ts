// tfjs-wasm's BatchMatMul runs XNNPACK only for one plain product (batch 1, no transposes); every
// batched or transposed product falls to a scalar loop at about 2 GFLOP/s, against 20–30 for
// XNNPACK at the same work (measured: [64, 56, 56]·[64, 56, 64] took 13.5 ms batched, 1.2 ms as one
// 2-D product of the same FLOPs). Attention is made of exactly those products: q·kᵀ and weights·v
// per head, and their gradients. This module gives the wasm backend a BatchMatMul kernel (layers.ts
// installFastKernels installs it) that sends those cases to a WebAssembly SIMD kernel
// (f32Kernels.wat `mm`) and every plain product to the backend's own kernel. The sums run in k order in f32, so results differ from tfjs's by
// rounding only (tests/models/batchMatMulKernel.test.ts). Process-wide switch: setFastBatchMatMul
// (the training lever `fastBatchMatMul` flips it so the bench can time both).
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { KernelLever } from './kernelLever';
import { regions } from './wasmRegions';
import { ensureMemory, f32KernelsAvailable, newF32Kernels, type F32Kernels } from './f32Kernels';

/** Bytes read past B's end by the last column block of its last row. */
const B_SLACK = 32;

/** Operand shapes as [batch, rows, cols] of the stored arrays (before any transpose). */
export interface MatMulOperands {
  a: Float32Array;
  aShape: readonly [number, number, number];
  b: Float32Array;
  bShape: readonly [number, number, number];
  transposeA: boolean;
  transposeB: boolean;
}

let instance: F32Kernels | null = null;

function engine(): F32Kernels {
  return (instance ??= newF32Kernels());
}

/**
 * out[batch, M, N] = op(A)·op(B) per batch entry (a batch of 1 on either side is broadcast).
 * Returns `out`, which must hold batch·M·N values.
 */
export function batchMatMulInto(o: MatMulOperands, out: Float32Array): Float32Array {
  const x = engine();
  const [batchA, ra, ca] = o.aShape;
  const [batchB, rb, cb] = o.bShape;
  const M = o.transposeA ? ca : ra;
  const K = o.transposeA ? ra : ca;
  const N = o.transposeB ? rb : cb;
  if ((o.transposeB ? cb : rb) !== K) throw new Error(`batchMatMul: inner sizes ${K} and ${o.transposeB ? cb : rb} differ`);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) throw new Error(`batchMatMul: batches ${batchA} and ${batchB} do not broadcast`);
  const batch = Math.max(batchA, batchB);
  const ldcF = Math.ceil(N / 8) * 8;
  const { at, end } = regions(0, { a: 4 * batchA * M * K, b: 4 * batchB * K * N + B_SLACK, c: 4 * batch * M * ldcF });
  const { a: aAt, b: bAt, c: cAt } = at;
  ensureMemory(x, end);
  const f32 = new Float32Array(x.memory.buffer);
  f32.set(o.a.subarray(0, batchA * M * K), aAt / 4);
  if (!o.transposeB) f32.set(o.b.subarray(0, batchB * K * N), bAt / 4);
  else {
    // B stored [N, K] per entry: write it [K, N].
    const b = o.b;
    for (let e = 0; e < batchB; e++) {
      const src = e * N * K;
      const dst = bAt / 4 + e * K * N;
      for (let j = 0; j < N; j++) {
        const s = src + j * K;
        for (let k = 0; k < K; k++) f32[dst + k * N + j] = b[s + k];
      }
    }
  }
  const sai = o.transposeA ? 4 : 4 * K;
  const sak = o.transposeA ? 4 * M : 4;
  const strideA = batchA === 1 ? 0 : 4 * M * K;
  const strideB = batchB === 1 ? 0 : 4 * K * N;
  x.mm(aAt, bAt, cAt, M, K, N, sai, sak, 4 * N, 4 * ldcF, batch, strideA, strideB, 4 * M * ldcF);
  const c = new Float32Array(x.memory.buffer, cAt, batch * M * ldcF);
  if (ldcF === N) out.set(c);
  else for (let r = 0; r < batch * M; r++) out.set(c.subarray(r * ldcF, r * ldcF + N), r * N);
  return out;
}

const lever = new KernelLever();

/** Products the SIMD kernel has computed in this process (tests check that it ran). */
export const fastBatchMatMulCalls = lever.calls;

/** Process-wide: send batched and transposed products to the SIMD kernel (true) or to tfjs's own. */
export const setFastBatchMatMul = lever.set;

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** The wasm backend's BatchMatMul with batched and transposed products on the SIMD kernel. */
export function fastBatchMatMulKernel(fallback: KernelConfig): KernelConfig {
  return lever.over(fallback, ({ inputs, backend, attrs }) => {
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    // Plain products stay on XNNPACK: ours was no faster there in a training step (paired ratio
    // 1.04, IQR 1.00–1.08) nor in the teacher's forward + backward (0.99, 0.97–1.02).
    const plain = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
    // Broadcasting only where one side is a single matrix (the other cases go to tfjs).
    const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    const supported = a.dtype === 'float32' && b.dtype === 'float32' && (sameOuter || batchA === 1 || batchB === 1);
    if (plain || !supported || !f32KernelsAvailable()) return null;
    const wb = backend as unknown as WasmHeapBackend;
    const [ra, ca] = a.shape.slice(-2);
    const [rb, cb] = b.shape.slice(-2);
    const M = transposeA ? ca : ra;
    const N = transposeB ? rb : cb;
    const outer = batchA >= batchB ? outerA : outerB;
    const out = wb.makeOutput([...outer, M, N], 'float32');
    // every view is taken after makeOutput, which may grow the heap
    const operands = {
      a: wb.typedArrayFromHeap(a),
      aShape: [batchA, ra, ca],
      b: wb.typedArrayFromHeap(b),
      bShape: [batchB, rb, cb],
    } as const;
    batchMatMulInto({ ...operands, transposeA, transposeB }, wb.typedArrayFromHeap(out));
    return out;
  });
}
