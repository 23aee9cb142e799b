// The fused GELU on wasm (models/geluKernel.ts, training lever `fusedGelu`) against tfjs's composed
// erf form: values and gradients within float32 rounding of the erf and exp approximations, on a
// size with a tail past the last vector of four; the kernel really runs; and student training
// steps on wasm give the same losses with the lever on and off.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fastGelu, fastGeluActive, setFastGelu } from '../../src/lib/models/geluKernel';
import { gelu } from '../../src/lib/models/layers';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_ON } from '../../src/lib/train/trainingLevers';
import { makeCity, TINY_STUDENT } from './studentFixture';

afterAll(async () => {
  setFastGelu(true);
  await tf.setBackend('cpu');
});

describe('fused GELU on wasm', () => {
  it('matches the composed erf form in value and gradient', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    setFastGelu(true);
    expect(fastGeluActive()).toBe(true);
    const rng = makeRng(4);
    // 1,027 values: 256 vectors of four and a tail of three; from −6 to 6 (both tails of erf).
    const x = tf.tensor2d(
      Float32Array.from({ length: 1027 }, () => (rng() * 2 - 1) * 6),
      [79, 13],
    );
    const probe = tf.tensor2d(
      Float32Array.from({ length: 1027 }, () => rng() * 2 - 1),
      [79, 13],
    );
    const valueAndGrad = (f: (t: tf.Tensor) => tf.Tensor) => {
      const g = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(f(t), probe)) as tf.Scalar);
      const { value, grad } = g(x);
      const y = tf.tidy(() => f(x));
      const out = { y: Array.from(y.dataSync()), value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
      tf.dispose([value, grad, y]);
      return out;
    };
    setFastGelu(false);
    const ref = valueAndGrad(gelu);
    setFastGelu(true);
    const fast = valueAndGrad(fastGelu);
    fast.y.forEach((v, i) => expect(Math.abs(v - ref.y[i]), `y[${i}]`).toBeLessThan(2e-6 * Math.max(1, Math.abs(ref.y[i]))));
    fast.grad.forEach((v, i) => expect(Math.abs(v - ref.grad[i]), `grad[${i}]`).toBeLessThan(2e-6));
    expect(Math.abs(fast.value - ref.value)).toBeLessThan(1e-4);
    // The gradient is not trivially zero.
    expect(fast.grad.some((v) => Math.abs(v) > 0.1)).toBe(true);
    tf.dispose([x, probe]);
  });

  it('student steps on wasm give the same losses with the lever on and off', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    const city = makeCity(5, 40, 16, 4);
    const losses = async (fused: boolean) => {
      const t = new StudentTrainer({
        network: city.net,
        derived: city.derived,
        train: city.ds.splits.train,
        studentConfig: TINY_STUDENT,
        options: { batchSize: 12, microBatch: 12, epochs: 2, lr: 5e-3, warmupRatio: 0, seed: 3, ...TRAINING_LEVERS_ON, fusedGelu: fused },
      });
      try {
        const out: number[] = [];
        const info = await tf.profile(() => void out.push(t.step().total));
        out.push(t.step().total, t.step().total);
        return { out, kernels: new Set(info.kernels.map((k) => k.name)) };
      } finally {
        t.dispose();
      }
    };
    const off = await losses(false);
    const on = await losses(true);
    expect(off.kernels.has('TrajDistillGeluGrad')).toBe(false);
    expect(on.kernels.has('TrajDistillGelu')).toBe(true);
    expect(on.kernels.has('TrajDistillGeluGrad')).toBe(true);
    on.out.forEach((v, i) => expect(Math.abs(v - off.out[i]), `step ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  });
});
