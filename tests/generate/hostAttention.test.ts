import { describe, expect, it } from 'vitest';
import { dotScores, weightedValues } from '../../src/lib/generate/hostAttention';
import { makeRng } from '../../src/lib/random';

// The blocked kernels must give the plain loops' results bit for bit (the search's routes depend on it).
describe('host attention kernels', () => {
  const rand = makeRng(7);
  const dh = 16;
  const hOff = 16;
  for (const n of [1, 3, 4, 7, 13]) {
    it(`equal the plain loops exactly (n = ${n})`, () => {
      const kArr = Array.from({ length: n }, () => Float32Array.from({ length: 80 }, () => rand() * 2 - 1));
      const kOff = Int32Array.from({ length: n }, (_, t) => t % 3);
      const vOff = Int32Array.from({ length: n }, (_, t) => 40 + (t % 5));
      const rows = { n, kArr, kOff, vOff };
      const qh = Float64Array.from({ length: dh }, () => Math.fround(rand() - 0.5));
      const scores = new Float64Array(n);
      dotScores(qh, dh, rows, hOff, scores);
      const w = Float64Array.from({ length: n }, () => rand());
      const sum = w.reduce((a, b) => a + b, 0);
      const acc = new Float64Array(dh).fill(9); // stale values must not leak in
      weightedValues(w, sum, dh, rows, hOff, acc);
      for (let t = 0; t < n; t++) {
        let s = 0;
        for (let i = 0; i < dh; i++) s += qh[i] * kArr[t][kOff[t] + hOff + i];
        expect(scores[t]).toBe(s);
      }
      const ref = new Float64Array(dh);
      for (let t = 0; t < n; t++) {
        const a = w[t] / sum;
        for (let i = 0; i < dh; i++) ref[i] += a * kArr[t][vOff[t] + hOff + i];
      }
      expect(Array.from(acc)).toEqual(Array.from(ref));
    });
  }
});
