import { describe, it, expect } from 'vitest';
import { network, trip } from '../generate/baselineNetwork';
import { everyTripOd, sampleOdPairs } from '../../src/lib/generate/generator';
import { baselineRouter, generateBaselineRoutes } from '../../src/lib/generate/baselines';
import { buildRoadFeatures } from '../../src/lib/data/roadFeatures';
import { scoreByTrip } from '../../src/lib/eval/tripPairing';
import { makeRng } from '../../src/lib/random';
import type { Trajectory } from '../../src/lib/data/types';

const at = (t: Trajectory, start: number): Trajectory => ({ ...t, times: t.times.map((x) => x - t.times[0] + start) });

describe('every trip once, and each route against its own trip', () => {
  const net = network();
  const trips = [at(trip('a', [0, 3, 4, 5]), 5000), at(trip('b', [0, 1, 5]), 7000), trip('one', [4]), at(trip('c', [3, 4, 5]), 9000)];

  it('everyTripOd: each trip with two roads once, in order, with its own start time (sampling with --n draws with replacement)', () => {
    expect(everyTripOd(trips)).toEqual([
      { origin: 0, dest: 5, startTime: 5000 },
      { origin: 0, dest: 5, startTime: 7000 },
      { origin: 3, dest: 5, startTime: 9000 },
    ]);
    const sampled = sampleOdPairs(trips, 30, makeRng(1));
    expect(sampled.length).toBe(30);
    expect(() => everyTripOd([trip('x', [1])])).toThrow(/no trip/);
  });

  it('scoreByTrip pairs by origin, destination and start time; a route of another OD list is refused', () => {
    const centroid = buildRoadFeatures(net).centroid;
    const gen = generateBaselineRoutes(baselineRouter('shortest', net), everyTripOd(trips));
    const s = scoreByTrip(gen, trips, centroid);
    expect(s.n).toBe(3);
    // Trip b is the shortest path itself: DTW 0. Trip c too (3 → 4 → 5 is the only way).
    expect(s.scores[1].dtwKm).toBe(0);
    expect(s.scores[2].dtwKm).toBe(0);
    expect(s.scores[0].dtwKm).toBeGreaterThan(0);
    expect(s.dtwPerKm.median).toBe(0);
    expect(s.reachedRate).toBe(1);
    const stray = generateBaselineRoutes(baselineRouter('shortest', net), [{ origin: 0, dest: 5, startTime: 1 }]);
    expect(() => scoreByTrip(stray, trips, centroid)).toThrow(/no trip of the split goes 0 → 5 starting at 1/);
  });
});
