// Remaining travel time to a destination road, for the student's route-aware candidate features
// (issue 49, lever 3a): one reverse Dijkstra per destination over the roadmap.rel links, on per-road
// travel times, kept in a small LRU so that training, generation and evaluation share the work.
//
// D(v) = seconds from entering road v to entering the destination d: D(d) = 0 and
// D(v) = sec(v) + min over v's successors w of D(w). The search runs from d over the reversed links,
// where the reversed link w → v costs sec(v); roads that cannot reach d keep Infinity.
//
// Per-road seconds come from one place, roadSecondsFor(net, speeds): a name recorded in the
// student's config (StudentConfig.routeFeatures), so a checkpoint says which speeds it was trained
// on. 'free-flow' is freeFlowSeconds (data/speeds.ts, the fastest-path baseline's class table);
// 'fitted' the speeds fitted on the timed train trips (Derived.fittedKmh, fitRoadSpeeds under its
// default rule; issue 65, lever b).
import { RouteSearch } from './routeSearch';
import type { RoutingGraph } from './routingGraph';
import { freeFlowSeconds, secondsAtSpeeds } from './speeds';
import type { Derived } from './derivedTypes';
import { sharedTables } from './sharedTables';
import type { RoadNetwork } from './types';

/** The speed tables route features can be computed on, by the name a checkpoint records. */
export const ROUTE_SPEEDS = ['free-flow', 'fitted'] as const;
export type RouteSpeeds = (typeof ROUTE_SPEEDS)[number];

/**
 * A student's route features (StudentConfig.routeFeatures): which per-road speeds the times use,
 * and whether the Markov + length baseline's view of each candidate comes as two more inputs.
 */
export interface RouteFeatureSpec {
  speeds: RouteSpeeds;
  /**
   * The Markov + length baseline's chain (add-α smoothing, μ per km of the road entered) whose cost
   * to go and transition count each candidate also carries (data/markovRouteInputs.ts; issue 65,
   * lever a). Absent: the two time inputs alone, as every student before the lever.
   */
  markov?: MarkovRouteSpec;
  /**
   * One more input per candidate: its zone's cost to go to the destination's zone on a chain over
   * HOSER's zones, counted on the train trips (data/zonePlanInputs.ts; issue 65, lever c).
   */
  zonePlan?: boolean;
}

/** The Markov + length chain of a student's Markov route inputs (the baseline's α and μ). */
export interface MarkovRouteSpec {
  alpha: number;
  lengthPerKm: number;
}

/**
 * Route inputs per candidate: [delay, unreachable], then [Markov gap, log1p count] with spec.markov,
 * then [zone plan gap] with spec.zonePlan.
 */
export function routeFeatureWidth(spec: RouteFeatureSpec | undefined): number {
  if (!spec) return 0;
  return 2 + (spec.markov ? 2 : 0) + (spec.zonePlan ? 1 : 0);
}

/** Two specs that give the same inputs (both absent counts as equal). */
export function sameRouteFeatures(a: RouteFeatureSpec | undefined, b: RouteFeatureSpec | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.speeds === b.speeds &&
    a.markov?.alpha === b.markov?.alpha &&
    a.markov?.lengthPerKm === b.markov?.lengthPerKm &&
    (a.zonePlan === true) === (b.zonePlan === true)
  );
}

/** A spec from a checkpoint's JSON (or anything else): checked, or a clear reason why it cannot be computed here. */
export function checkRouteFeatureSpec(spec: unknown): RouteFeatureSpec {
  const speeds = (spec as { speeds?: unknown } | null)?.speeds;
  if (typeof spec !== 'object' || spec === null || typeof speeds !== 'string')
    throw new Error(`route features: expected {"speeds": one of ${ROUTE_SPEEDS.join(', ')}}, got ${JSON.stringify(spec)}`);
  if (!(ROUTE_SPEEDS as readonly string[]).includes(speeds))
    throw new Error(
      `this student reads route features on "${speeds}" speeds, which this build cannot compute (it knows ${ROUTE_SPEEDS.join(', ')})`,
    );
  const { markov, zonePlan } = spec as { markov?: unknown; zonePlan?: unknown };
  if (zonePlan !== undefined && typeof zonePlan !== 'boolean')
    throw new Error(`route features: expected "zonePlan": true or false, got ${JSON.stringify(zonePlan)}`);
  const out: RouteFeatureSpec = { speeds: speeds as RouteSpeeds };
  if (markov !== undefined) {
    const { alpha, lengthPerKm } = (markov ?? {}) as { alpha?: unknown; lengthPerKm?: unknown };
    if (
      typeof alpha !== 'number' ||
      !(alpha > 0) ||
      typeof lengthPerKm !== 'number' ||
      !(lengthPerKm >= 0) ||
      !Number.isFinite(alpha + lengthPerKm)
    )
      throw new Error(`route features: expected "markov": {"alpha" > 0, "lengthPerKm" ≥ 0}, got ${JSON.stringify(markov)}`);
    out.markov = { alpha, lengthPerKm };
  }
  if (zonePlan === true) out.zonePlan = true;
  return out;
}

/**
 * Seconds to drive each road under the named speeds (the one function the route features read
 * times from). 'fitted' reads the speeds `derived` fitted on its train trips.
 */
