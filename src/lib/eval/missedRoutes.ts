// Where a generated route that never reached its destination went wrong. The distillation issue's
// review found distilled routes (beam search) that came within 100 m of the destination and then
// missed the last turn, still several roads from it. These figures let every paired report say
// whether its misses look like that. A missed route, as the search returns it, is the searched
// prefix that came nearest the destination (search.ts), so its closest approach is what it reached.
import type { RoadNetwork } from '../data/types';
import type { GeneratedTrip } from '../generate/generator';
import { haversineM } from '../geo';
import { median } from '../stats';

export interface MissedRoute {
  /** Closest approach of the route's road geometry to the destination road's, in metres. */
  closestM: number;
  /** Roads still to drive from the route's closest road to the destination (null: none within the BFS limit). */
  roadsAway: number | null;
  /** Roads the route drove. */
  roads: number;
}

export interface MissSummary {
  /** Routes that did not reach their destination. */
  missed: number;
  /** Of those, routes that came within 100 m of the destination road. */
  within100m: number;
  /** Roads left from the closest road, over the misses: median, min and max (null when none missed). */
  roadsAway: { median: number; min: number; max: number } | null;
  /** Median real trip length (km) of the missed OD pairs, and of all OD pairs: are the misses the long trips? */
  realKmMedian: { missed: number | null; all: number };
}

/** Breadth-first hops along directed road links from `from` to `to` (0 when equal), or null beyond `limit`. */
export function roadsBetween(net: RoadNetwork, from: number, to: number, limit = 500): number | null {
  if (from === to) return 0;
  const dist = new Int32Array(net.roads.length).fill(-1);
  dist[from] = 0;
  let frontier = [from];
  for (let d = 1; d <= limit && frontier.length > 0; d++) {
    const next: number[] = [];
    for (const r of frontier) {
      for (const n of net.out[r] ?? []) {
        if (dist[n] >= 0) continue;
        if (n === to) return d;
        dist[n] = d;
        next.push(n);
      }
    }
    frontier = next;
  }
  return null;
}

/** How close a route came to `dest` and how far it still was in roads there. */
export function missedRoute(net: RoadNetwork, roads: readonly number[], dest: number): MissedRoute {
  const target = net.roads[dest].coords;
  let closestM = Infinity;
  let closestRoad = roads[0];
  for (const r of roads) {
    for (const p of net.roads[r].coords) {
      for (const q of target) {
        const m = haversineM(p, q);
        if (m < closestM) {
          closestM = m;
          closestRoad = r;
        }
      }
    }
  }
  return { closestM, roadsAway: roadsBetween(net, closestRoad, dest), roads: roads.length };
}

const medianOrNull = (xs: readonly number[]): number | null => (xs.length ? median(xs) : null);

/** The misses among one model's routes for one OD list; `realKm[i]` is OD i's real trip length. */
export function summarizeMisses(net: RoadNetwork, trips: readonly GeneratedTrip[], realKm: readonly number[]): MissSummary {
  const missed: MissedRoute[] = [];
  const missedKm: number[] = [];
  trips.forEach((t, i) => {
    if (t.reached) return;
    missed.push(missedRoute(net, t.roads, t.dest));
    missedKm.push(realKm[i]);
  });
  const away = missed.flatMap((m) => (m.roadsAway === null ? [] : [m.roadsAway]));
  return {
    missed: missed.length,
    within100m: missed.filter((m) => m.closestM <= 100).length,
    roadsAway: away.length > 0 ? { median: median(away), min: Math.min(...away), max: Math.max(...away) } : null,
    realKmMedian: { missed: medianOrNull(missedKm), all: medianOrNull(realKm) ?? 0 },
  };
}
