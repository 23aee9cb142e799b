import { describe, expect, it } from 'vitest';
import type { GeneratedTrip } from '../../src/lib/generate/generator';
import { missedRoute, roadsBetween, summarizeMisses } from '../../src/lib/eval/missedRoutes';
import { gridNetwork } from '../sim/grid';

const { net, seg } = gridNetwork(5);
const road = (a: [number, number], b: [number, number]): number => {
  const id = seg.get(`${a}|${b}`);
  if (id === undefined) throw new Error(`no road ${a} → ${b}`);
  return id;
};
const row0 = [road([0, 0], [0, 1]), road([0, 1], [0, 2]), road([0, 2], [0, 3])];

function trip(roads: number[], dest: number, reached: boolean): GeneratedTrip {
  return { id: 't', origin: roads[0], dest, roads, times: roads.map((_, i) => i), reached, logProb: 0, timesFromModel: true };
}

describe('missed routes', () => {
  it('counts the roads to drive along directed links', () => {
    expect(roadsBetween(net, row0[0], row0[0])).toBe(0);
    expect(roadsBetween(net, row0[0], road([0, 3], [0, 4]))).toBe(3);
    expect(roadsBetween(net, row0[2], road([2, 3], [2, 2]))).toBe(3);
    expect(roadsBetween(net, row0[0], road([4, 3], [4, 4]), 2)).toBeNull();
  });

  it('measures the closest approach and the roads still to go from there', () => {
    const beside = missedRoute(net, row0, road([0, 3], [1, 3]));
    expect(beside.closestM).toBe(0);
    expect(beside.roadsAway).toBe(1);
    expect(beside.roads).toBe(3);
    // One block north of the route's end: 0.002° of latitude, about 222 m.
    const north = missedRoute(net, row0, road([1, 3], [1, 4]));
    expect(north.closestM).toBeGreaterThan(215);
    expect(north.closestM).toBeLessThan(230);
    expect(north.roadsAway).toBe(2);
  });

  it('summarizes only the routes that missed, next to the real lengths of all OD pairs', () => {
    const near = road([0, 3], [1, 3]);
    const far = road([4, 3], [4, 4]);
    const s = summarizeMisses(net, [trip(row0, near, false), trip(row0, far, false), trip([near], near, true)], [5, 9, 1]);
    expect(s.missed).toBe(2);
    expect(s.within100m).toBe(1);
    expect(s.roadsAway).toEqual({ median: 3, min: 1, max: 5 });
    expect(s.realKmMedian).toEqual({ missed: 7, all: 5 });
    const none = summarizeMisses(net, [trip([near], near, true)], [2]);
    expect(none).toEqual({ missed: 0, within100m: 0, roadsAway: null, realKmMedian: { missed: null, all: 2 } });
  });
});
