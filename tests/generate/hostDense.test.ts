import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Student, trajDimOf } from '../../src/lib/models/student';
import { HostDense } from '../../src/lib/generate/hostDense';
import { batchContext, type BatchContext } from '../../src/lib/features/studentBatch';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import type { StepQuery, StepScores } from '../../src/lib/generate/search';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// The decoder's dense layers on the host's SIMD kernels (generate/hostDense.ts) against the same
// layers as tfjs ops: the same candidates, log-probs within 1e-5 and times within 1e-5 relative,
// step by step through incremental and cropped-window prefixes. The tiny student's widths are not
// multiples of 8, so the kernels' padded rows and columns are exercised too.

const START = 1_380_000_000;
let city: SynthCity;
let ctx: BatchContext;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(7, 30, 6, 4);
  ctx = batchContext(city.net, city.derived);
});

function expectClose(a: StepScores[], b: StepScores[]): number {
  let worst = 0;
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    expect(Array.from(x.candidates)).toEqual(Array.from(b[i].candidates));
    Array.from(x.logProbs).forEach((v, j) => {
      const d = Math.abs(v - b[i].logProbs[j]);
      worst = Math.max(worst, d);
      expect(d, `query ${i} candidate ${j}`).toBeLessThan(1e-5);
    });
    Array.from(x.timeSec!).forEach((v, j) => expect(Math.abs(v - b[i].timeSec![j])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
  });
  return worst;
}

describe('host dense layers of the route decoder', () => {
  // Model width 28 (LayerNorm four lanes at a time) at both window lengths, and 26 (its one-value
  // fallback, D not a multiple of 4).
  for (const [maxLen, timeDim] of [
    [64, 12],
    [3, 12],
    [64, 10],
  ]) {
    it(`score like the tfjs layers, prefixes of 1–6 roads, maxLen ${maxLen}, time width ${timeDim}`, async () => {
      const student = new Student(city.derived, { ...TINY_STUDENT, timeDim, navDim: 12 }, 31);
      expect(trajDimOf(student.config) % 4 === 0).toBe(timeDim === 12);
      const c: BatchContext = { ...ctx, maxLen };
      const host = new StudentScorer(student, c, city.derived, { startTime: START, denseOn: 'host' });
      const device = new StudentScorer(student, c, city.derived, { startTime: START, denseOn: 'device' });
      expect([host.denseOn, device.denseOn]).toEqual(['host', 'device']);
      const trips = city.ds.splits.train.filter((t) => t.roads.length >= 6).slice(0, 4);
      expect(trips.length).toBeGreaterThan(1);
      let worst = 0;
      for (let L = 1; L <= 6; L++) {
        const qs: StepQuery[] = trips.map((t) => ({ prefix: t.roads.slice(0, L), dest: t.roads[t.roads.length - 1] }));
        worst = Math.max(worst, expectClose(await host.scoreBatch(qs), await device.scoreBatch(qs)));
      }
      // Not bit-identical (other summation order, erf approximated): the comparison is not vacuous.
      expect(worst).toBeGreaterThan(0);
      if (maxLen === 3) expect(host.counts.window).toBeGreaterThan(0);
      host.dispose();
      device.dispose();
      student.dispose();
    });
  }
});

describe('host dense qkv, keys only (a prefill’s last block)', () => {
  it('gives the keys and values of the full product, bit for bit', async () => {
    // The tiny student as it is: model width 24, a multiple of 8, where the keys-only product runs.
    const student = new Student(city.derived, TINY_STUDENT, 5);
    const D = trajDimOf(student.config);
    expect(D % 8).toBe(0);
    const dense = await HostDense.create(student);
    const R = 7;
    const x0 = Float32Array.from({ length: R * D }, (_, i) => Math.sin(i * 0.37));
    for (let l = 0; l < student.config.layers; l++) {
      const full = dense.qkv(dense.input(x0, R), l).slice();
      const keys = dense.qkv(dense.input(x0, R), l, true).slice();
      for (let r = 0; r < R; r++)
        expect(keys.subarray(r * 3 * D + D, (r + 1) * 3 * D)).toEqual(full.subarray(r * 3 * D + D, (r + 1) * 3 * D));
      // The query columns are not what the full product gives: the product really was cut.
      dense.qkv(dense.input(new Float32Array(R * D), R), l);
      const cut = dense.qkv(dense.input(x0, R), l, true);
      expect(cut.subarray(0, D)).not.toEqual(full.subarray(0, D));
    }
    student.dispose();
  });
});
