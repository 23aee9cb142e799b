import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { prepareTrips } from '../../src/lib/features/studentBatch';
import { fitTimeScale } from '../../src/lib/generate/timeCalibration';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { makeCity, tinyTrainer, type SynthCity } from '../models/studentFixture';

let city: SynthCity;
beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 20, 10, 4);
});

describe('hop-time calibration', () => {
  it('is Σ real / Σ predicted seconds on teacher-forced steps, and the scorer applies it', async () => {
    const t = tinyTrainer(city, 5);
    try {
      const prepared = prepareTrips(t.ctx, city.ds.splits.val);
      const before = tf.memory().numTensors;
      const cal = await fitTimeScale(t.student, t.ctx, prepared, 4);
      expect(tf.memory().numTensors).toBe(before);
      expect(cal.hops).toBeGreaterThan(0);
      expect(cal.scale).toBeCloseTo(cal.realSeconds / cal.predictedSeconds, 10);
      // The real seconds are the val trips' own hops.
      let real = 0;
      for (const trip of city.ds.splits.val) for (let i = 1; i < trip.times.length; i++) real += trip.times[i] - trip.times[i - 1];
      expect(cal.realSeconds).toBeCloseTo(real, 0);

      const q = [{ prefix: city.ds.splits.val[0].roads.slice(0, 2), dest: city.ds.splits.val[0].roads.at(-1)! }];
      const plain = (await new StudentScorer(t.student, t.ctx, city.derived).scoreBatch(q))[0];
      const scaled = (await new StudentScorer(t.student, t.ctx, city.derived, { timeScale: 2.5 }).scoreBatch(q))[0];
      for (let c = 0; c < plain.candidates.length; c++) expect(scaled.timeSec![c]).toBeCloseTo(2.5 * plain.timeSec![c], 6);
      // The scale reaches the reported seconds only: the next step, read with its parent's predicted
      // times, scores its candidates as the uncalibrated run did, so a calibrated checkpoint draws
      // the roads it was evaluated on.
      const trip = city.ds.splits.val[0].roads;
      const steps = [trip.slice(0, 2), trip.slice(0, 3), trip.slice(0, 4)];
      const walk = async (scale: number) => {
        const scorer = new StudentScorer(t.student, t.ctx, city.derived, { timeScale: scale });
        const out = [];
        for (let i = 0; i < steps.length; i++)
          out.push((await scorer.scoreBatch([{ prefix: steps[i], dest: trip.at(-1)!, ...(i ? { parent: steps[i - 1] } : {}) }]))[0]);
        return out;
      };
      const [one, more] = [await walk(1), await walk(2.5)];
      for (let i = 0; i < steps.length; i++) {
        expect(Array.from(more[i].logProbs)).toEqual(Array.from(one[i].logProbs));
        for (let c = 0; c < one[i].candidates.length; c++) expect(more[i].timeSec![c]).toBeCloseTo(2.5 * one[i].timeSec![c], 6);
      }
    } finally {
      t.dispose();
    }
  });
});
