// The WebAssembly SIMD batched matmul (models/batchMatMulKernel.ts) against a float64 reference
// on shapes with every kind of tail (rows not a multiple of 4, columns not a multiple of 8), both
// transposes and broadcasting; then installed as tfjs-wasm's BatchMatMul: the same products as
// tfjs's own kernel (1e-5), through the gradient too, and a student training step with the lever on
// and off gives the same losses.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batchMatMulInto, fastBatchMatMulCalls, setFastBatchMatMul } from '../../src/lib/models/batchMatMulKernel';
import { installFastKernels } from '../../src/lib/models/layers';
import { f32KernelsAvailable } from '../../src/lib/models/f32Kernels';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_ON } from '../../src/lib/train/trainingLevers';
import { makeCity, TINY_STUDENT } from './studentFixture';

function randoms(n: number, seed: number): Float32Array {
  const r = makeRng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** op(A)·op(B) per batch entry in float64. */
function reference(
  a: Float32Array,
  [ba, ra, ca]: [number, number, number],
  b: Float32Array,
  [bb, rb, cb]: [number, number, number],
  tA: boolean,
  tB: boolean,
): Float64Array {
  const M = tA ? ca : ra;
  const K = tA ? ra : ca;
  const N = tB ? rb : cb;
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * M * N);
  for (let e = 0; e < batch; e++) {
    const ao = (ba === 1 ? 0 : e) * ra * ca;
    const bo = (bb === 1 ? 0 : e) * rb * cb;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ao + (tA ? k * ca + i : i * ca + k)] * b[bo + (tB ? j * cb + k : k * cb + j)];
        out[(e * M + i) * N + j] = s;
      }
  }
  return out;
}

describe('SIMD batched matmul', () => {
  afterAll(async () => {
    setFastBatchMatMul(true);
    await tf.setBackend('cpu');
  });

  it('runs here (Node has WebAssembly SIMD)', () => {
    expect(f32KernelsAvailable()).toBe(true);
  });

  it('matches a float64 reference for tails, transposes and broadcasting', () => {
    let seed = 1;
    for (const [batchA, batchB] of [
      [1, 1],
      [3, 3],
      [1, 4],
      [5, 1],
    ])
      for (const [M, K, N] of [
        [1, 1, 1],
        [4, 8, 8],
        [5, 3, 9],
        [7, 64, 13],
        [56, 64, 56],
        [13, 17, 64],
      ])
        for (const tA of [false, true])
          for (const tB of [false, true]) {
            const aShape: [number, number, number] = tA ? [batchA, K, M] : [batchA, M, K];
            const bShape: [number, number, number] = tB ? [batchB, N, K] : [batchB, K, N];
            const a = randoms(aShape[0] * aShape[1] * aShape[2], seed++);
            const b = randoms(bShape[0] * bShape[1] * bShape[2], seed++);
            const batch = Math.max(batchA, batchB);
            // Poison the output: every element must be written.
            const out = new Float32Array(batch * M * N).fill(Number.NaN);
            batchMatMulInto({ a, aShape, b, bShape, transposeA: tA, transposeB: tB }, out);
            const ref = reference(a, aShape, b, bShape, tA, tB);
            const label = `batch ${batchA}/${batchB}, ${M}×${K}×${N}, tA ${tA}, tB ${tB}`;
            for (let i = 0; i < ref.length; i++)
              expect(Math.abs(out[i] - ref[i]), `${label} [${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(K)));
          }
  });

  it('replaces tfjs-wasm BatchMatMul for batched and transposed products, value and gradient', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    installFastKernels(); // as the models do on construction
    const a = tf.tensor4d(randoms(2 * 3 * 11 * 24, 90), [2, 3, 11, 24]);
    const b = tf.tensor4d(randoms(2 * 3 * 24 * 13, 91), [2, 3, 24, 13]);
    const probe = tf.tensor4d(randoms(2 * 3 * 11 * 13, 92), [2, 3, 11, 13]);
    const run = (fast: boolean) => {
      setFastBatchMatMul(fast);
      const before = fastBatchMatMulCalls();
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), probe));
      const { value, grads } = tf.valueAndGrads(f)([a, b]);
      const kt = tf.matMul(a, tf.transpose(b, [0, 1, 3, 2]), false, true);
      const out = {
        value: value.dataSync()[0],
        ga: grads[0].dataSync().slice(),
        gb: grads[1].dataSync().slice(),
        kt: kt.dataSync().slice(),
      };
      tf.dispose([value, ...grads, kt]);
      return { ...out, calls: fastBatchMatMulCalls() - before };
    };
    try {
      const slow = run(false);
      const fast = run(true);
      expect(slow.calls).toBe(0);
      expect(fast.calls).toBeGreaterThanOrEqual(4); // forward, both gradients, the transposed product
      expect(Math.abs(fast.value - slow.value)).toBeLessThan(1e-4);
      for (const k of ['ga', 'gb', 'kt'] as const)
        fast[k].forEach((v, i) => expect(Math.abs(v - slow[k][i]), `${k}[${i}]`).toBeLessThan(1e-5 * 8));
    } finally {
      tf.dispose([a, b, probe]);
    }
  });

  it('a student training step on wasm gives the same losses with the lever on and off', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    const city = makeCity(5, 40, 16, 4);
    const losses = (fast: boolean) => {
      const t = new StudentTrainer({
        network: city.net,
        derived: city.derived,
        train: city.ds.splits.train,
        studentConfig: TINY_STUDENT,
        options: {
          batchSize: 12,
          microBatch: 12,
          epochs: 2,
          lr: 5e-3,
          warmupRatio: 0,
          seed: 3,
          ...TRAINING_LEVERS_ON,
          fastBatchMatMul: fast,
        },
      });
      try {
        const before = fastBatchMatMulCalls();
        const out = [0, 1, 2].map(() => t.step().total);
        return { out, calls: fastBatchMatMulCalls() - before };
      } finally {
        t.dispose();
      }
    };
    const off = losses(false);
    const on = losses(true);
    expect(off.calls).toBe(0);
    expect(on.calls).toBeGreaterThan(0);
    on.out.forEach((v, i) => expect(Math.abs(v - off.out[i]), `step ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  });
});