export function roadSecondsFor(net: RoadNetwork, speeds: RouteSpeeds, derived?: Pick<Derived, 'fittedKmh'>): Float64Array {
  switch (speeds) {
    case 'free-flow':
      return freeFlowSeconds(net);
    case 'fitted': {
      const kmh = derived?.fittedKmh;
      if (!kmh || kmh.length !== net.roads.length)
        throw new Error(
          'route features on fitted speeds: this dataset was prepared without speeds fitted on its train trips (rebuild its derived data)',
        );
      return secondsAtSpeeds(net, kmh);
    }
  }
}

/**
 * The reversed roadmap.rel links (w → v for every link v → w) with each reversed link's cost:
 * `relCost[e]` of rel entry e (relOrigin[e] → relDest[e]).
 */
function reversedGraph(net: RoadNetwork, relCost: (e: number) => number): { g: RoutingGraph; cost: Float64Array } {
  const n = net.roads.length;
  const off = new Int32Array(n + 1);
  const { relOrigin, relDest } = net;
  for (let e = 0; e < relDest.length; e++) off[relDest[e] + 1]++;
  for (let v = 0; v < n; v++) off[v + 1] += off[v];
  const fill = off.slice(0, n);
  const adj = new Int32Array(relDest.length);
  const cost = new Float64Array(relDest.length);
  for (let e = 0; e < relDest.length; e++) {
    const at = fill[relDest[e]]++;
    adj[at] = relOrigin[e];
    cost[at] = relCost(e);
  }
  return { g: { n, off, adj }, cost };
}

/**
 * Memory the cache may fill by default: 4 bytes per road per destination, so ~1,200 destinations on
 * Porto's 13.5k roads. A batched search keeps up to its batch of OD pairs (256) in flight, each
 * step asking for all their destinations: fewer entries than that would search again every step.
 */
export const REMAINING_TIMES_BYTES = 64 * 2 ** 20;

/**
 * Remaining seconds to a destination for every road, one reverse Dijkstra per destination, the
 * last `capacity` destinations kept (least recently used dropped first). Arrays are float32 (what
 * the features are made from, the same bits on every path); Infinity where the destination cannot
 * be reached. The returned array must not be modified.
 *
 * `cost` is each road's seconds (D(v) = sec(v) + min D(w), above), or `{ linkCost }`: a cost per
 * roadmap.rel entry, in file order, for a cost to go that is paid per link rather than per road
 * (D(v) = min over links v → w of linkCost + D(w); data/markovRouteInputs.ts).
 */
export class RemainingTimes {
  readonly n: number;
  private readonly search: RouteSearch;
  private readonly cost: Float64Array;
  private readonly none = new Int32Array(0);
  private readonly cache = new Map<number, Float32Array>();
  /** Reverse searches run (one per destination not in the cache). */
  searches = 0;

  constructor(
    net: RoadNetwork,
    cost: Float64Array | { linkCost: Float64Array },
    readonly capacity = Math.max(256, Math.floor(REMAINING_TIMES_BYTES / (4 * Math.max(1, net.roads.length)))),
  ) {
    let relCost: (e: number) => number;
    if (cost instanceof Float64Array) {
      if (cost.length !== net.roads.length) throw new Error(`remaining times: ${cost.length} road times for ${net.roads.length} roads`);
      relCost = (e) => cost[net.relOrigin[e]];
    } else {
      const { linkCost } = cost;
      if (linkCost.length !== net.relOrigin.length)
        throw new Error(`remaining times: ${linkCost.length} link costs for ${net.relOrigin.length} links`);
      relCost = (e) => linkCost[e];
    }
    const { g, cost: reversedCost } = reversedGraph(net, relCost);
    this.n = g.n;
    this.search = new RouteSearch(g);
    this.cost = reversedCost;
  }

  /** Forgets every cached destination (benchmarks time the searches). */
  clear(): void {
    this.cache.clear();
  }

  /** Seconds from entering each road to entering `dest` (dest itself 0). */
  to(dest: number): Float32Array {
    const hit = this.cache.get(dest);
    if (hit) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.cache.delete(dest);
      this.cache.set(dest, hit);
      return hit;
    }
    if (!(dest >= 0 && dest < this.n)) throw new Error(`remaining times: destination ${dest} is not a road (0…${this.n - 1})`);
    this.search.runEdgeCosts(dest, this.none, 0, this.cost);
    this.searches++;
    const out = new Float32Array(this.n);
    for (let v = 0; v < this.n; v++) out[v] = this.search.cost(v);
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(dest, out);
    return out;
  }
}

/**
 * One RemainingTimes per network and speeds, shared by every batch context and decoder on it:
 * free-flow times are the network's, fitted ones the derived data's (its train trips').
 */
const shared = sharedTables<object, RouteSpeeds, RemainingTimes>();

export function remainingTimesFor(net: RoadNetwork, spec: RouteFeatureSpec, derived?: Pick<Derived, 'fittedKmh'>): RemainingTimes {
  const owner: object = spec.speeds === 'fitted' && derived ? derived : net;
  return shared(owner, spec.speeds, () => new RemainingTimes(net, roadSecondsFor(net, spec.speeds, derived)));
}
