// UnsortedSegmentSum on wasm (f32Kernels.wat segmentSum, in tfjs's memory) against the JS loop
// (layers.ts segmentSumValues): the same bits, with row widths that leave a tail past the last
// vector of four, ids out of range (dropped), and empty segments.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { installFastKernels, segmentSumValues } from '../../src/lib/models/layers';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('UnsortedSegmentSum on wasm', () => {
  it('gives the JS loop’s bits', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    installFastKernels();
    const rng = makeRng(12);
    for (const [rows, inner, segments] of [
      [300, 64, 40],
      [101, 7, 13],
      [50, 1, 9],
      [20, 3, 30],
    ]) {
      const x = Float32Array.from({ length: rows * inner }, () => rng() * 2 - 1);
      // Mostly in range; some −1 and some past the last segment, which are dropped.
      const ids = Int32Array.from({ length: rows }, (_, i) =>
        i % 17 === 5 ? -1 : i % 19 === 7 ? segments + 2 : Math.floor(rng() * segments),
      );
      const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [rows, inner]), tf.tensor1d(ids, 'int32'), segments));
      expect(got.shape).toEqual([segments, inner]);
      expect(Array.from(got.dataSync())).toEqual(Array.from(segmentSumValues(x, ids, inner, segments)));
      got.dispose();
    }
  });
});
