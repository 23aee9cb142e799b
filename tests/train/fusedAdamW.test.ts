// The fused AdamW update (train/fusedAdamW.ts) against the formula in float64, on cpu (float64 per
// element) and on wasm (the SIMD kernel in f32 lanes, the tail past its last vector of four in
// JS): new weights and moments within float32 rounding, and the count of non-finite new weights.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fusedAdamWAvailable, fusedAdamWSimdCalls, fusedAdamWUpdate, type AdamWAttrs } from '../../src/lib/train/fusedAdamW';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const attrs: AdamWAttrs = {
  beta1: 0.9,
  beta2: 0.999,
  bc1: 1 - 0.9 ** 3,
  bc2: 1 - 0.999 ** 3,
  eps: 1e-8,
  lr: 1e-3,
  decayFactor: 1 - 1e-3 * 0.01,
};

describe('fused AdamW', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches the formula in float64 and counts non-finite weights (${backend})`, async () => {
      if (backend === 'wasm') expect((await initNodeBackend('wasm')).name).toBe('wasm');
      else await tf.setBackend('cpu');
      expect(fusedAdamWAvailable()).toBe(true);
      const rng = makeRng(2);
      const n = 1027; // 256 vectors of four and a tail of three
      const r = (s: number) => Float32Array.from({ length: n }, () => (rng() * 2 - 1) * s);
      const w = r(1);
      const m = r(0.01);
      const v = Float32Array.from(r(1e-4), Math.abs);
      const g = r(0.1);
      g[5] = Infinity; // one poisoned gradient: its weight is not finite
      const clip = 0.5;
      const calls = fusedAdamWSimdCalls();
      const t = [w, m, v, g].map((a) => tf.tensor1d(a));
      const out = fusedAdamWUpdate(t[0], t[1], t[2], t[3], tf.scalar(clip), attrs);
      const [w2, m2, v2, bad] = out.map((o) => o.dataSync());
      expect(fusedAdamWSimdCalls() - calls).toBe(backend === 'wasm' ? 1 : 0);
      expect(bad[0]).toBe(1);
      const step = attrs.lr / attrs.bc1;
      for (let i = 0; i < n; i++) {
        if (i === 5) continue;
        const gi = g[i] * clip;
        const mi = m[i] * attrs.beta1 + gi * (1 - attrs.beta1);
        const vi = v[i] * attrs.beta2 + gi * gi * (1 - attrs.beta2);
        const wi = w[i] * attrs.decayFactor - (mi / (Math.sqrt(vi / attrs.bc2) + attrs.eps)) * step;
        // float32 rounding relative to the terms summed (a sum that cancels keeps their rounding).
        const tol = (...terms: number[]) => 1e-6 * terms.reduce((a, c) => a + Math.abs(c), 0) + 1e-12;
        expect(Math.abs(m2[i] - mi), `m[${i}]`).toBeLessThan(tol(m[i] * attrs.beta1, gi * (1 - attrs.beta1)));
        expect(Math.abs(v2[i] - vi), `v[${i}]`).toBeLessThan(tol(v[i] * attrs.beta2, gi * gi * (1 - attrs.beta2)));
        expect(Math.abs(w2[i] - wi), `w[${i}]`).toBeLessThan(tol(w[i] * attrs.decayFactor, wi - w[i] * attrs.decayFactor));
      }
      tf.dispose([...t, ...out]);
    });
  }
});
