import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { AdamW, DEFAULT_OPTIM, GradAccumulator, lrAt, withSchedule, type OptimConfig } from '../../src/lib/train/optim';
import { ANNEALED_LR_SHARE, STUDY_SCHEDULE, annealing } from '../../src/lib/train/recipe';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cfg = (over: Partial<OptimConfig> = {}): OptimConfig => ({ ...DEFAULT_OPTIM, ...over });

describe('lrAt', () => {
  it('warms up linearly then follows a cosine to lr·minLrRatio', () => {
    const c = cfg({ lr: 1, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 });
    expect(lrAt(0, c)).toBe(0);
    expect(lrAt(5, c)).toBeCloseTo(0.5, 12);
    expect(lrAt(10, c)).toBeCloseTo(1, 12);
    expect(lrAt(60, c)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // half-way through the cosine
    expect(lrAt(110, c)).toBeCloseTo(0.1, 12);
    expect(lrAt(500, c)).toBeCloseTo(0.1, 12);
    for (let s = 11; s <= 110; s++) expect(lrAt(s, c)).toBeLessThanOrEqual(lrAt(s - 1, c) + 1e-12);
  });
  it('without warm-up starts at lr; withSchedule sets 10 % warm-up', () => {
    expect(lrAt(0, cfg({ lr: 0.01, warmupSteps: 0, totalSteps: 100 }))).toBeCloseTo(0.01, 12);
    const s = withSchedule(DEFAULT_OPTIM, 250);
    expect(s.warmupSteps).toBe(25);
    expect(s.totalSteps).toBe(250);
  });
});

describe('AdamW', () => {
  it('converges on a quadratic and keeps the tensor count flat', () => {
    const target = tf.tensor2d([
      [1, -2],
      [3, 0.5],
    ]);
    const w = tf.variable(tf.zeros([2, 2]), true, 'optim_test/quad_w');
    const opt = new AdamW([w], cfg({ lr: 0.1, weightDecay: 0, warmupSteps: 0, totalSteps: 400, minLrRatio: 0.01, clipNorm: 0 }));
    const f = (): tf.Scalar => tf.sum(tf.square(tf.sub(w, target)));
    let before = 0;
    for (let i = 0; i < 300; i++) {
      if (i === 5) before = tf.memory().numTensors;
      const { grads, value } = tf.variableGrads(f, [w]);
      const r = opt.step(grads);
      expect(r.finite).toBe(true);
      tf.dispose(grads);
      value.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const err = tf.tidy(() => f().dataSync()[0]);
    expect(err).toBeLessThan(1e-3);
    expect(opt.stepCount).toBe(300);
    opt.dispose();
    w.dispose();
    target.dispose();
  });

  it('matches a hand-computed first step with decoupled weight decay and clipping', () => {
    const w = tf.variable(tf.tensor2d([[1, 2]]), true, 'optim_test/hand_w');
    const b = tf.variable(tf.tensor1d([1]), true, 'optim_test/hand_b');
    const opt = new AdamW([w, b], cfg({ lr: 0.1, weightDecay: 0.5, warmupSteps: 0, totalSteps: 1e9, clipNorm: 1 }));
    const g = { [w.name]: tf.tensor2d([[3, 0]]), [b.name]: tf.tensor1d([4]) }; // norm 5 → scaled by 1/5
    const r = opt.step(g);
    expect(r.gradNorm).toBeCloseTo(5, 5);
    expect(r.lr).toBeCloseTo(0.1, 9); // update 1 of a very long schedule
    // First Adam step: m̂/√v̂ = sign(g) (for g ≠ 0), 0 for g = 0.
    const wv = w.dataSync();
    expect(wv[0]).toBeCloseTo(1 * (1 - 0.05) - 0.1, 4);
    expect(wv[1]).toBeCloseTo(2 * (1 - 0.05), 4);
    expect(b.dataSync()[0]).toBeCloseTo(1 - 0.1, 4); // 1-D: no decay
    // Clipping: the moments saw the clipped gradient (0.6, 0) and (0.8).
    const st = opt.getState();
    expect(st.m['optim_test/hand_w'][0]).toBeCloseTo(0.1 * 0.6, 5);
    expect(st.m['optim_test/hand_b'][0]).toBeCloseTo(0.1 * 0.8, 5);
    tf.dispose(g);
    opt.dispose();
    w.dispose();
    b.dispose();
  });

  it('NaN/Inf gradients update nothing and are reported', () => {
    const w = tf.variable(tf.tensor2d([[1, 2]]), true, 'optim_test/nan_w');
    const opt = new AdamW([w], cfg({ warmupSteps: 0, totalSteps: 10 }));
    const g = { [w.name]: tf.tensor2d([[NaN, 1]]) };
    const r = opt.step(g);
    expect(r.finite).toBe(false);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(opt.stepCount).toBe(0);
    const g2 = { [w.name]: tf.tensor2d([[Infinity, 1]]) };
    expect(opt.step(g2).finite).toBe(false);
    tf.dispose([g, g2]);
    opt.dispose();
    // A NaN learning rate: finite gradients, but the update would poison the weights.
    const optNaN = new AdamW([w], cfg({ lr: NaN, warmupSteps: 0, totalSteps: 10 }));
    const g3 = { [w.name]: tf.tensor2d([[1, 1]]) };
    const r3 = optNaN.step(g3);
    expect(r3.finite).toBe(false);
    expect(r3.gradNorm).toBeCloseTo(Math.SQRT2, 5);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(optNaN.getState().m['optim_test/nan_w']).toEqual(new Float32Array([0, 0]));
    tf.dispose(g3);
    optNaN.dispose();
    w.dispose();
  });

  it('state round trip reproduces the same next update', () => {
    const mk = (name: string): tf.Variable =>
      tf.variable(
        tf.tensor2d([
          [0.5, -0.5],
          [1, 2],
        ]),
        true,
        name,
      );
    const c = cfg({ warmupSteps: 2, totalSteps: 20 });
    const a = mk('optim_test/rt_a');
    const optA = new AdamW([a], c);
    const grad = (v: tf.Variable, k: number): tf.NamedTensorMap => ({ [v.name]: tf.fill([2, 2], 0.3 * k) });
    for (let k = 1; k <= 3; k++) {
      const g = grad(a, k);
      optA.step(g);
      tf.dispose(g);
    }
    // Fresh optimiser + variable with a different instance name ("#2"-style suffix is canonicalised).
    const b = tf.variable(tf.tensor(a.dataSync(), [2, 2]), true, 'optim_test/rt_a#2');
    const optB = new AdamW([b], c);
    optB.setState(optA.getState());
    expect(optB.stepCount).toBe(3);
    const ga = grad(a, 4);
    const gb = grad(b, 4);
    optA.step(ga);
    optB.step(gb);
    const da = a.dataSync();
    const db = b.dataSync();
    for (let i = 0; i < 4; i++) expect(db[i]).toBeCloseTo(da[i], 6);
    tf.dispose([ga, gb]);
    optA.dispose();
    optB.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('GradAccumulator', () => {
  it('returns the weighted mean and does not leak', () => {
    const acc = new GradAccumulator();
    const before = tf.memory().numTensors;
    const g1 = { x: tf.tensor1d([1, 2]) };
    const g2 = { x: tf.tensor1d([4, 8]) };
    acc.add(g1, 1);
    acc.add(g2, 3);
    expect(acc.count).toBe(2);
    const out = acc.take();
    expect(Array.from(out.x.dataSync())).toEqual([(1 + 12) / 4, (2 + 24) / 4]);
    expect(acc.count).toBe(0);
    tf.dispose([g1, g2, out]);
    acc.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('annealing (the studies schedule, recipe.ts)', () => {
  it('reads the last epoch lr as a share of the peak', () => {
    expect(annealing([{ lr: 1e-3 }, { lr: 4e-5 }], 1e-3)).toEqual({ lrEndShare: 0.04, annealed: true });
    // A patience-3 run that stopped early under a long cosine: 90 % of the peak.
    const early = annealing([{ lr: 1e-3 }, { lr: 9e-4 }], 1e-3);
    expect(early.annealed).toBe(false);
    expect(early.lrEndShare).toBeCloseTo(0.9, 12);
    // Logs written before epochs carried their lr say nothing either way.
    expect(annealing([{}], 1e-3)).toEqual({ lrEndShare: null, annealed: null });
  });
  it('a full run of the study schedule ends at 0', () => {
    const cfg = withSchedule({ ...DEFAULT_OPTIM, lr: 1e-3 }, 733 * STUDY_SCHEDULE.epochs, 0.1);
    expect(lrAt(cfg.totalSteps, cfg)).toBe(0);
    expect(lrAt(733 * (STUDY_SCHEDULE.epochs - 1), cfg) / 1e-3).toBeLessThan(ANNEALED_LR_SHARE);
    expect(STUDY_SCHEDULE.patience).toBe(0);
  });
});
