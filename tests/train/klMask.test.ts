import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batchContext, buildBatch, prepareTrips, type StudentBatch } from '../../src/lib/features/studentBatch';
import { klRowCount, klRowWeights, NO_KL_MASK, type KlMaskOptions } from '../../src/lib/train/studentLoss';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { makeRng } from '../../src/lib/random';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// The KL row mask of the distillation issue's arm b (no KL on the last steps, none where the teacher
// cannot tell the candidates apart) and its control (a random share of rows).
let city: SynthCity;
let batch: StudentBatch;
let probs: Float32Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 40, 16, 4);
  const ctx = batchContext(city.net, city.derived);
  batch = buildBatch(ctx, prepareTrips(ctx, city.ds.splits.train.slice(0, 12)));
  // Distinct random teacher probabilities at every candidate.
  const rng = makeRng(3);
  probs = Float32Array.from({ length: batch.N * batch.C }, () => rng());
});

const mask = (o: Partial<KlMaskOptions>, lastStepOnly = false) => ({ ...NO_KL_MASK, lastStepOnly, ...o });
const hasCands = (n: number) => batch.candMask[n * batch.C] > 0;

/** Steps left to the end of row n's trip: 1 at the trip's last decision step. */
function stepsLeft(n: number): number {
  let last = 0;
  for (let m = 0; m < batch.N; m++) if (batch.stepTrip[m] === batch.stepTrip[n]) last = Math.max(last, batch.stepIndex[m]);
  return last - batch.stepIndex[n] + 1;
}

describe('klRowWeights', () => {
  it('without a mask keeps every row with candidates; lastStepOnly keeps each trip’s last step', () => {
    const w = klRowWeights(batch, probs, mask({}));
    for (let n = 0; n < batch.N; n++) expect(w[n]).toBe(hasCands(n) ? 1 : 0);
    const last = klRowWeights(batch, probs, mask({}, true));
    for (let n = 0; n < batch.N; n++) expect(last[n]).toBe(hasCands(n) && stepsLeft(n) === 1 ? 1 : 0);
    expect(klRowCount(last)).toBe(12);
  });

  it('drops the last N steps of every trip and nothing else', () => {
    const w = klRowWeights(batch, probs, mask({ klMaskLastSteps: 3 }));
    for (let n = 0; n < batch.N; n++) expect(w[n]).toBe(hasCands(n) && stepsLeft(n) > 3 ? 1 : 0);
    expect(klRowCount(w)).toBeLessThan(klRowCount(klRowWeights(batch, probs, mask({}))));
  });

  it('drops rows whose candidates share one teacher probability, whatever the padding holds', () => {
    const p = probs.slice();
    const C = batch.C;
    // Row 0: every valid candidate equal (one shared cell), padding different.
    const valid0 = Array.from({ length: C }, (_, c) => batch.candMask[c] > 0).filter(Boolean).length;
    expect(valid0).toBeGreaterThanOrEqual(2);
    for (let c = 0; c < C; c++) p[c] = batch.candMask[c] > 0 ? 0.25 : 0.9;
    const w = klRowWeights(batch, p, mask({ klMaskIndistinct: true }));
    expect(w[0]).toBe(0);
    for (let n = 1; n < batch.N; n++) {
      const valid = Array.from({ length: C }, (_, c) => batch.candMask[n * C + c] > 0).filter(Boolean).length;
      // A one-candidate row is indistinct too (its KL is 0 anyway).
      expect(w[n]).toBe(valid >= 2 ? 1 : 0);
    }
  });

  it('the random control drops about its share, the same rows every time, other rows for another seed', () => {
    const a = klRowWeights(batch, probs, mask({ klMaskRandom: 0.3, seed: 1 }));
    const again = klRowWeights(batch, probs, mask({ klMaskRandom: 0.3, seed: 1 }));
    const other = klRowWeights(batch, probs, mask({ klMaskRandom: 0.3, seed: 2 }));
    expect(Array.from(again)).toEqual(Array.from(a));
    expect(Array.from(other)).not.toEqual(Array.from(a));
    const dropped = 1 - klRowCount(a) / batch.N;
    expect(dropped).toBeGreaterThan(0.15);
    expect(dropped).toBeLessThan(0.45);
    // A row's draw depends on its trip and step, not on the batch it sits in.
    const ctx = batchContext(city.net, city.derived);
    const alone = buildBatch(ctx, prepareTrips(ctx, city.ds.splits.train.slice(0, 12)).slice(5, 6));
    const wAlone = klRowWeights(
      alone,
      new Float32Array(alone.N * alone.C).map((_, i) => i),
      mask({ klMaskRandom: 0.3, seed: 1 }),
    );
    const rows = Array.from({ length: batch.N }, (_, n) => n).filter((n) => batch.tripIndex[batch.stepTrip[n]] === alone.tripIndex[0]);
    expect(Array.from(wAlone)).toEqual(rows.map((n) => a[n]));
  });
});

describe('StudentTrainer with a KL mask', () => {
  it('reports the share of steps that kept the KL, and a full mask leaves the vanilla loss', () => {
    const teacher = {
      cfg: { collapse: false },
      nextCellProbs: (windows: number[][]) =>
        tf.tidy(() => tf.softmax(tf.randomNormal([windows.length, city.derived.grid.vocabSize], 0, 1, 'float32', 5))) as tf.Tensor2D,
    };
    const make = (o: Partial<KlMaskOptions>) =>
      new StudentTrainer({
        network: city.net,
        derived: city.derived,
        train: city.ds.splits.train,
        val: city.ds.splits.val,
        teacher,
        studentConfig: { ...TINY_STUDENT, layers: 1 },
        options: {
          mode: 'distilled',
          lambda: 1,
          tau: 2,
          batchSize: 20,
          microBatch: 10,
          epochs: 1,
          lr: 5e-3,
          warmupRatio: 0,
          seed: 7,
          ...o,
        },
      });
    const half = make({ klMaskRandom: 0.5 });
    const rec = half.runEpoch();
    expect(rec?.klKeptShare).toBeGreaterThan(0.35);
    expect(rec?.klKeptShare).toBeLessThan(0.65);
    half.dispose();
    // Masking every step (more last steps than any trip has) leaves no KL term at all.
    const none = make({ klMaskLastSteps: 10_000 });
    const m = none.step();
    expect(m.kl).toBe(0);
    expect(m.total).toBeCloseTo(m.ce + m.time, 5);
    none.dispose();
  });
});
