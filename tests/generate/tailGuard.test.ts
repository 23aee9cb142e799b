import { describe, it, expect } from 'vitest';
import { network } from './baselineNetwork';
import { routeLengthM, tailGuard } from '../../src/lib/generate/tailGuard';
import type { GenOD, GeneratedTrip } from '../../src/lib/generate/generator';

const od: GenOD = { origin: 0, dest: 5, startTime: 1000 };
const route = (id: string, roads: number[], reached = true): GeneratedTrip => ({
  id,
  origin: 0,
  dest: 5,
  roads,
  times: roads.map((_, i) => 1000 + i),
  reached,
  logProb: -1,
  timesFromModel: true,
});

describe('tail guard', () => {
  const net = network();
  // The free-flow fastest path 0 → 2 → 5 is 100 + 800 + 100 = 1,000 m; 0 → 3 → 4 → 5 is 1,000 m too,
  // 0 → 1 → 5 500 m.
  it('keeps routes within cap × the fastest path’s length and replaces longer or unreached ones', () => {
    expect(routeLengthM(net, [0, 2, 5])).toBe(1000);
    const trips = [route('a', [0, 1, 5]), route('b', [0, 3, 4, 5]), route('c', [0, 3], false)];
    const g = tailGuard(net, 1.2);
    const { trips: out, counts } = g.apply(trips, [od, od, od]);
    expect(counts).toEqual({ cap: 1.2, overCap: 0, unreached: 1, kept: 2 });
    expect(out[0]).toBe(trips[0]);
    expect(out[1]).toBe(trips[1]);
    expect(out[2]).toMatchObject({ id: 'c', roads: [0, 2, 5], reached: true, timesFromModel: false });
    // A tighter cap than the route's 1.0× never bites below 1; a longer route is replaced.
    const long = route('d', [0, 3, 4, 5]);
    long.roads = [0, 3, 4, 5];
    const net2 = network();
    net2.roads[4].lengthM = 1000; // 0 → 3 → 4 → 5 is now 1,600 m: 1.6× the fastest path's
    const r = tailGuard(net2, 1.5).apply([long], [od]);
    expect(r.counts.overCap).toBe(1);
    expect(r.trips[0].roads).toEqual([0, 2, 5]);
    expect(tailGuard(net2, 1.7).apply([long], [od]).counts.kept).toBe(1);
  });

  it('refuses a cap below 1 and routes for another OD', () => {
    expect(() => tailGuard(net, 0.9)).toThrow(/cap must be a number ≥ 1/);
    expect(() => tailGuard(net, 1.2).apply([route('a', [0, 1, 5])], [{ origin: 1, dest: 5, startTime: 0 }])).toThrow(/not for OD/);
  });
});
