import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TeacherModel, type TeacherConfig } from '../../src/lib/models/teacher';
import { TeacherTrainer } from '../../src/lib/train/teacherTrainer';
import { assertCompatible, decodeCheckpoint, encodeCheckpoint } from '../../src/lib/checkpoint/checkpoint';
import { makeRng } from '../../src/lib/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cfg: TeacherConfig = { vocabSize: 23, blockSize: 12, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, collapse: false };
const SOT = 22;
const EOT = 21;

/** Trips that walk along a line of cells with a random start: learnable structure. */
function corpus(seed: number, n: number): number[][] {
  const rng = makeRng(seed);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor(rng() * 10);
    const len = 3 + Math.floor(rng() * 8); // some exceed blockSize after SOT/EOT → cropped
    const cells = Array.from({ length: len }, (_, k) => (start + k) % 20);
    out.push([SOT, ...cells, EOT]);
  }
  return out;
}

describe('TeacherTrainer', async () => {
  it('a tiny run lowers the loss and tracks validation perplexity and the best epoch', async () => {
    const model = new TeacherModel(cfg, 1);
    const trainer = new TeacherTrainer(model, corpus(1, 48), corpus(2, 16), {
      batchSize: 8,
      epochs: 4,
      seed: 3,
      optim: { lr: 1e-2, weightDecay: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, minLrRatio: 0.1, clipNorm: 1 },
    });
    const initial = await trainer.evaluate();
    expect(initial.valPerplexity).toBeGreaterThan(10); // ≈ V at init
    const logs = [];
    while (!trainer.done) {
      const m = await trainer.step();
      expect(m.tokens).toBeGreaterThan(0);
      if (m.epochEnd) logs.push(m.epochEnd);
    }
    expect(trainer.status).toBe('done');
    expect(logs).toHaveLength(4);
    expect(logs[3].trainLoss).toBeLessThan(logs[0].trainLoss);
    expect(logs[3].valLoss).toBeLessThan(initial.valLoss - 0.5);
    expect(logs[3].valPerplexity).toBeCloseTo(Math.exp(logs[3].valLoss), 6);
    expect(trainer.bestEpoch).toBeGreaterThanOrEqual(0);
    expect(trainer.restoreBest()).toBe(true);
    expect((await trainer.evaluate()).valLoss).toBeCloseTo(logs[trainer.bestEpoch].valLoss, 4);
    trainer.dispose();
    model.dispose();
  });

  it('keeps the tensor count flat over 20 steps', async () => {
    const model = new TeacherModel({ ...cfg, dropout: 0.1 }, 2);
    const trainer = new TeacherTrainer(model, corpus(3, 40), corpus(4, 8), { batchSize: 4, epochs: 3, seed: 1 });
    // The first epoch end adds the best epoch's weights (kept on the device); count after it.
    while (!(await trainer.step()).epochEnd);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 19; i++) await trainer.step(); // crosses an epoch end (validation) at step 20
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    model.dispose();
  });

  it('NaN guard: a NaN lr stops training at once, reports it and leaves the weights unchanged', async () => {
    const model = new TeacherModel(cfg, 5);
    const trainer = new TeacherTrainer(model, corpus(5, 32), corpus(6, 8), {
      batchSize: 8,
      epochs: 2,
      seed: 1,
      warmupRatio: 0,
      optim: { lr: NaN, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, minLrRatio: 1, clipNorm: 1 },
    });
    const initial = Array.from(model.wte.dataSync());
    const m = await trainer.step();
    expect(Number.isFinite(m.loss)).toBe(true);
    expect(m.status).toBe('diverged');
    expect(trainer.status).toBe('diverged');
    expect(m.message).toMatch(/non-finite/);
    expect(Array.from(model.wte.dataSync())).toEqual(initial);
    expect(trainer.optimizer.stepCount).toBe(0);
    await expect(trainer.step()).rejects.toThrow(/diverged/);
    trainer.dispose();
    model.dispose();
  });

  it('NaN guard: lr = 1e30 blows up within a few steps; training stops with finite weights', async () => {
    const model = new TeacherModel(cfg, 5);
    const trainer = new TeacherTrainer(model, corpus(5, 32), corpus(6, 8), {
      batchSize: 8,
      epochs: 3,
      seed: 1,
      warmupRatio: 0,
      optim: { lr: 1e30, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, minLrRatio: 1, clipNorm: 1 },
    });
    let last = await trainer.step();
    for (let i = 0; i < 11 && !trainer.done; i++) last = await trainer.step();
    expect(trainer.status).toBe('diverged');
    expect(last.message).toMatch(/non-finite/);
    for (const v of model.variables) expect(Array.from(v.dataSync()).every(Number.isFinite)).toBe(true);
    trainer.dispose();
    model.dispose();
  });

  it('NaN gradients skip the update and stop', async () => {
    const model = new TeacherModel(cfg, 6);
    const trainer = new TeacherTrainer(model, corpus(7, 16), [], { batchSize: 8, epochs: 1, seed: 1 });
    await trainer.step();
    const good = Array.from(model.wte.dataSync());
    // Poison one weight only used by the LM head on a token that never occurs: the loss of the
    // batch becomes NaN through the softmax normaliser.
    tf.tidy(() => {
      const w = model.wte.arraySync() as number[][];
      w[19][0] = NaN;
      model.wte.assign(tf.tensor2d(w));
    });
    const m = await trainer.step();
    expect(m.status).toBe('diverged');
    const after = Array.from(model.wte.dataSync());
    // Restored to the weights before the last successful update, all finite.
    expect(after.every(Number.isFinite)).toBe(true);
    expect(after).not.toEqual(good);
    trainer.dispose();
    model.dispose();
  });

  it('checkpoint resume continues exactly like an uninterrupted run, dropout masks included', async () => {
    const train = corpus(8, 24);
    const val = corpus(9, 8);
    const opts = { batchSize: 6, epochs: 2, seed: 4 };
    const dropCfg = { ...cfg, dropout: 0.2 };
    const a = new TeacherModel(dropCfg, 7);
    const ta = new TeacherTrainer(a, train, val, opts);
    for (let i = 0; i < 5; i++) await ta.step();
    const bytes = encodeCheckpoint(await ta.toCheckpoint('fp-1', { note: 'test' }));
    // A new process: the same command line builds the model from the same seed before resuming.
    const b = new TeacherModel(dropCfg, 7);
    const tb = new TeacherTrainer(b, train, val, opts);
    const ck = decodeCheckpoint(bytes);
    assertCompatible(ck, { kind: 'teacher', fingerprint: 'fp-1', config: dropCfg });
    tb.resumeFrom(ck);
    expect(tb.currentEpoch).toBe(1);
    const ma = await ta.step();
    const mb = await tb.step();
    expect(mb.loss).toBe(ma.loss);
    expect(mb.step).toBe(ma.step);
    expect(Array.from(b.wte.dataSync())).toEqual(Array.from(a.wte.dataSync()));
    ta.dispose();
    tb.dispose();
    a.dispose();
    b.dispose();
  });
});
