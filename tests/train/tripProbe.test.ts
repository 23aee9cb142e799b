import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeCity, TINY_STUDENT } from '../models/studentFixture';
import { Student } from '../../src/lib/models/student';
import { batchContext } from '../../src/lib/features/studentBatch';
import { studentLogits } from '../../src/lib/models/studentSteps';
import { pickProbeTrip, probeTrip } from '../../src/lib/train/tripProbe';
import type { Trajectory } from '../../src/lib/data/types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pickProbeTrip', () => {
  const trip = (id: string, n: number): Trajectory => ({
    id,
    roads: Array.from({ length: n }, (_, i) => i),
    times: Array.from({ length: n }, (_, i) => i),
  });

  it('takes the 75th-percentile length among 3–60-road trips, whatever the input order', () => {
    const trips = [trip('a', 2), trip('b', 10), trip('c', 5), trip('d', 80), trip('e', 20), trip('f', 7), trip('g', 12)];
    // Fit, by length: c5 f7 b10 g12 e20 → index floor(0.75·4) = 3 → g.
    expect(pickProbeTrip(trips)?.id).toBe('g');
    expect(pickProbeTrip([...trips].reverse())?.id).toBe('g');
    expect(pickProbeTrip([trip('x', 2), trip('y', 90)])).toBeNull();
  });
});

describe('probeTrip', () => {
  it('reports the student’s choice and p(true next) at every step of the whole trip, without leaking tensors', async () => {
    const city = makeCity(6, 20, 12, 4);
    // A small prefix cap: the probe must still cover the whole trip.
    const ctx = batchContext(city.net, city.derived, { maxLen: 2 });
    const student = new Student(city.derived, TINY_STUDENT, 3);
    const trip = city.ds.splits.val.reduce((a, b) => (b.roads.length > a.roads.length ? b : a));
    await probeTrip(student, ctx, trip); // first call builds lazily created state
    const before = tf.memory().numTensors;
    const probe = await probeTrip(student, ctx, trip);
    expect(tf.memory().numTensors).toBe(before);

    expect(probe.trip).toBe(trip.id);
    expect(probe.roads).toEqual(trip.roads);
    expect(probe.steps.length).toBe(trip.roads.length - 1);
    const logits = await studentLogits(student, { ...ctx, maxLen: trip.roads.length }, trip);
    probe.steps.forEach((s, k) => {
      expect(s.from).toBe(trip.roads[k]);
      expect(s.next).toBe(trip.roads[k + 1]);
      expect(s.nCands).toBe(logits[k].length);
      expect(s.pNext).toBeGreaterThanOrEqual(0);
      expect(s.pNext).toBeLessThanOrEqual(1);
      // The choice is the candidate with the largest logit.
      const out = city.net.out[s.from];
      expect(out).toContain(s.choice);
    });
    const dec = probe.steps.filter((s) => s.nCands >= 2);
    expect(probe.decisions).toBe(dec.length);
    expect(probe.correct).toBe(dec.filter((s) => s.choice === s.next).length);
    expect(probe.meanPNext).toBeCloseTo(dec.reduce((a, s) => a + s.pNext, 0) / dec.length, 6);
  });
});
