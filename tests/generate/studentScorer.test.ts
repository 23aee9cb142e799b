import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Student } from '../../src/lib/models/student';
import { DEFAULT_BATCH_OPTIONS, type BatchContext } from '../../src/lib/features/studentBatch';
import { isStartTimeAware } from '../../src/lib/generate/generator';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// The scorer's generator-facing options: per-chunk start times and yielding between batches.

let city: SynthCity;
let ctx: BatchContext;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(7, 30, 6, 4);
  ctx = { network: city.net, derived: city.derived, ...DEFAULT_BATCH_OPTIONS };
});

describe('StudentScorer', () => {
  it('forgets its prefixes when an origin comes back with another start time', async () => {
    const student = new Student(city.derived, TINY_STUDENT, 21);
    const scorer = new StudentScorer(student, ctx, city.derived);
    expect(isStartTimeAware(scorer)).toBe(true);
    const t = city.ds.splits.train.find((x) => x.roads.length >= 4)!;
    const q = (L: number) => [{ prefix: t.roads.slice(0, L), dest: t.roads[t.roads.length - 1] }];
    scorer.setStartTimes(() => 1_380_000_000);
    await scorer.scoreBatch(q(1));
    await scorer.scoreBatch(q(2));
    expect(scorer.counts).toEqual({ incremental: 2, window: 0, prefill: 0, full: 0 });
    // Same origin, another start: the cached parent is dropped, so the prefix is encoded from its origin.
    scorer.setStartTimes(() => 1_380_003_600);
    await scorer.scoreBatch(q(3));
    expect(scorer.counts).toEqual({ incremental: 2, window: 0, prefill: 1, full: 0 });
    scorer.dispose();
    student.dispose();
  });

  it('lets a queued macrotask (the worker cancel) run before each batch when asked to yield', async () => {
    const student = new Student(city.derived, TINY_STUDENT, 22);
    const t = city.ds.splits.train[0];
    const q = [{ prefix: t.roads.slice(0, 1), dest: t.roads[t.roads.length - 1] }];
    for (const yieldBetweenBatches of [false, true]) {
      const scorer = new StudentScorer(student, ctx, city.derived, { yieldBetweenBatches });
      let phasesAtTimer = -1;
      setTimeout(() => (phasesAtTimer = Object.keys(scorer.phaseMs).length), 0);
      await scorer.scoreBatch(q);
      await new Promise((resolve) => setTimeout(resolve, 0));
      // No phase timed yet when the timer ran: it ran before the batch started.
      expect(phasesAtTimer === 0).toBe(yieldBetweenBatches);
      scorer.dispose();
    }
    student.dispose();
  });
});
