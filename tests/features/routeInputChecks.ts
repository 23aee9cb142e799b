// Checks the route-input tests share: a student scores every prefix of a few train trips alike
// through the incremental decoder (host kernels) and through full re-encoding; training with the
// inputs on keeps the tensor count flat.
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { RouteFeatureSpec } from '../../src/lib/data/remainingTimes';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { batchContext } from '../../src/lib/features/studentBatch';
import type { Student } from '../../src/lib/models/student';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import type { StepQuery } from '../../src/lib/generate/search';
import { TINY_STUDENT, type SynthCity } from '../models/studentFixture';

/**
 * Prefixes of 1…`longest` roads of three train trips, scored both ways from a context without route
 * inputs (each scorer takes the student's own): the same candidates, log-probabilities within 1e-4.
 */
export async function expectIncrementalAsFull(student: Student, city: SynthCity, startTime: number, longest = 5): Promise<void> {
  const plain = batchContext(city.net, city.derived);
  const inc = new StudentScorer(student, plain, city.derived, { startTime });
  const full = new StudentScorer(student, plain, city.derived, { startTime, incremental: false });
  try {
    const trips = city.ds.splits.train.filter((t) => t.roads.length >= longest).slice(0, 3);
    for (let L = 1; L <= longest; L++) {
      const qs: StepQuery[] = trips.map((t) => ({ prefix: t.roads.slice(0, L), dest: t.roads[t.roads.length - 1] }));
      const [a, b] = [await inc.scoreBatch(qs), await full.scoreBatch(qs)];
      a.forEach((x, i) => {
        expect(Array.from(x.candidates)).toEqual(Array.from(b[i].candidates));
        Array.from(x.logProbs).forEach((v, j) => expect(v).toBeCloseTo(b[i].logProbs[j], 4));
      });
    }
    expect(inc.counts.incremental).toBeGreaterThan(0);
  } finally {
    inc.dispose();
    full.dispose();
  }
}

/** `steps` training steps of a one-block student reading `spec`: the same tensor count after as before, and the context reads `spec`. */
export function expectFlatTensorsWhileTraining(city: SynthCity, spec: RouteFeatureSpec, steps: number): StudentTrainer['history'] {
  const t = new StudentTrainer({
    network: city.net,
    derived: city.derived,
    train: city.ds.splits.train,
    val: city.ds.splits.val,
    studentConfig: { ...TINY_STUDENT, layers: 1, routeFeatures: spec },
    options: { batchSize: 10, microBatch: 10, epochs: 10, lr: 5e-3, warmupRatio: 0, weightDecay: 0.01, seed: 3 },
  });
  try {
    expect(t.ctx.routeFeatures).toEqual(spec);
    // The training trips are prepared cross-fitted; val and generation read every train trip's counts.
    expect(t.trainCtx).toEqual({ ...t.ctx, crossFit: true });
    expect(t.ctx.crossFit).toBeUndefined();
    t.step();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < steps; i++) t.step();
    expect(tf.memory().numTensors).toBe(n0);
    return t.history.slice();
  } finally {
    t.dispose();
  }
}
