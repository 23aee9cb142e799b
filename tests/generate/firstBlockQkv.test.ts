import { describe, expect, it } from 'vitest';
import { FirstBlockQkv, type FirstBlockWeights } from '../../src/lib/generate/firstBlockQkv';
import { HostDense } from '../../src/lib/generate/hostDense';
import { Student, trajDimOf } from '../../src/lib/models/student';
import { makeCity, TINY_STUDENT } from '../models/studentFixture';
import { makeRng } from '../../src/lib/random';

// The first block's LayerNorm + qkv from per-road and per-time tables (generate/firstBlockQkv.ts)
// against the product computed row by row in float64: rows that share a road or a time feature
// reuse what an earlier row computed, so every row must still get its own LayerNorm.

const D = 20;
const ROAD_DIM = 12;

function weights(seed: number): FirstBlockWeights {
  const rnd = makeRng(seed);
  const v = (n: number, s = 1, c = 0): Float32Array => Float32Array.from({ length: n }, () => c + s * (rnd() - 0.5));
  return { w: v(D * 3 * D), b: v(3 * D), gamma: v(D, 0.4, 1), beta: v(D, 0.2), eps: 1e-5, D, roadDim: ROAD_DIM };
}

/** LN(x)·W + b of one row, float64, the textbook order. */
function reference(p: FirstBlockWeights, x: Float32Array): Float64Array {
  const mean = x.reduce((a, v) => a + v, 0) / D;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / D;
  const ln = Array.from(x, (v, k) => ((v - mean) / Math.sqrt(variance + p.eps)) * p.gamma[k] + p.beta[k]);
  const out = new Float64Array(3 * D);
  for (let j = 0; j < 3 * D; j++) {
    let s = p.b ? p.b[j] : 0;
    for (let k = 0; k < D; k++) s += ln[k] * p.w[k * 3 * D + j];
    out[j] = s;
  }
  return out;
}

describe('the first block qkv from tables', () => {
  it('matches LayerNorm + qkv row by row, with roads and times shared between rows', () => {
    const p = weights(3);
    const rnd = makeRng(9);
    const roadRows = Array.from({ length: 5 }, () => Float32Array.from({ length: ROAD_DIM }, () => 2 * (rnd() - 0.5)));
    const timeRows = new Map<number, Float32Array>(
      [0.25, -0.5, 0.75].map((f) => [Math.fround(f), Float32Array.from({ length: D - ROAD_DIM }, () => rnd() - 0.3)]),
    );
    const features = [...timeRows.keys()];
    // 12 rows over 5 roads and 3 times: most rows reuse a half another row computed.
    const R = 12;
    const roads = Int32Array.from({ length: R }, (_, r) => (r * 3) % 5);
    const timeFeatures = Float32Array.from({ length: R }, (_, r) => features[r % 3]);
    const ld = D + 4; // a row stride wider than the row, as the kernels' padded rows
    const x = new Float32Array(R * ld);
    for (let r = 0; r < R; r++) {
      x.set(roadRows[roads[r]], r * ld);
      x.set(timeRows.get(timeFeatures[r])!, r * ld + ROAD_DIM);
    }
    const first = new FirstBlockQkv(p, 5);
    const ldo = 3 * D + 4;
    const out = new Float32Array(2 + R * ldo);
    first.qkv(x, 0, ld, R, { roads, timeFeatures }, out, 2, ldo);
    let worst = 0;
    for (let r = 0; r < R; r++) {
      const want = reference(p, x.subarray(r * ld, r * ld + D));
      for (let j = 0; j < 3 * D; j++) {
        const d = Math.abs(out[2 + r * ldo + j] - want[j]);
        worst = Math.max(worst, d / Math.max(1, Math.abs(want[j])));
      }
    }
    expect(worst).toBeLessThan(2e-6);
    // The rows differ: the comparison is not of one row twelve times.
    expect(out[2]).not.toBe(out[2 + ldo]);
  });

  it('is what HostDense gives for keyed input rows, within rounding of its LayerNorm + product', async () => {
    const city = makeCity(7, 30, 6, 4);
    const student = new Student(city.derived, TINY_STUDENT, 5);
    const Dm = trajDimOf(student.config);
    const roadDim = Dm - TINY_STUDENT.timeDim;
    const nRoads = city.net.roads.length;
    const plain = await HostDense.create(student);
    const keyed = await HostDense.create(student, null, { roadDim, nRoads });
    const R = 9;
    const rnd = makeRng(4);
    const roadRows = Array.from({ length: nRoads }, () => Float32Array.from({ length: roadDim }, () => rnd() - 0.5));
    const time = Float32Array.from({ length: Dm - roadDim }, () => rnd() - 0.5);
    const roads = Int32Array.from({ length: R }, (_, r) => (r * 7) % nRoads);
    const timeFeatures = new Float32Array(R).fill(0.5);
    const x0 = new Float32Array(R * Dm);
    for (let r = 0; r < R; r++) {
      x0.set(roadRows[roads[r]], r * Dm);
      x0.set(time, r * Dm + roadDim);
    }
    const want = plain.qkv(plain.input(x0, R), 0).slice();
    const got = keyed.qkv(keyed.input(x0, R, { roads, timeFeatures }), 0).slice();
    const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
    expect(worst).toBeLessThan(1e-5);
    expect(worst).toBeGreaterThan(0); // two computations, not one
    student.dispose();
  });
});
