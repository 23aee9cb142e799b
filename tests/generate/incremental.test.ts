import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Student } from '../../src/lib/models/student';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { batchContext, type BatchContext } from '../../src/lib/features/studentBatch';
import { beamSearch, bestFirstSearchMany, type StepQuery, type StepScores } from '../../src/lib/generate/search';
import { centroidDistance } from '../../src/lib/generate/generator';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// Incremental decoding (StudentScorer reusing a parent prefix's cached keys/values) must give the
// same answers as re-encoding every prefix in full.

let city: SynthCity;
let ctx: BatchContext;
const START = 1_380_000_000;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(7, 30, 6, 4);
  ctx = batchContext(city.net, city.derived);
});

function expectSameScores(a: StepScores[], b: StepScores[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    expect(Array.from(x.candidates)).toEqual(Array.from(b[i].candidates));
    Array.from(x.logProbs).forEach((v, j) => expect(v).toBeCloseTo(b[i].logProbs[j], 4));
    Array.from(x.timeSec!).forEach((v, j) => expect(v).toBeCloseTo(b[i].timeSec![j], 3));
  });
}

describe('StudentScorer incremental decoding', () => {
  it('scores growing prefixes exactly like full re-encoding, step by step', async () => {
    const student = new Student(city.derived, TINY_STUDENT, 11);
    const inc = new StudentScorer(student, ctx, city.derived, { startTime: START });
    const full = new StudentScorer(student, ctx, city.derived, { startTime: START, incremental: false });
    const trips = city.ds.splits.train.filter((t) => t.roads.length >= 6).slice(0, 3);
    expect(trips.length).toBeGreaterThan(1);
    const before = tf.memory().numTensors;
    for (let L = 1; L <= 6; L++) {
      const qs: StepQuery[] = trips.map((t) => ({ prefix: t.roads.slice(0, L), dest: t.roads[t.roads.length - 1] }));
      expectSameScores(await inc.scoreBatch(qs), await full.scoreBatch(qs));
    }
    // Every query went through the decoder (the origins have no past to attend to).
    expect(inc.counts).toEqual({ incremental: 3 * 6, window: 0, prefill: 0, full: 0 });
    expect(full.counts).toEqual({ incremental: 0, window: 0, prefill: 0, full: 3 * 6 });
    // Keys/values live in host memory: only the two scorers' cached network embeddings remain.
    expect(tf.memory().numTensors).toBe(before + 4);
    inc.dispose();
    full.dispose();
    expect(tf.memory().numTensors).toBe(before);
    student.dispose();
  });

  it('gives the same beam-search and best-first routes as full re-encoding', async () => {
    const student = new Student(city.derived, TINY_STUDENT, 12);
    const inc = new StudentScorer(student, ctx, city.derived, { startTime: START });
    const full = new StudentScorer(student, ctx, city.derived, { startTime: START, incremental: false });
    const ods = city.ds.splits.train.slice(0, 4).map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1] }));
    const opts = { beam: 3, maxSteps: 12, distanceToDest: centroidDistance(city.derived.features) };
    const a = await beamSearch(inc, ods, opts);
    const b = await beamSearch(full, ods, opts);
    expect(a.map((r) => r.roads)).toEqual(b.map((r) => r.roads));
    a.forEach((r, i) => expect(r.logProb).toBeCloseTo(b[i].logProb, 3));
    expect(inc.counts.full).toBe(0);
    expect(inc.counts.incremental).toBeGreaterThan(0);
    const c = await bestFirstSearchMany(inc, ods, { maxExpansions: 30, distanceToDest: opts.distanceToDest });
    const d = await bestFirstSearchMany(full, ods, { maxExpansions: 30, distanceToDest: opts.distanceToDest });
    expect(c.map((r) => r.roads)).toEqual(d.map((r) => r.roads));
    inc.dispose();
    full.dispose();
    student.dispose();
  });

  it.each([
    ['scalar', TINY_STUDENT],
    // Head width 16: the WebAssembly SIMD kernel, whose batched rows read the prefilled ancestors' copies.
    ['simd32', { ...TINY_STUDENT, timeDim: 16 }],
  ] as const)(
    'encodes prefixes of unscored parents from their origin (prefill) like full re-encoding, then extends them incrementally (%s)',
    async (kind, config) => {
      const student = new Student(city.derived, config, 16);
      const inc = new StudentScorer(student, ctx, city.derived, { startTime: START });
      expect(inc.hostAttention).toBe(kind);
      const full = new StudentScorer(student, ctx, city.derived, { startTime: START, incremental: false });
      const trips = city.ds.splits.train.filter((t) => t.roads.length >= 7).slice(0, 4);
      expect(trips.length).toBeGreaterThan(1);
      // Prefixes of different lengths sharing nothing scored: one host prefill each, none through tfjs.
      const qs = (extra: number): StepQuery[] =>
        trips.map((t, i) => ({ prefix: t.roads.slice(0, 3 + (i % 3) + extra), dest: t.roads[t.roads.length - 1] }));
      expectSameScores(await inc.scoreBatch(qs(0)), await full.scoreBatch(qs(0)));
      expect(inc.counts).toEqual({ incremental: 0, window: 0, prefill: trips.length, full: 0 });
      // Their children find the prefilled keys/values.
      expectSameScores(await inc.scoreBatch(qs(1)), await full.scoreBatch(qs(1)));
      expect(inc.counts).toEqual({ incremental: trips.length, window: 0, prefill: trips.length, full: 0 });
      // Forgotten (both, so both enter every road at the start time), the same prefixes are prefilled
      // again in recycled slab memory, and extend as before.
      inc.forgetPrefixes();
      full.forgetPrefixes();
      expectSameScores(await inc.scoreBatch(qs(1)), await full.scoreBatch(qs(1)));
      expectSameScores(await inc.scoreBatch(qs(2)), await full.scoreBatch(qs(2)));
      expect(inc.counts).toEqual({ incremental: 2 * trips.length, window: 0, prefill: 2 * trips.length, full: 0 });
      inc.dispose();
      full.dispose();
      student.dispose();
    },
  );

  it('recomputes the window of prefixes cropped at maxLen exactly like full re-encoding', async () => {
    const student = new Student(city.derived, TINY_STUDENT, 13);
    const short: BatchContext = { ...ctx, maxLen: 3 };
    const inc = new StudentScorer(student, short, city.derived, { startTime: START });
    const full = new StudentScorer(student, short, city.derived, { startTime: START, incremental: false });
    const t = city.ds.splits.train.find((x) => x.roads.length >= 6)!;
    for (let L = 1; L <= 5; L++) {
      const qs = [{ prefix: t.roads.slice(0, L), dest: t.roads[t.roads.length - 1] }];
      expectSameScores(await inc.scoreBatch(qs), await full.scoreBatch(qs));
    }
    // L = 1…3 are decoded incrementally; L = 4, 5 are cropped to their last 3 roads, a window
    // recomputed from the cached chain.
    expect(inc.counts).toEqual({ incremental: 3, window: 2, prefill: 0, full: 0 });
    inc.dispose();
    full.dispose();
    student.dispose();
  });

  it('gives the same routes as full re-encoding when the searches run past maxLen (shared windows)', async () => {
    const student = new Student(city.derived, TINY_STUDENT, 14);
    const short: BatchContext = { ...ctx, maxLen: 4 };
    const inc = new StudentScorer(student, short, city.derived, { startTime: START });
    const full = new StudentScorer(student, short, city.derived, { startTime: START, incremental: false });
    const ods = city.ds.splits.train.slice(0, 5).map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1] }));
    const dist = centroidDistance(city.derived.features);
    const a = await beamSearch(inc, ods, { beam: 3, maxSteps: 12, distanceToDest: dist });
    const b = await beamSearch(full, ods, { beam: 3, maxSteps: 12, distanceToDest: dist });
    expect(a.map((r) => r.roads)).toEqual(b.map((r) => r.roads));
    a.forEach((r, i) => expect(r.logProb).toBeCloseTo(b[i].logProb, 3));
    expect(inc.counts.window).toBeGreaterThan(0);
    const c = await bestFirstSearchMany(inc, ods, { maxExpansions: 30, distanceToDest: dist });
    const d = await bestFirstSearchMany(full, ods, { maxExpansions: 30, distanceToDest: dist });
    expect(c.map((r) => r.roads)).toEqual(d.map((r) => r.roads));
    inc.dispose();
    full.dispose();
    student.dispose();
  });

  it('scores with the WebAssembly SIMD host attention as with the scalar one (f64 lanes: same bits; f32 lanes: within 1e-5)', async () => {
    // Head width 16 (the tiny student's 12 is no multiple of 8, so it runs the scalar kernel).
    const student = new Student(city.derived, { ...TINY_STUDENT, timeDim: 16 }, 15);
    const short: BatchContext = { ...ctx, maxLen: 4 };
    const ods = city.ds.splits.train.slice(0, 5).map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1] }));
    const dist = centroidDistance(city.derived.features);
    const runs = await Promise.all(
      (['scalar', 'simd', 'simd32'] as const).map(async (kind) => {
        const inner = new StudentScorer(student, short, city.derived, { startTime: START, hostAttention: kind });
        const steps: StepScores[] = [];
        const rec = {
          scoreBatch: async (qs: StepQuery[]) => {
            const r = await inner.scoreBatch(qs);
            steps.push(...r);
            return r;
          },
        };
        const beam = await beamSearch(rec, ods, { beam: 3, maxSteps: 12, distanceToDest: dist });
        const bestFirst = await bestFirstSearchMany(rec, ods, { maxExpansions: 30, distanceToDest: dist });
        const out = { kind: inner.hostAttention, steps, counts: { ...inner.counts }, routes: [...beam, ...bestFirst].map((r) => r.roads) };
        inner.dispose();
        return out;
      }),
    );
    const [scalar, simd, simd32] = runs;
    expect(runs.map((r) => r.kind)).toEqual(['scalar', 'simd', 'simd32']);
    expect(scalar.counts.window).toBeGreaterThan(0);
    expect(simd.routes).toEqual(scalar.routes);
    expect(simd32.routes).toEqual(scalar.routes);
    expect(simd.steps.length).toBe(scalar.steps.length);
    simd.steps.forEach((s, i) => {
      expect(Array.from(s.logProbs)).toEqual(Array.from(scalar.steps[i].logProbs));
      expect(Array.from(s.timeSec!)).toEqual(Array.from(scalar.steps[i].timeSec!));
    });
    simd32.steps.forEach((s, i) =>
      Array.from(s.logProbs).forEach((v, j) => expect(Math.abs(v - scalar.steps[i].logProbs[j])).toBeLessThan(1e-5)),
    );
    student.dispose();
  });
});
