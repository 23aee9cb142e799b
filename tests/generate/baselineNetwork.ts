// The small network the route baselines' and the transition prior's tests share.
import type { Road, RoadNetwork, Trajectory } from '../../src/lib/data/types';
import { buildOut } from '../../src/lib/data/hoserWriter';

/**
 * Roads (id: class, length) and links:
 *   0 → 1 (residential, 300 m) → 5          the short way
 *   0 → 2 (motorway, 800 m)    → 5          the fast way: 36 s against 43 s at 25 km/h
 *   0 → 3 (residential, 400 m) → 4 (residential, 400 m) → 5   the way the train trips go
 *   6 has no way in; 5 (the destination) is 100 m of residential.
 */
export function network(): RoadNetwork {
  const spec: [string, number][] = [
    ['residential', 100],
    ['residential', 300],
    ['motorway', 800],
    ['residential', 400],
    ['residential', 400],
    ['residential', 100],
    ['residential', 100],
  ];
  const roads: Road[] = spec.map(([highway, lengthM], id) => ({
    id,
    highway,
    lengthM,
    coords: [
      [-8.6 + id * 0.001, 41.15],
      [-8.6 + id * 0.001, 41.151],
    ],
  }));
  const links: [number, number][] = [
    [0, 2],
    [0, 1],
    [0, 3],
    [1, 5],
    [2, 5],
    [3, 4],
    [4, 5],
    [6, 5],
  ];
  const relOrigin = Int32Array.from(links.map((l) => l[0]));
  const relDest = Int32Array.from(links.map((l) => l[1]));
  return { roads, relOrigin, relDest, out: buildOut(roads.length, relOrigin, relDest) };
}

export const trip = (id: string, roads: number[]): Trajectory => ({ id, roads, times: roads.map((_, i) => 1000 + 10 * i) });
