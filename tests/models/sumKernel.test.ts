// The leading-axes Sum on wasm (models/sumKernel.ts, training lever `fastSum`) against tfjs-wasm's
// own Sum: the same bits on shapes with column tails (C not a multiple of 16 or 4), keepDims, and
// several leading axes; other reductions are left to tfjs.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fastSumCalls, setFastSum } from '../../src/lib/models/sumKernel';
import { installFastKernels } from '../../src/lib/models/layers';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';

afterAll(async () => {
  setFastSum(true);
  await tf.setBackend('cpu');
});

describe('leading-axes Sum on wasm', () => {
  it('gives tfjs-wasm’s bits and runs only where the axes lead', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    installFastKernels();
    const rng = makeRng(9);
    const cases: Array<[number[], number | number[], boolean, boolean]> = [
      // shape, axis, keepDims, runs on colSum
      [[2048, 128], 0, false, true],
      [[37, 21], 0, true, true],
      [[5, 3], [0], false, true],
      [[4, 6, 7], [0, 1], false, true],
      [[3, 4, 5], [0, 1], true, true],
      // Leading axes listed out of order: tfjs sums them in another order, so tfjs does it.
      [[3, 4, 5], [1, 0], true, false],
      [[9, 13], 1, false, false],
      [[9, 13], [0, 1], false, false],
      [[4, 6, 7], [0, 2], false, false],
    ];
    for (const [shape, axis, keepDims, fast] of cases) {
      const x = tf.tensor(
        Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, () => rng() * 2 - 1),
        shape,
      );
      setFastSum(false);
      const ref = tf.sum(x, axis, keepDims);
      setFastSum(true);
      const before = fastSumCalls();
      const got = tf.sum(x, axis, keepDims);
      expect(fastSumCalls() - before, `${shape} ${axis}`).toBe(fast ? 1 : 0);
      expect(got.shape).toEqual(ref.shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(ref.dataSync()));
      tf.dispose([x, ref, got]);
    }
  });
});
