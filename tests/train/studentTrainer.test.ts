import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudentTrainer, type NextCellTeacher, type StudentTrainerOptions } from '../../src/lib/train/studentTrainer';
import { batchContext, buildBatch, prepareTrips, tripTeacherWindows } from '../../src/lib/features/studentBatch';
import { makeRng } from '../../src/lib/random';
import { annealing } from '../../src/lib/train/recipe';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

let city: SynthCity;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 40, 16, 4);
});

/**
 * A frozen "teacher" whose next-cell distribution prefers eastern cells (plus a fixed random
 * perturbation per last window cell): a preference the student can express through its candidate
 * features, so the KL to it can go down.
 */
function dummyTeacher(seed = 9): NextCellTeacher & { calls: number } {
  const grid = city.derived.grid;
  const vocab = grid.vocabSize;
  const rng = makeRng(seed);
  const table = new Float32Array(vocab * vocab);
  for (let a = 0; a < vocab; a++) {
    for (let c = 0; c < vocab; c++) {
      const col = c < grid.nCells ? c % grid.spec.nCols : 0;
      table[a * vocab + c] = (6 * col) / grid.spec.nCols + (rng() - 0.5);
    }
  }
  return {
    calls: 0,
    cfg: { collapse: false },
    nextCellProbs(windows: number[][]): tf.Tensor2D {
      this.calls++;
      return tf.tidy(() => {
        const last = windows.map((w) => (w.length ? w[w.length - 1] : 0));
        const rows = tf.gather(tf.tensor2d(table, [vocab, vocab]), tf.tensor1d(last, 'int32'));
        return tf.softmax(rows) as tf.Tensor2D;
      });
    },
  };
}

function trainer(
  opts: Partial<StudentTrainerOptions>,
  teacher?: NextCellTeacher,
  candidateTeacher?: ReadonlyMap<string, Float32Array>,
): StudentTrainer {
  return new StudentTrainer({
    network: city.net,
    derived: city.derived,
    train: city.ds.splits.train,
    val: city.ds.splits.val,
    teacher,
    candidateTeacher,
    // One transformer block keeps the CPU tests quick; the model tests cover two.
    studentConfig: { ...TINY_STUDENT, layers: 1 },
    options: { batchSize: 20, microBatch: 10, epochs: 8, lr: 5e-3, warmupRatio: 0, weightDecay: 0.01, seed: 7, ...opts },
  });
}

describe('studentBatch', () => {
  it('labels the next road among the candidates and windows the prefix cells', () => {
    const ctx = batchContext(city.net, city.derived);
    const trip = city.ds.splits.train.find((t) => t.roads.length >= 6)!;
    const [p] = prepareTrips(ctx, [trip]);
    expect(p.steps).toBe(trip.roads.length - 1);
    for (let i = 0; i < p.steps; i++) {
      const cands = Array.from(p.cands.subarray(p.candOffset[i], p.candOffset[i + 1]));
      expect(cands).toEqual(city.net.out[trip.roads[i]]);
      expect(cands[p.label[i]]).toBe(trip.roads[i + 1]);
      const dt = trip.times[i + 1] - trip.times[i];
      expect(p.timeLabel[i] * city.derived.timeStd + city.derived.timeMean).toBeCloseTo(Math.log1p(dt), 4);
    }
    const cells = trip.roads.map((r) => city.derived.grid.roadCell[r]);
    const w = tripTeacherWindows(p, city.derived.grid.roadCell, 3, false);
    expect(w[0]).toEqual(cells.slice(0, 1));
    expect(w[4]).toEqual(cells.slice(2, 5));
    // Cropping keeps the first maxLen+1 roads (a shorter trip ending at road maxLen).
    const [q] = prepareTrips({ ...ctx, maxLen: 3 }, [trip]);
    expect(q.steps).toBe(3);
    expect(Array.from(q.roads)).toEqual(trip.roads.slice(0, 4));
    const b = buildBatch(ctx, prepareTrips(ctx, city.ds.splits.train.slice(0, 3)));
    expect(b.N).toBe(city.ds.splits.train.slice(0, 3).reduce((a, t) => a + t.roads.length - 1, 0));
    expect(b.nValid).toBe(b.N); // the fixture's out-degree is ≤ 3, far below k
  });
});

