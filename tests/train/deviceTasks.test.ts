import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudentTrainer, type NextCellTeacher } from '../../src/lib/train/studentTrainer';
import { TeacherModel } from '../../src/lib/models/teacher';
import { teacherCandidateProbs } from '../../src/lib/train/distill';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// The async driver (stepAsync / evaluateAsync, used by the session and required on webgpu) must
// compute exactly what the synchronous one does.

let city: SynthCity;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 40, 16, 4);
});

/** Fixed random next-cell distribution per last window cell. */
function tableTeacher(): NextCellTeacher {
  const vocab = city.derived.grid.vocabSize;
  const rng = makeRng(3);
  const table = Float32Array.from({ length: vocab * vocab }, () => 3 * rng());
  return {
    cfg: { collapse: false },
    nextCellProbs: (windows) =>
      tf.tidy(() => {
        const last = windows.map((w) => (w.length ? w[w.length - 1] : 0));
        return tf.softmax(tf.gather(tf.tensor2d(table, [vocab, vocab]), tf.tensor1d(last, 'int32'))) as tf.Tensor2D;
      }),
  };
}

function trainer(): StudentTrainer {
  return new StudentTrainer({
    network: city.net,
    derived: city.derived,
    train: city.ds.splits.train,
    val: city.ds.splits.val,
    teacher: tableTeacher(),
    studentConfig: { ...TINY_STUDENT, layers: 1 },
    options: { mode: 'distilled', lambda: 0.5, batchSize: 16, microBatch: 8, epochs: 2, lr: 5e-3, warmupRatio: 0, seed: 5 },
  });
}

describe('StudentTrainer async driver', () => {
  it('counts finished micro-batches during a step, for the slow-backend progress line', async () => {
    const t = trainer();
    const seen: Array<{ done: number; total: number } | null> = [];
    let value: { done: number; total: number } | null = null;
    Object.defineProperty(t, 'microProgress', {
      get: () => value,
      set: (v: { done: number; total: number } | null) => {
        value = v;
        seen.push(v);
      },
    });
    // Steps until one has several micro-batches (batch 16, micro-batches of 8; a short last batch has one).
    for (let i = 0; i < t.stepsInEpoch; i++) {
      seen.length = 0;
      await t.stepAsync();
      if ((seen[0]?.total ?? 0) > 1) break;
    }
    const total = seen[0]?.total ?? 0;
    expect(total).toBeGreaterThan(1);
    // 0 of n, 1 of n, …, n of n, then null once the step is over.
    expect(seen).toEqual([...Array.from({ length: total + 1 }, (_, done) => ({ done, total })), null]);
    expect(t.microProgress).toBeNull();
    t.dispose();
  });

  it('stepAsync and evaluateAsync match step and evaluate, across an epoch end, without leaking', async () => {
    const a = trainer();
    const b = trainer();
    const steps = a.stepsInEpoch + 1; // includes the epoch end (validation, weight snapshots)
    let before = -1;
    for (let i = 0; i < steps; i++) {
      const ms = a.step();
      const ma = await b.stepAsync();
      for (const k of ['ce', 'kl', 'time', 'total', 'trainAcc', 'gradNorm'] as const) expect(ma[k]).toBeCloseTo(ms[k], 6);
      expect(ma.kl).toBeGreaterThan(0);
      expect(ma.step).toBe(ms.step);
      expect(Boolean(ma.epochEnd)).toBe(Boolean(ms.epochEnd));
      if (ms.epochEnd) {
        expect(ma.epochEnd?.valAcc).toBeCloseTo(ms.epochEnd.valAcc as number, 6);
        // The optimiser step count of the epoch, not the validation step count.
        expect(ma.epochEnd?.steps).toBe(a.stepsInEpoch);
        expect(ma.epochEnd?.valSteps).toBeGreaterThan(a.stepsInEpoch);
      }
      if (i === 1) before = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(before);
    const ea = a.evaluate(city.ds.splits.val);
    const eb = await b.evaluateAsync(city.ds.splits.val);
    expect(eb).toEqual(ea);
    a.dispose();
    b.dispose();
  });
});

describe('teacher gathers on wasm', () => {
  it('scores and gathers hundreds of positions over a large vocabulary (no batched GatherV2)', async () => {
    await initNodeBackend('wasm');
    try {
      const vocab = 3003;
      const model = new TeacherModel({ vocabSize: vocab, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, collapse: false }, 1);
      const rng = makeRng(4);
      const seqs = Array.from({ length: 40 }, () => Array.from({ length: 25 }, () => Math.floor(rng() * (vocab - 3))));
      const { logp, rows } = model.targetLogProbs(seqs);
      expect(logp.shape[0]).toBe(40 * 24);
      expect(rows.length).toBe(40 * 24);
      const v = logp.dataSync();
      expect(v.every((x) => Number.isFinite(x) && x < 0)).toBe(true);
      logp.dispose();
      const cells = tf.tensor2d(
        Array.from({ length: 600 * 4 }, () => Math.floor(rng() * vocab)),
        [600, 4],
        'int32',
      );
      const probs = model.nextCellProbs(seqs.flatMap((s) => Array.from({ length: 15 }, (_, i) => s.slice(0, i + 1))));
      const picked = teacherCandidateProbs(probs, cells);
      const pv = picked.dataSync();
      const all = probs.dataSync();
      const cv = cells.dataSync();
      for (const i of [0, 1234, 2399]) expect(pv[i]).toBeCloseTo(all[Math.floor(i / 4) * vocab + cv[i]], 7);
      tf.dispose([probs, cells, picked]);
      model.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
