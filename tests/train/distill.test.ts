import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { distillationLoss, teacherCandidateProbs, type DistillationInput } from '../../src/lib/train/distill';
import { entropy, klDivergence, softenedStudent, softenedTeacher } from '../../src/lib/train/distillMath';
import { makeRng } from '../../src/lib/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Case {
  n: number;
  c: number;
  teacher: number[][];
  logits: number[][];
  mask: number[][];
}

/** Random rows with 1..C valid candidates (first k valid) and one fully padded row. */
function randomCase(seed: number, n = 6, c = 5): Case {
  const rng = makeRng(seed);
  const teacher: number[][] = [];
  const logits: number[][] = [];
  const mask: number[][] = [];
  for (let r = 0; r < n; r++) {
    const k = r === n - 1 ? 0 : 1 + Math.floor(rng() * c);
    teacher.push(Array.from({ length: c }, () => rng() * 0.2 + 1e-4));
    logits.push(Array.from({ length: c }, (_, j) => (j < k ? (rng() - 0.5) * 6 : 1e6 * (rng() - 0.5))));
    mask.push(Array.from({ length: c }, (_, j) => (j < k ? 1 : 0)));
  }
  return { n, c, teacher, logits, mask };
}

/** Plain-JS reference: per-row τ²·KL over the valid prefix, and the closed-form gradient. */
function reference(cs: Case, tau: number, scaleTau = true, rowW?: number[]): { value: number; grad: number[][] } {
  const s = scaleTau ? tau * tau : 1;
  let num = 0;
  let den = 0;
  const klRows: number[] = [];
  const pq: { p: number[]; q: number[] }[] = [];
  for (let r = 0; r < cs.n; r++) {
    const k = cs.mask[r].filter((m) => m > 0).length;
    const q = softenedTeacher(cs.teacher[r].slice(0, k), tau);
    const p = softenedStudent(cs.logits[r].slice(0, k), tau);
    pq.push({ p, q });
    const kl = k > 0 ? klDivergence(q, p) : 0;
    klRows.push(kl);
    const w = (k > 0 ? 1 : 0) * (rowW ? rowW[r] : 1);
    num += w * kl;
    den += w;
  }
  const grad = cs.logits.map((row, r) => {
    const w = (pq[r].p.length > 0 ? 1 : 0) * (rowW ? rowW[r] : 1);
    return row.map((_, j) => (j < pq[r].p.length ? (s * w * (pq[r].p[j] - pq[r].q[j])) / (tau * den) : 0));
  });
  return { value: den > 0 ? (s * num) / den : 0, grad };
}

function run(cs: Case, opts: Partial<DistillationInput> & { tau: number }): { value: number; grad: number[][] } {
  const teacherProbs = tf.tensor2d(cs.teacher);
  const candidateMask = tf.tensor2d(cs.mask);
  const logits = tf.tensor2d(cs.logits);
  const g = tf.valueAndGrad((x: tf.Tensor) => distillationLoss({ ...opts, teacherProbs, candidateMask, studentLogits: x as tf.Tensor2D }));
  const { value, grad } = g(logits);
  const out = { value: value.dataSync()[0], grad: grad.arraySync() as number[][] };
  tf.dispose([teacherProbs, candidateMask, logits, value, grad]);
  return out;
}

