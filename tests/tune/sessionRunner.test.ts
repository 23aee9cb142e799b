// The trial runner trains with the ordinary TrainingSession; what the search relies on: a trial
// continued from its stored state reaches the same val decision NLL as one trained without a
// break, vanilla and distilled trials differ, and the whole prefix (w = ∞) is a valid window.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TeacherModel } from '../../src/lib/models/teacher';
import { normaliseHyper } from '../../src/lib/train/sessionHyper';
import { decodeCheckpoint } from '../../src/lib/checkpoint/checkpoint';
import { SessionTrialRunner, trialHyper, type TrialStateStore } from '../../src/lib/tune/sessionRunner';
import { TuningSearch, DEFAULT_SEARCH, type TuneLogEntry } from '../../src/lib/tune/search';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { objectiveValue, odObjective, odObjectiveSet } from '../../src/lib/eval/odObjective';

class MemoryStore implements TrialStateStore {
  readonly files = new Map<number, Uint8Array>();
  async load(t: number) {
    return this.files.get(t) ?? null;
  }
  async save(t: number, b: Uint8Array) {
    this.files.set(t, b);
  }
  async remove(t: number) {
    this.files.delete(t);
  }
}

describe('SessionTrialRunner', () => {
  let city: SynthCity;
  let teacher: TeacherModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 16, 6, 4);
    teacher = new TeacherModel(
      { vocabSize: city.derived.grid.vocabSize, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, collapse: false },
      1,
    );
    teacher.setTrainable(false);
  });

  const base = normaliseHyper({ batch: 8, microBatch: 8, seed: 3 });
  const runner = (store: TrialStateStore) =>
    new SessionTrialRunner({ dataset: city.ds, derived: city.derived, teacher, base, maxBudget: 3, store, studentConfig: TINY_STUDENT });

  it('continues a trial from its stored state exactly as without a break', async () => {
    const p = { lambda: 0.5, tau: 2, window: Infinity };
    const storeA = new MemoryStore();
    const a = runner(storeA);
    const a1 = await a.train(1, p, 1);
    expect(storeA.files.has(1)).toBe(true); // saved after the rung
    const a3 = await a.train(1, p, 3);
    expect(a3.budget).toBe(3);
    await a.release(1);
    expect(storeA.files.has(1)).toBe(false); // an ended trial's state is dropped
    a.dispose();

    const storeB = new MemoryStore();
    const b = runner(storeB);
    const b1 = await b.train(1, p, 1);
    b.dispose(); // the process ends here
    expect(b1).toEqual(a1);
    const saved = decodeCheckpoint(storeB.files.get(1)!);
    expect(saved.hyper.window).toBe('all'); // JSON has no Infinity
    const c = runner(storeB);
    const c3 = await c.train(1, p, 3);
    expect(c3.budget).toBe(3);
    expect(c3.value).toBeCloseTo(a3.value, 5);
    expect(Number.isFinite(a3.value)).toBe(true);

    // A vanilla trial (params null) trains without the teacher and lands elsewhere.
    const v = await c.train(0, null, 1);
    expect(v.value).not.toBeCloseTo(a1.value, 6);
    c.dispose();
  });

  it('trialHyper sets mode, λ, τ, w and the full-budget schedule; the rest stays', () => {
    const h = trialHyper(base, { lambda: 0.01, tau: 3, window: 5 }, 9);
    expect(h).toMatchObject({ mode: 'distilled', lambda: 0.01, tau: 3, window: 5, epochs: 9, batch: 8, seed: 3 });
    expect(trialHyper(base, null, 9)).toMatchObject({ mode: 'vanilla', lambda: 0, epochs: 9 });
    // A tuned KL mask becomes the session's mask flags; without one the base's stay.
    const masked = trialHyper(base, { lambda: 0.01, tau: 3, window: 5, mask: { lastSteps: 10, indistinct: true } }, 9);
    expect(masked).toMatchObject({ klMaskLastSteps: 10, klMaskIndistinct: true });
    expect(h).toMatchObject({ klMaskLastSteps: base.klMaskLastSteps, klMaskIndistinct: base.klMaskIndistinct });
    expect(normaliseHyper({ window: Infinity }).window).toBe(Infinity);
    expect(normaliseHyper({ window: 'all' as unknown as number }).window).toBe(Infinity);
  });

  it('drives a small real search end to end', async () => {
    const log: TuneLogEntry[] = [];
    const before = tf.memory().numTensors;
    const r = runner(new MemoryStore());
    const trials = await new TuningSearch(
      { ...DEFAULT_SEARCH, minBudget: 1, maxBudget: 2, eta: 2 },
      { test: 1 },
      [],
      async (e) => void log.push(e),
    ).run(3, r);
    r.dispose();
    expect(trials.map((t) => t.trial)).toEqual([0, 1, 2]);
    expect(trials[0].budget).toBe(2);
    for (const t of trials) expect(t.value).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before); // every trial's session is disposed
  });

  it('takes a rung value from the weights after the rung: a generation objective on val OD pairs', async () => {
    const set = odObjectiveSet(city.ds.splits.val, city.derived, 4, 7);
    expect(set.ods.length).toBe(4);
    const seen: Array<{ epoch: number; value: number; reachedRate: number; meanDtwKm: number }> = [];
    const r = new SessionTrialRunner({
      dataset: city.ds,
      derived: city.derived,
      teacher,
      base,
      maxBudget: 2,
      store: new MemoryStore(),
      studentConfig: TINY_STUDENT,
      rungValue: async (session) => {
        const scorer = new StudentScorer(session.student, session.trainer.ctx, city.derived);
        try {
          const o = await odObjective(scorer, set, {
            dataset: city.ds,
            derived: city.derived,
            method: 'bestFirst',
            maxExpansions: 200,
            maxSteps: 30,
          });
          seen.push({ epoch: session.trainer.currentEpoch, ...o });
          return o.value;
        } finally {
          scorer.dispose();
        }
      },
    });
    const one = await r.train(0, null, 1);
    const two = await r.train(0, null, 2);
    r.dispose();
    // Called after each rung, on the weights of that rung; its value is the rung's value.
    expect(seen.map((s) => s.epoch)).toEqual([1, 2]);
    expect([one.value, two.value]).toEqual(seen.map((s) => s.value));
    for (const s of seen) {
      expect(s.reachedRate).toBeGreaterThanOrEqual(0);
      expect(s.reachedRate).toBeLessThanOrEqual(1);
      expect(Number.isFinite(s.meanDtwKm)).toBe(true);
      expect(s.value).toBe(objectiveValue(s.reachedRate, s.meanDtwKm));
    }
  });

  it('orders the generation objective by reached rate first, then DTW', () => {
    // One more route reached out of 200 outweighs 4 km of mean DTW; at the same rate, DTW decides.
    expect(objectiveValue(0.905, 30)).toBeLessThan(objectiveValue(0.9, 26));
    expect(objectiveValue(0.9, 25)).toBeLessThan(objectiveValue(0.9, 26));
  });
});
