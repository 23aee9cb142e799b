import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { NextCellTeacher } from '../../src/lib/train/studentTrainer';
import {
  batchContext,
  prepareTrips,
  prepareWholeTrips,
  swappedDestinations,
  tripTeacherWindows,
  type PreparedTrip,
} from '../../src/lib/features/studentBatch';
import {
  byStepsToEnd,
  clusteredBootstrap,
  summariseSteps,
  teacherGate,
  teacherStepLogProbs,
  tripStepStats,
} from '../../src/lib/eval/steps';
import { studentStepLogProbs, type StepLogProbs } from '../../src/lib/models/studentSteps';
import { makeCity, tinyTrainer, type SynthCity } from '../models/studentFixture';

let city: SynthCity;
beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 30, 12, 4);
});

/** A hand-made trip: 3 steps with 2, 1 and 3 candidates; true next roads at 0, 0 and 2. */
function toyTrip(): PreparedTrip {
  return {
    index: 0,
    roads: new Int32Array([0, 1, 2, 3]),
    steps: 3,
    relTimes: new Float64Array(3),
    timeFeat: new Float32Array(3),
    candOffset: new Int32Array([0, 2, 3, 6]),
    cands: new Int32Array([1, 5, 2, 3, 7, 8]),
    metricDis: new Float32Array(6),
    metricAngle: new Float32Array(6),
    route: new Float32Array(0),
    label: new Int32Array([0, 0, 2]),
    timeLabel: new Float32Array(3),
  };
}

describe('step statistics', () => {
  const roadCell = new Int32Array([0, 0, 1, 1, 1, 2, 1, 1, 1]); // roads 3, 7, 8 share cell 1
  const lp: StepLogProbs = {
    trips: [toyTrip()],
    logProbs: [Float32Array.from([Math.log(0.7), Math.log(0.3), 0, Math.log(0.5), Math.log(0.3), Math.log(0.2)])],
  };

  it('splits decision steps by steps left to the trip end, next to the uniform guess', () => {
    // Step 0 (2 candidates, 3 left) and step 2 (3 candidates, the last); step 1 has one candidate.
    const rows = byStepsToEnd(lp);
    expect(rows.map((r) => r.band)).toEqual(['1', '2–3', '4–10', '11–30', '> 30']);
    expect(rows.map((r) => r.decisionSteps)).toEqual([1, 1, 0, 0, 0]);
    const [last, early] = rows;
    expect(last.decisionAcc).toBe(0); // argmax is candidate 0 (p 0.5), the truth is candidate 2
    expect(last.decisionNll).toBeCloseTo(-Math.log(0.2), 6);
    expect(last.uniform.decisionNll).toBeCloseTo(Math.log(3), 6);
    expect(early.decisionAcc).toBe(1);
    expect(early.decisionNll).toBeCloseTo(-Math.log(0.7), 6);
    expect(early.uniform.decisionAcc).toBeCloseTo(0.5, 9);
    expect(rows[2].decisionAcc).toBeNaN();
  });

  it('swaps destinations so that no trip keeps its own, and the teacher window leads with the new one', () => {
    const trips = [0, 1, 2, 3, 4].map((k) => ({ ...toyTrip(), index: k, roads: new Int32Array([k, 10 + k, 20 + k]), steps: 2 }));
    const destOf = swappedDestinations(trips);
    expect(trips.map((_, i) => destOf(i))).toEqual([22, 23, 24, 20, 21]);
    const cell = Int32Array.from({ length: 30 }, (_, r) => r);
    expect(tripTeacherWindows(trips[0], cell, 7, false, true)[0]).toEqual([20, 0]);
    expect(tripTeacherWindows(trips[0], cell, 7, false, true, destOf(0))[0]).toEqual([22, 0]);
  });

  it('counts accuracy, NLL, the uniform guess and shared-cell steps on decision steps', () => {
    const [s] = tripStepStats(['t'], lp, roadCell);
    expect(s.steps).toBe(3);
    expect(s.decisionSteps).toBe(2);
    expect(s.decisionCorrect).toBe(1); // step 0 right (0.7), step 2 wrong (argmax is candidate 0)
    expect(s.decisionNllSum).toBeCloseTo(-Math.log(0.7) - Math.log(0.2), 6);
    expect(s.uniformCorrect).toBeCloseTo(1 / 2 + 1 / 3, 6);
    expect(s.uniformNllSum).toBeCloseTo(Math.log(2) + Math.log(3), 6);
    expect(s.sharedCellSteps).toBe(1); // step 2: roads 3, 7, 8 all in cell 1
    const sum = summariseSteps([s], 50);
    expect(sum.decisionAcc).toBe(0.5);
    expect(sum.sharedCellShare).toBe(0.5);
    expect(sum.ci95.decisionAcc).toEqual([0.5, 0.5]); // one trip: every resample is the same
  });

  it('a log-linear mix with an oracle teacher is right everywhere', () => {
    const oracle: StepLogProbs = { trips: lp.trips, logProbs: [Float32Array.from([0, -30, 0, -30, -30, 0])] };
    const [s] = tripStepStats(['t'], lp, roadCell, oracle, 1);
    expect(s.decisionCorrect).toBe(2);
  });
});

