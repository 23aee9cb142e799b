// The in-heap Slice and SplitV on wasm (models/sliceKernels.ts, training lever `fastSlice`): the same
// values as tfjs-wasm's own kernels for every rank, dtype and cut that tfjs hands them (trailing axes
// whole or cut, a cut leading axis, empty parts, begins and sizes given as -1), the heap copy really
// answering, and student training steps giving the same losses and weights, bit for bit, with the
// lever on and off, without leaking tensors.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fastSlices, setFastSlice } from '../../src/lib/models/sliceKernels';
import { installFastKernels } from '../../src/lib/models/layers';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { expectLeverBitIdentical } from './studentFixture';

afterAll(async () => {
  setFastSlice(true);
  await tf.setBackend('cpu');
});

/** Each case's results with the lever on and off (tfjs-wasm's kernels), and how many calls ours answered. */
function both(f: () => tf.Tensor[]): { on: number[][]; off: number[][]; ours: number } {
  const run = (on: boolean) => {
    setFastSlice(on);
    const out = f();
    const vals = out.map((t) => Array.from(t.dataSync()));
    tf.dispose(out);
    return vals;
  };
  const before = fastSlices();
  const on = run(true);
  const ours = fastSlices() - before;
  const off = run(false);
  setFastSlice(true);
  expect(fastSlices() - before).toBe(ours);
  return { on, off, ours };
}

describe('in-heap Slice and SplitV on wasm', () => {
  it('cut like tfjs-wasm for every rank, dtype and cut', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    installFastKernels();
    const x4 = tf.range(0, 2 * 3 * 4 * 5).reshape([2, 3, 4, 5]);
    const xi = tf.range(0, 60, 1, 'int32').reshape([6, 10]);
    const xb = tf.tensor1d([1, 0, 1, 1, 0, 0, 1], 'bool');
    const x5 = tf.range(0, 2 * 2 * 3 * 2 * 4).reshape([2, 2, 3, 2, 4]);
    const { on, off, ours } = both(() => [
      tf.slice(x4, [1, 0, 0, 0], [1, 3, 4, 5]), // leading axis only: one run
      tf.slice(x4, [0, 1, 0, 2], [2, 2, 4, 3]), // last axis cut
      tf.slice(x4, [0, 0, 1, 0], [-1, -1, 2, -1]), // inner axis cut, trailing whole
      tf.slice(xi, [2, 3], [3, 4]),
      tf.slice(xb, [2], [4]),
      tf.slice(x5, [1, 0, 1, 1, 1], [1, 2, 2, 1, 2]), // rank 5 (tfjs-wasm's CPU path)
      tf.slice(x4, [0, 0, 0, 0], [2, 0, 4, 5]), // empty
      ...tf.split(x4, [1, 2, 1], 2),
      ...tf.split(xi, [4, 0, 6], 1),
      ...tf.split(x4, 2, 0),
    ]);
    expect(on).toEqual(off);
    expect(ours).toBe(7 + 3);
    tf.dispose([x4, xi, xb, x5]);
  });

  it('a student on wasm trains to the same bits with the lever on and off, tensor count steady', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    expectLeverBitIdentical('fastSlice', fastSlices);
  });
});
