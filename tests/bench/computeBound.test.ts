import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { bestRates, matmulWork } from '../../bench/suites/computeBound';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('matmulWork', () => {
  it('counts 2·m·k·n per matmul, batched and transposed alike, and nothing else', async () => {
    const a = tf.ones([3, 4]);
    const b = tf.ones([4, 5]);
    const ab = tf.ones([2, 3, 4]);
    const bb = tf.ones([2, 4, 5]);
    const at = tf.ones([4, 3]); // contracted over its first dimension
    const work = await matmulWork(() => {
      tf.tidy(() => {
        tf.matMul(a, b);
        tf.matMul(ab, bb);
        tf.matMul(at, b, true, false);
        tf.add(a, 1);
      });
    });
    // 2·3·4·5 = 120 three times over: once plain, twice in the batch (m folds the batch), once transposed.
    expect(work.gflop * 1e9).toBeCloseTo(120 + 240 + 120, 6);
    const shapes = work.byShape.map((s) => s.shape.join('x')).sort();
    expect(shapes).toEqual(['3x4x5', '6x4x5']);
    tf.dispose([a, b, ab, bb, at]);
  });

  it('counts the backward pass of a gradient too', async () => {
    const x = tf.ones([8, 16]);
    const w = tf.variable(tf.ones([16, 4]));
    const work = await matmulWork(() => {
      tf.tidy(() => tf.variableGrads(() => tf.sum(tf.matMul(x, w)) as tf.Scalar, [w]));
    });
    // Forward 2·8·16·4 plus the weight gradient xᵀ·dy (2·16·8·4); the input needs no gradient.
    expect(work.gflop * 1e9).toBeGreaterThanOrEqual(2 * (2 * 8 * 16 * 4) - 1e-6);
    tf.dispose([x, w]);
  });
});

describe('bestRates', () => {
  it('keeps the larger rate of each shape from two measurements, and shapes measured once', () => {
    expect(bestRates({ '32x128x512': 12, '256x128x512': 31 }, { '32x128x512': 28, '256x128x512': 30, '1x1x1': 1 })).toEqual({
      '32x128x512': 28,
      '256x128x512': 31,
      '1x1x1': 1,
    });
  });
});