describe('clusteredBootstrap', () => {
  it('gives an interval around the ratio that narrows with more trips', () => {
    const mk = (n: number) => Array.from({ length: n }, (_, i) => ({ num: i % 3 === 0 ? 1 : 0, den: 1 }));
    const width = (n: number) => {
      const t = mk(n);
      const [ci] = clusteredBootstrap(
        n,
        [
          (idx) => {
            let a = 0,
              b = 0;
            for (const k of idx) {
              a += t[k].num;
              b += t[k].den;
            }
            return a / b;
          },
        ],
        400,
      );
      expect(ci[0]).toBeLessThan(1 / 3 + 1e-9);
      expect(ci[1]).toBeGreaterThan(1 / 3 - 0.05);
      return ci[1] - ci[0];
    };
    expect(width(600)).toBeLessThan(width(30));
  });
});

describe('eval steps on models', () => {
  it('student scores on whole trips match the trainer’s own evaluation', async () => {
    const t = tinyTrainer(city, 3);
    try {
      const before = tf.memory().numTensors;
      const trips = city.ds.splits.val;
      const lp = await studentStepLogProbs(t.student, t.ctx, prepareWholeTrips(t.ctx, trips), 64);
      expect(tf.memory().numTensors).toBe(before);
      const sum = summariseSteps(
        tripStepStats(
          trips.map((x) => x.id),
          lp,
          city.derived.grid.roadCell,
        ),
        50,
      );
      const ev = t.evaluate(trips);
      expect(sum.decisionSteps).toBe(ev.decisionSteps);
      expect(sum.decisionAcc).toBeCloseTo(ev.valAccDecision, 10);
      expect(sum.nll).toBeCloseTo(ev.valCe, 4);
    } finally {
      t.dispose();
    }
  });

  it('teacher scores are its cell probabilities renormalised over the candidates', async () => {
    const vocab = city.derived.grid.vocabSize;
    const probs = Float32Array.from({ length: vocab }, (_, c) => 1 + (c % 5));
    const teacher: NextCellTeacher = {
      cfg: { collapse: false },
      nextCellProbs: (w) => tf.tidy(() => tf.div(tf.tile(tf.tensor2d(probs, [1, vocab]), [w.length, 1]), tf.sum(probs)) as tf.Tensor2D),
    };
    const ctx = batchContext(city.net, city.derived);
    const prepared = prepareTrips(ctx, city.ds.splits.val.slice(0, 3));
    const lp = await teacherStepLogProbs(teacher, city.derived, prepared, 7, 5);
    const p = prepared[0];
    const cell = city.derived.grid.roadCell;
    for (let s = 0; s < p.steps; s++) {
      const a = p.candOffset[s];
      const b = p.candOffset[s + 1];
      let z = 0;
      for (let c = a; c < b; c++) z += probs[cell[p.cands[c]]];
      for (let c = a; c < b; c++) expect(lp.logProbs[0][c]).toBeCloseTo(Math.log(probs[cell[p.cands[c]]] / z), 5);
    }
  });

  it('the gate picks β = 0 and reports no gain for an uninformative teacher', () => {
    const trip = toyTrip();
    const student: StepLogProbs = {
      trips: [trip],
      logProbs: [Float32Array.from([Math.log(0.7), Math.log(0.3), 0, Math.log(0.5), Math.log(0.3), Math.log(0.2)])],
    };
    const flat: StepLogProbs = {
      trips: [trip],
      logProbs: [Float32Array.from([Math.log(0.5), Math.log(0.5), 0, -Math.log(3), -Math.log(3), -Math.log(3)])],
    };
    const roadCell = new Int32Array(9);
    const g = teacherGate({ ids: ['v'], student, teacher: flat }, { ids: ['t'], student, teacher: flat }, roadCell, [0, 0.5, 1], 20);
    expect(g.beta).toBe(0);
    expect(g.gain.decisionNll).toBeCloseTo(0, 10);
  });
});
