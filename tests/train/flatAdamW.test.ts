// The concatenated AdamW update (train/flatAdamW.ts, the fusedAdamW lever on WebGPU and WebGL)
// against the composed one (optim.ts, lever off), on cpu: the same weights and moments over steps
// with clipping and weight decay, the same refusal of a non-finite gradient, a flat tensor count,
// and far fewer kernels per step.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { AdamW, DEFAULT_OPTIM, type OptimConfig } from '../../src/lib/train/optim';
import { makeRng } from '../../src/lib/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES: number[][] = [[7, 5], [5], [3, 4, 2], [9], [6, 6], [1]];
const CFG: OptimConfig = { ...DEFAULT_OPTIM, warmupSteps: 2, totalSteps: 10, clipNorm: 0.5 };

function makeVars(prefix: string): tf.Variable[] {
  const rng = makeRng(5);
  return SHAPES.map((s, i) =>
    tf.variable(
      tf.tensor(
        Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1),
        s,
      ),
      true,
      `${prefix}${i}`,
    ),
  );
}

function gradsFor(vars: tf.Variable[], step: number, scale = 1): tf.NamedTensorMap {
  const rng = makeRng(100 + step);
  const out: tf.NamedTensorMap = {};
  for (const v of vars)
    out[v.name] = tf.tensor(
      Float32Array.from({ length: v.size }, () => (rng() * 2 - 1) * scale),
      v.shape,
    );
  return out;
}

let made = 0;

/** Two optimisers over twin variables: the composed update and the concatenated one. */
function twins(): { a: AdamW; b: AdamW; va: tf.Variable[]; vb: tf.Variable[] } {
  made++;
  const va = makeVars(`composed${made}/`);
  const vb = makeVars(`flat${made}/`);
  const a = new AdamW(va, CFG);
  const b = new AdamW(vb, CFG);
  b.fused = true;
  b.fusedPath = 'flat';
  return { a, b, va, vb };
}

/** Same values, renamed: the twins' gradients for one step. */
function sameGrads(va: tf.Variable[], vb: tf.Variable[], step: number, scale = 1): [tf.NamedTensorMap, tf.NamedTensorMap] {
  const ga = gradsFor(va, step, scale);
  const gb: tf.NamedTensorMap = {};
  vb.forEach((v, i) => (gb[v.name] = ga[va[i].name].clone()));
  return [ga, gb];
}

describe('AdamW over the variables concatenated (flatAdamW)', () => {
  it('gives the composed update: weights, moments and norms over steps that clip and decay', () => {
    const { a, b, va, vb } = twins();
    for (let step = 1; step <= 6; step++) {
      const [ga, gb] = sameGrads(va, vb, step, step % 2 ? 3 : 0.05); // odd steps clip, even ones do not
      const ra = a.step(ga);
      const rb = b.step(gb);
      expect(rb.finite).toBe(true);
      expect(rb.lr).toBe(ra.lr);
      expect(Math.abs(rb.gradNorm - ra.gradNorm) / ra.gradNorm).toBeLessThan(1e-6);
      tf.dispose([ga, gb].flatMap((g) => Object.values(g)));
    }
    const sa = a.getState();
    const sb = b.getState();
    expect(sb.step).toBe(sa.step);
    va.forEach((v, i) => {
      const w = v.dataSync();
      const w2 = vb[i].dataSync();
      const m = sa.m[`composed${made}/${i}`];
      const m2 = sb.m[`flat${made}/${i}`];
      for (let k = 0; k < w.length; k++) {
        expect(Math.abs(w2[k] - w[k]), `w${i}[${k}]`).toBeLessThan(1e-6 * (1 + Math.abs(w[k])));
        expect(Math.abs(m2[k] - m[k]), `m${i}[${k}]`).toBeLessThan(1e-6 * (1e-3 + Math.abs(m[k])));
      }
    });
    a.dispose();
    b.dispose();
    tf.dispose([...va, ...vb]);
  });

  it('refuses a non-finite gradient and updates nothing', () => {
    const { a, b, va, vb } = twins();
    a.dispose();
    tf.dispose(va);
    const before = vb.map((v) => Float32Array.from(v.dataSync()));
    const g = gradsFor(vb, 1);
    const poisoned = g[vb[2].name].dataSync().slice();
    poisoned[3] = NaN;
    g[vb[2].name].dispose();
    g[vb[2].name] = tf.tensor(poisoned, vb[2].shape);
    const r = b.step(g);
    expect(r.finite).toBe(false);
    expect(b.stepCount).toBe(0);
    vb.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(before[i])));
    tf.dispose(Object.values(g));
    b.dispose();
    tf.dispose(vb);
  });

  it('keeps the tensor count flat across steps, a subset of the variables included', async () => {
    const { a, b, va, vb } = twins();
    a.dispose();
    tf.dispose(va);
    const run = async (vars: tf.Variable[], step: number) => {
      const g = gradsFor(vars, step);
      await b.stepAsync(g);
      tf.dispose(Object.values(g));
    };
    await run(vb, 1);
    const count = tf.memory().numTensors;
    for (let step = 2; step <= 5; step++) await run(vb, step);
    expect(tf.memory().numTensors).toBe(count);
    await run(vb.slice(0, 3), 6); // another set of names: its own decay mask, the old one freed
    await run(vb, 7);
    expect(tf.memory().numTensors).toBe(count);
    b.dispose();
    tf.dispose(vb);
  });

  it('dispatches a fixed number of kernels whatever the number of variables, where the composed update adds ~21 each', async () => {
    // Kernels of one step over n variables, Reshape (a view, no work on any backend) apart.
    const kernels = async (n: number, flat: boolean): Promise<number> => {
      made++;
      const vars = Array.from({ length: n }, (_, i) => tf.variable(tf.ones(i % 2 ? [4, 3] : [5]), true, `count${made}/${i}`));
      const o = new AdamW(vars, CFG);
      o.fused = flat;
      o.fusedPath = 'flat';
      const g: tf.NamedTensorMap = {};
      for (const v of vars) g[v.name] = tf.onesLike(v);
      const info = await tf.profile(() => {
        o.step(g);
        return tf.scalar(0);
      });
      o.dispose();
      tf.dispose([...vars, ...Object.values(g)]);
      return info.kernels.filter((k) => k.name !== 'Reshape').length;
    };
    const [composed6, composed12, flat6, flat12] = [
      await kernels(6, false),
      await kernels(12, false),
      await kernels(6, true),
      await kernels(12, true),
    ];
    expect((composed12 - composed6) / 6).toBeGreaterThanOrEqual(18);
    expect(flat12).toBe(flat6); // on cpu the split back is one kernel; on WebGPU, one slice per variable and tensor
    expect(flat6).toBeLessThan(composed6 / 3);
  });
});
