// The teacher's row-wise log-sum-exp on the wasm SIMD kernels (models/softmaxKernel.ts) against
// tfjs's own ops: value and gradient within 1e-5 relative, on widths that leave a tail of 1–3
// columns, rows of very different scales, and the teacher's real vocabulary width.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { fastLogSumExpActive, fastLogSumExpRows, setFastLogSumExp } from '../../src/lib/models/softmaxKernel';
import { logSumExpRows } from '../../src/lib/models/teacher';
import { makeRng } from '../../src/lib/random';

afterAll(async () => {
  setFastLogSumExp(true);
  await tf.setBackend('cpu');
});

function matrix(M: number, N: number, seed: number): tf.Tensor2D {
  const r = makeRng(seed);
  // Row scales from 0.1 to 40: flat rows and rows dominated by one entry.
  const v = Float32Array.from({ length: M * N }, (_, i) => (r() * 2 - 1) * (0.1 + 40 * (Math.floor(i / N) / Math.max(1, M - 1))));
  return tf.tensor2d(v, [M, N]);
}

describe('SIMD log-sum-exp over rows (wasm)', () => {
  it('runs on wasm, and gives tfjs’s values and gradients', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    expect(fastLogSumExpActive()).toBe(true);
    for (const [M, N, seed] of [
      [3, 1, 1],
      [5, 6, 2],
      [7, 13, 3],
      [9, 8061, 4],
    ]) {
      const x = matrix(M, N, seed);
      const dy = tf.tensor1d(Array.from({ length: M }, (_, i) => 1 + i / 3));
      const run = (fast: boolean) => {
        setFastLogSumExp(fast);
        const f = (t: tf.Tensor) => tf.sum(tf.mul(logSumExpRows(t), dy));
        const { value, grad } = tf.valueAndGrad(f)(x);
        const lse = logSumExpRows(x);
        const out = { value: value.dataSync()[0], grad: grad.dataSync().slice(), lse: lse.dataSync().slice() };
        tf.dispose([value, grad, lse]);
        return out;
      };
      const slow = run(false);
      const fast = run(true);
      expect(Math.abs(fast.value - slow.value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(slow.value)));
      fast.lse.forEach((v, i) =>
        expect(Math.abs(v - slow.lse[i]), `lse ${M}×${N} row ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(slow.lse[i]))),
      );
      fast.grad.forEach((v, i) =>
        expect(Math.abs(v - slow.grad[i]), `grad ${M}×${N} [${i}]`).toBeLessThan(1e-5 * Math.max(1e-3, Math.abs(slow.grad[i]))),
      );
      tf.dispose([x, dy]);
    }
    setFastLogSumExp(true);
  });

  it('is the path logSumExpRows takes on wasm (and not with the switch off)', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    const x = matrix(2, 5, 9);
    const names = async () => (await tf.profile(() => tf.tidy(() => logSumExpRows(x)))).kernels.map((k) => k.name);
    expect(await names()).toContain('TrajDistillRowLogSumExp');
    setFastLogSumExp(false);
    expect(await names()).not.toContain('TrajDistillRowLogSumExp');
    setFastLogSumExp(true);
    // Direct use works as well.
    const y = fastLogSumExpRows(x);
    expect(y.shape).toEqual([2]);
    tf.dispose([x, y]);
  });
});