describe('distillationLoss', () => {
  it('value and gradient match the closed form τ(p^τ − q^τ)/N on random inputs', () => {
    for (const [seed, tau] of [
      [1, 1],
      [2, 4.37],
      [3, 0.5],
      [4, 2.8],
    ] as const) {
      const cs = randomCase(seed);
      const ref = reference(cs, tau);
      const got = run(cs, { tau });
      expect(got.value).toBeGreaterThan(0);
      expect(got.value).toBeCloseTo(ref.value, 4);
      for (let r = 0; r < cs.n; r++) for (let j = 0; j < cs.c; j++) expect(got.grad[r][j]).toBeCloseTo(ref.grad[r][j], 5);
    }
  });

  it('padding candidates get zero gradient and zero teacher mass; a fully padded row is excluded', () => {
    const cs = randomCase(7);
    const got = run(cs, { tau: 3 });
    for (let r = 0; r < cs.n; r++) for (let j = 0; j < cs.c; j++) if (cs.mask[r][j] === 0) expect(Math.abs(got.grad[r][j])).toBe(0);
    expect(Number.isFinite(got.value)).toBe(true);
    // Zero mass: gather-renormalise by hand through teacherCandidateProbs + mask.
    const dist = tf.tensor2d([
      [0.1, 0.2, 0.3, 0.4],
      [0.5, 0.1, 0.15, 0.25],
    ]);
    const cells = tf.tensor2d(
      [
        [3, 1, -1],
        [0, 3, 2],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d([
      [1, 1, 0],
      [1, 1, 0],
    ]);
    const gathered = teacherCandidateProbs(dist, cells, mask);
    expect(gathered.shape).toEqual([2, 3]);
    const vals = Array.from(gathered.dataSync());
    [0.4, 0.2, 0, 0.5, 0.25, 0].forEach((v, i) => expect(vals[i]).toBeCloseTo(v, 6));
    tf.dispose([dist, cells, mask, gathered]);
  });

  it('no-τ² variant is the default divided by τ²', () => {
    const cs = randomCase(11);
    const tau = 3.5;
    const a = run(cs, { tau });
    const b = run(cs, { tau, scaleTauSquared: false });
    expect(b.value).toBeCloseTo(a.value / (tau * tau), 5);
    const ref = reference(cs, tau, false);
    expect(b.value).toBeCloseTo(ref.value, 5);
    for (let r = 0; r < cs.n; r++) for (let j = 0; j < cs.c; j++) expect(b.grad[r][j]).toBeCloseTo(ref.grad[r][j], 6);
  });

  it('last-step-only and row weights average only over the selected rows', () => {
    const cs = randomCase(13);
    const isLast = [0, 1, 0, 0, 1, 1]; // the last row has no valid candidate: still excluded
    const rowIsLast = tf.tensor1d(isLast);
    const got = run(cs, { tau: 2, lastStepOnly: true, rowIsLast });
    const ref = reference(cs, 2, true, isLast);
    expect(got.value).toBeCloseTo(ref.value, 4);
    for (let r = 0; r < cs.n; r++) for (let j = 0; j < cs.c; j++) expect(got.grad[r][j]).toBeCloseTo(ref.grad[r][j], 5);
    expect(got.grad[0].every((g) => Math.abs(g) === 0)).toBe(true);
    const rowWeight = tf.tensor1d(isLast);
    const viaWeight = run(cs, { tau: 2, rowWeight });
    expect(viaWeight.value).toBeCloseTo(got.value, 6);
    expect(() => run(cs, { tau: 2, lastStepOnly: true })).toThrow(/rowIsLast/);
    tf.dispose([rowIsLast, rowWeight]);
  });

  it('scaling a teacher row by a constant changes nothing (renormalisation, eq. 3)', () => {
    const cs = randomCase(17);
    const scaled: Case = { ...cs, teacher: cs.teacher.map((row, r) => row.map((v) => v * (r + 1) * 37)) };
    const a = run(cs, { tau: 4.37 });
    const b = run(scaled, { tau: 4.37 });
    expect(b.value).toBeCloseTo(a.value, 5);
    for (let r = 0; r < cs.n; r++) for (let j = 0; j < cs.c; j++) expect(b.grad[r][j]).toBeCloseTo(a.grad[r][j], 6);
  });

  it('rows with zero teacher mass act as a uniform teacher', () => {
    const cs: Case = { n: 1, c: 3, teacher: [[0, 0, 0]], logits: [[1, 2, 3]], mask: [[1, 1, 1]] };
    const got = run(cs, { tau: 2 });
    const p = softenedStudent([1, 2, 3], 2);
    expect(got.value).toBeCloseTo(4 * klDivergence([1 / 3, 1 / 3, 1 / 3], p), 5);
  });

  it('gradient agrees with central finite differences', () => {
    const cs = randomCase(21, 4, 4);
    // Keep the padded logits moderate so float32 differences are clean.
    cs.logits = cs.logits.map((row, r) => row.map((v, j) => (cs.mask[r][j] ? v : 0.3)));
    const tau = 2.5;
    const got = run(cs, { tau });
    const h = 1e-2;
    const f = (l: number[][]): number => run({ ...cs, logits: l }, { tau }).value;
    for (const [r, j] of [
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const) {
      if (!cs.mask[r][j]) continue;
      const up = cs.logits.map((row) => row.slice());
      const dn = cs.logits.map((row) => row.slice());
      up[r][j] += h;
      dn[r][j] -= h;
      const fd = (f(up) - f(dn)) / (2 * h);
      expect(Math.abs(fd - got.grad[r][j])).toBeLessThan(2e-3 + 0.02 * Math.abs(fd));
    }
  });

  it('does not leak tensors', () => {
    const cs = randomCase(5);
    run(cs, { tau: 2 });
    const before = tf.memory().numTensors;
    run(cs, { tau: 2 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('plain helpers', () => {
  it('softened distributions, KL and entropy', () => {
    const q = softenedTeacher([0.2, 0.6, 0.2], 1);
    expect(q[1]).toBeCloseTo(0.6, 12);
    const qHot = softenedTeacher([0.2, 0.6, 0.2], 100);
    expect(entropy(qHot)).toBeGreaterThan(entropy(q)); // higher τ flattens
    expect(entropy([0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
    expect(klDivergence([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(klDivergence([1, 0], [0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
    const p = softenedStudent([0, Math.log(3)], 1);
    expect(p[1]).toBeCloseTo(0.75, 12);
  });
});