describe('StudentTrainer', () => {
  it('lowers the loss and beats chance on a synthetic city', () => {
    const t = trainer({ epochs: 8 });
    const before = t.evaluate(city.ds.splits.val);
    const first = t.runEpoch()!;
    let last = first;
    while (!t.done) last = t.runEpoch()!;
    expect(t.history).toHaveLength(8);
    // Each epoch records where the schedule stood: the peak (no warm-up here) decays by a cosine to 0
    // at the last step, so a run trained to the end is annealed (recipe.ts annealing).
    expect(first.lr!).toBeGreaterThan(0.9 * 5e-3);
    expect(last.lr).toBe(0);
    expect(annealing(t.history, 5e-3)).toEqual({ lrEndShare: 0, annealed: true });
    expect(last.total).toBeLessThan(first.total * 0.8);
    expect(last.valChanceAcc).toBeGreaterThan(0.3);
    expect(last.valChanceAcc).toBeLessThan(0.6);
    expect(last.valAcc!).toBeGreaterThan(last.valChanceAcc! + 0.2);
    expect(last.valAcc!).toBeGreaterThan(before.valAcc);
    // best epoch bookkeeping
    const best = Math.max(...t.history.map((h) => h.valAcc!));
    expect(t.bestValAcc).toBe(best);
    expect(t.restoreBest()).toBe(true);
    expect(t.evaluate(city.ds.splits.val).valAcc).toBeCloseTo(best, 10);
    t.dispose();
  });

  it('distils: KL to a dummy teacher decreases, the teacher runs once per trip (cache)', () => {
    const teacher = dummyTeacher();
    // λ large so that the KL term dominates (the random teacher disagrees with the labels).
    const t = trainer({ mode: 'distilled', lambda: 10, tau: 2, epochs: 7, lr: 2e-2 }, teacher);
    const m0 = t.step();
    expect(m0.kl).toBeGreaterThan(0);
    expect(m0.total).toBeCloseTo(m0.ce + m0.time + 10 * m0.kl, 4);
    while (!t.done) t.step();
    const h = t.history;
    expect(h[h.length - 1].kl).toBeLessThan(h[0].kl * 0.8);
    expect(t.teacherCacheSize).toBe(city.ds.splits.train.length);
    const calls = teacher.calls;
    t.dispose();
    // Uncached: same first loss (the cache does not change the loss), more teacher calls.
    const t2 = trainer({ mode: 'distilled', lambda: 10, tau: 2, epochs: 7, lr: 2e-2, cacheTeacher: false }, teacher);
    const n0 = t2.step();
    expect(n0.total).toBeCloseTo(m0.total, 6);
    for (let i = 0; i < 2; i++) t2.step();
    expect(teacher.calls - calls).toBeGreaterThanOrEqual(3); // one call per step, never cached
    t2.dispose();
  });

  it('keeps the tensor count flat over 20 steps (distilled, epoch ends included)', () => {
    const t = trainer({ mode: 'distilled', lambda: 0.5, epochs: 20 }, dummyTeacher());
    t.step(); // first step creates nothing persistent beyond the optimiser, but warm up anyway
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) t.step();
    expect(t.history.length).toBeGreaterThanOrEqual(5); // 2 steps per epoch → several evaluations
    expect(tf.memory().numTensors).toBe(n0);
    t.dispose();
  });

  it('is reproducible: same seed → same losses, another seed → different', () => {
    const run = (seed: number) => {
      const t = trainer({ seed });
      const out = [t.step().total, t.step().total];
      t.dispose();
      return out;
    };
    const a = run(3);
    expect(run(3)).toEqual(a);
    expect(run(4)).not.toEqual(a);
  });

  it('keeps the epoch with the lowest val decision NLL and stops after `patience` epochs without one', () => {
    // lr 0: the weights never move, so every epoch scores the same and none beats the first.
    const t = trainer({ lr: 0, epochs: 6, patience: 2 });
    try {
      while (!t.done) t.step();
      expect(t.history).toHaveLength(3);
      expect(t.earlyStopped).toBe(true);
      expect(t.bestEpoch).toBe(0);
      const nll = t.history.map((h) => h.valNllDecision as number);
      expect(nll[0]).toBeGreaterThan(0);
      expect(nll[1]).toBeCloseTo(nll[0], 6);
      expect(t.bestValAcc).toBe(t.history[0].valAcc);
    } finally {
      t.dispose();
    }
    const free = trainer({ lr: 0, epochs: 3 });
    try {
      while (!free.done) free.step();
      expect(free.history).toHaveLength(3);
      expect(free.earlyStopped).toBe(false);
    } finally {
      free.dispose();
    }
  });

  it('distils a road-level teacher (a trained student, the positive control) and names a missing trip', async () => {
    const { studentCandidateTeacher } = await import('../../src/lib/train/studentTeacher');
    const strong = trainer({ epochs: 2 });
    while (!strong.done) strong.step();
    const probs = await studentCandidateTeacher(strong.student, strong.ctx, strong.ctx, city.ds.splits.train);
    strong.dispose();
    const [first] = city.ds.splits.train;
    const [p] = prepareTrips(strong.ctx, [first]);
    const q = probs.get(first.id) as Float32Array;
    expect(q.length).toBe(p.candOffset[p.steps]);
    for (let s = 0; s < p.steps; s++) {
      let z = 0;
      for (let c = p.candOffset[s]; c < p.candOffset[s + 1]; c++) z += q[c];
      expect(z).toBeCloseTo(1, 5);
    }
    const weak = trainer({ mode: 'distilled', lambda: 1, tau: 2, epochs: 1, seed: 3 }, undefined, probs);
    const kls: number[] = [];
    while (!weak.done) kls.push(weak.step().kl);
    weak.dispose();
    expect(kls.every((k) => Number.isFinite(k) && k > 0)).toBe(true);
    const partial = new Map([...probs].slice(1));
    const broken = trainer({ mode: 'distilled', lambda: 1, epochs: 1 }, undefined, partial);
    expect(() => {
      while (!broken.done) broken.step();
    }).toThrow(/no probabilities for train trip/);
    broken.dispose();
  });

  it('streams batches (no prepared-trip cache) with the same losses as the cached path', () => {
    const run = (preparedCacheTrips: number) => {
      const t = trainer({ seed: 5, preparedCacheTrips });
      const out = [t.step().total, t.step().total, t.step().total];
      t.dispose();
      return out;
    };
    expect(run(0)).toEqual(run(1_000_000));
  });

  it('gradient accumulation matches the full batch', () => {
    const a = trainer({ microBatch: 20 });
    const b = trainer({ microBatch: 7 });
    const ma = a.step();
    const mb = b.step();
    expect(mb.total).toBeCloseTo(ma.total, 5);
    expect(mb.gradNorm).toBeCloseTo(ma.gradNorm, 4);
    const wa = a.student.getWeights();
    const wb = b.student.getWeights();
    for (const k of Object.keys(wa)) for (let i = 0; i < wa[k].length; i += 7) expect(wb[k][i]).toBeCloseTo(wa[k][i], 4);
    a.dispose();
    b.dispose();
  });

  it('frozen encoders: only non-encoder weights change', () => {
    const t = trainer({ freezeEncoders: true });
    const w0 = t.student.getWeights();
    t.step();
    const w1 = t.student.getWeights();
    expect(Array.from(w1['road/gat0/lin_l/w'])).toEqual(Array.from(w0['road/gat0/lin_l/w']));
    expect(Array.from(w1['zone/gcn1/w'])).toEqual(Array.from(w0['zone/gcn1/w']));
    expect(Array.from(w1['nav/q/w'])).not.toEqual(Array.from(w0['nav/q/w']));
    t.dispose();
  });

  it('NaN guard stops training and restores the last good weights', () => {
    const t = trainer({});
    t.step();
    const good = t.student.getWeights();
    // Poison one weight: the loss becomes NaN.
    const bad = { ...good, 'nav/v/w': new Float32Array(good['nav/v/w'].length).fill(NaN) };
    t.student.setWeights(bad);
    const m = t.step();
    expect(m.finite).toBe(false);
    expect(m.done).toBe(true);
    expect(t.stopReason).toMatch(/non-finite/);
    const after = t.student.getWeights();
    expect(Array.from(after['nav/v/w']).every(Number.isFinite)).toBe(true);
    expect(t.step().done).toBe(true); // no more updates
    t.dispose();
  });
});
