// A tail guard for generated routes (issue 49, lever 3b). The students lose on the mean DTW per km
// through a tail of detours while they win the median: a route the search found that is much
// longer than the OD's fastest path is almost always a wander, not a driver's choice. The guard
// keeps every route within cap × the fastest path's length, and otherwise takes the fastest path
// (free-flow, generate/baselines.ts 'fastest'); a route that never reached its destination is
// replaced the same way. It runs after the search (beam or best-first alike) and leaves the search's
// own routes untouched, so a route cache of the plain search serves every cap. The cap is chosen on
// val (eval paired-search --b method=bestFirst,cap=c).
import type { RoadNetwork } from '../data/types';
import { sharedTables } from '../data/sharedTables';
import { baselineRouter, generateBaselineRoutes, type BaselineRouter } from './baselines';
import type { GenOD, GeneratedTrip } from './generator';

export interface GuardCounts {
  cap: number;
  /** Routes replaced because they were over cap × the fastest path's length. */
  overCap: number;
  /** Routes replaced because they did not reach their destination. */
  unreached: number;
  /** Routes kept as the search found them. */
  kept: number;
}

export interface TailGuard {
  cap: number;
  /** The routes with the guard applied (same order and ids), and how many it replaced. */
  apply(trips: readonly GeneratedTrip[], ods: readonly GenOD[]): { trips: GeneratedTrip[]; counts: GuardCounts };
}

/** Sum of the roads' lengths (m), the origin included (the fastest path's length is measured alike). */
export function routeLengthM(net: RoadNetwork, roads: readonly number[]): number {
  let m = 0;
  for (const r of roads) m += Math.max(0, net.roads[r].lengthM);
  return m;
}

/** A guard with cap c ≥ 1 over `net`'s free-flow fastest paths (`router` to share one already built). */
export function tailGuard(net: RoadNetwork, cap: number, router?: BaselineRouter): TailGuard {
  if (!(cap >= 1) || !Number.isFinite(cap)) throw new Error(`tail guard: cap must be a number ≥ 1, got ${cap}`);
  const fastest = router ?? baselineRouter('fastest', net);
  if (fastest.method !== 'fastest') throw new Error(`tail guard: expected the fastest-path router, got ${fastest.method}`);
  return {
    cap,
    apply(trips, ods) {
      if (trips.length !== ods.length) throw new Error(`tail guard: ${trips.length} routes for ${ods.length} OD pairs`);
      const counts: GuardCounts = { cap, overCap: 0, unreached: 0, kept: 0 };
      const out = trips.map((t, i) => {
        const od = ods[i];
        if (t.origin !== od.origin || t.dest !== od.dest)
          throw new Error(`tail guard: route ${t.id} is not for OD ${od.origin} → ${od.dest}`);
        const f = generateBaselineRoutes(fastest, [od], t.id)[0];
        if (!f.reached) {
          // No fastest path either: nothing better to offer.
          counts.kept++;
          return t;
        }
        if (!t.reached) {
          counts.unreached++;
          return { ...f, id: t.id };
        }
        if (routeLengthM(net, t.roads) > cap * routeLengthM(net, f.roads)) {
          counts.overCap++;
          return { ...f, id: t.id };
        }
        counts.kept++;
        return t;
      });
      return { trips: out, counts };
    },
  };
}

const shared = sharedTables<RoadNetwork, number, TailGuard>();

/** One guard per (network, cap), built on first use: each route run through it reuses its fastest-path router. */
export function sharedTailGuard(net: RoadNetwork, cap: number): TailGuard {
  return shared(net, cap, () => tailGuard(net, cap));
}
