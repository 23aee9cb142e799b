// The first-order Markov chain over road → road transitions that the Markov baselines route on
// (generate/baselines.ts), the transition prior reads (generate/transitionPrior.ts) and the
// student's Markov and zone-plan route inputs are made from (data/markovRouteInputs.ts,
// data/zonePlanInputs.ts): transitions counted on the links of the routing graph, each link's −log p
// under add-α smoothing, and the folds of the train trips those inputs are cross-fitted on.
import type { Derived } from './derivedTypes';
import type { RoutingGraph } from './routingGraph';
import type { RoadNetwork } from './types';

/** The Markov chain's add-α smoothing over each road's network successors (the transition prior's default). */
export const MARKOV_SMOOTHING = 0.1;

export interface MarkovCounts {
  /** Transitions per link of the routing graph (CSR order; a duplicated link gets the pair's count on each copy). */
  edgeCount: Float64Array;
  /** Train transitions counted (consecutive roads joined by a network link). */
  counted: number;
  /** Consecutive road pairs of the trips that no link joins (not counted). */
  skipped: number;
}

/** Adds one a → b transition to every link of `g` from a to b; false when no link joins them. */
function countPair(g: RoutingGraph, edgeCount: Float64Array | Float32Array, a: number, b: number): boolean {
  if (!(a >= 0 && a < g.n)) return false;
  let hit = false;
  for (let e = g.off[a]; e < g.off[a + 1]; e++) {
    if (g.adj[e] === b) {
      edgeCount[e]++;
      hit = true;
    }
  }
  return hit;
}

/** Counts road → road transitions of `trips` on the links of `g`. */
export function countTransitions(g: RoutingGraph, trips: readonly { roads: readonly number[] }[]): MarkovCounts {
  const edgeCount = new Float64Array(g.adj.length);
  let counted = 0;
  let skipped = 0;
  for (const t of trips) {
    for (let i = 0; i + 1 < t.roads.length; i++) {
      if (countPair(g, edgeCount, t.roads[i], t.roads[i + 1])) counted++;
      else skipped++;
    }
  }
  return { edgeCount, counted, skipped };
}

/**
 * −log p(adj[e] | v) for every link e of v: add-α smoothing over v's distinct successors. Each
 * distinct successor's count enters the total once, even when roadmap.rel lists the link twice.
 */
export function markovEdgeCosts(g: RoutingGraph, counts: { edgeCount: ArrayLike<number> }, alpha = MARKOV_SMOOTHING): Float64Array {
  const { off, adj } = g;
  const cost = new Float64Array(adj.length);
  const seen = new Set<number>();
  for (let v = 0; v < g.n; v++) {
    seen.clear();
    let total = 0;
    for (let e = off[v]; e < off[v + 1]; e++) {
      if (seen.has(adj[e])) continue;
      seen.add(adj[e]);
      total += counts.edgeCount[e];
    }
    const denom = total + alpha * seen.size;
    for (let e = off[v]; e < off[v + 1]; e++) cost[e] = -Math.log((counts.edgeCount[e] + alpha) / denom);
  }
  return cost;
}

/**
 * The Markov + length baseline's link costs: −log p(adj[e] | v) (markovEdgeCosts) + μ · km of the
 * road the link enters. One function, so the baseline and the student's inputs price a link alike.
 */
export function markovLengthEdgeCosts(
  g: RoutingGraph,
  net: RoadNetwork,
  counts: { edgeCount: ArrayLike<number> },
  alpha: number,
  lengthPerKm: number,
): Float64Array {
  const cost = markovEdgeCosts(g, counts, alpha);
  for (let e = 0; e < cost.length; e++) cost[e] += (lengthPerKm * Math.max(0, net.roads[g.adj[e]].lengthM)) / 1000;
  return cost;
}

/** How many folds the train trips are cut into for the student's Markov inputs (cross-fitting). */
export const TRANSITION_FOLDS = 2;

/**
 * A trip's fold (0 or 1), from its roads and start time so that a Trajectory and a packed trip
 * get the same one: FNV-1a over the start second, the road count and every road id. Training
 * reads a trip's Markov inputs from the other fold's counts, so no trip sees its own transitions
 * (which would teach the student that a counted transition is always the one taken).
 */
export function tripFold(roads: ArrayLike<number>, startSec: number): number {
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((v >>> s) & 0xff), 0x01000193);
  };
  mix(Math.floor(startSec) | 0);
  mix(roads.length);
  for (let i = 0; i < roads.length; i++) mix(roads[i]);
  return (h >>> 0) % TRANSITION_FOLDS;
}

/**
 * Train transitions per routing-graph link (forwardCsr order), one array per fold (tripFold):
 * `walk` calls `visit(fold, a, b)` for every consecutive road pair a → b of every train trip, with
 * the fold of the trip it belongs to. Pairs no link joins are not counted (as countTransitions).
 */
export function foldedTransitionCounts(
  g: RoutingGraph,
  walk: (visit: (fold: number, a: number, b: number) => void) => void,
): Float32Array[] {
  const folds = Array.from({ length: TRANSITION_FOLDS }, () => new Float32Array(g.adj.length));
  walk((fold, a, b) => void countPair(g, folds[fold], a, b));
  return folds;
}

/** The counts a table is built on: every train trip's (`fold` null), or those of the folds other than `fold`, scaled to the whole. */
export function countsFor(folds: readonly Float32Array[], fold: number | null): Float32Array {
  const out = new Float32Array(folds[0].length);
  const used = folds.filter((_, f) => f !== fold);
  const scale = folds.length / used.length;
  for (const c of used) for (let e = 0; e < out.length; e++) out[e] += c[e];
  if (scale !== 1) for (let e = 0; e < out.length; e++) out[e] *= scale;
  return out;
}

/** `derived`'s transition folds, checked, for inputs named `what` read at `fold` (null: every train trip). */
export function checkedFolds(derived: Derived, fold: number | null, what: string): Float32Array[] {
  const folds = derived.transitionFolds;
  if (!folds || folds.length !== TRANSITION_FOLDS)
    throw new Error(`${what}: this dataset was prepared without train transition counts (rebuild its derived data)`);
  if (fold !== null && !(Number.isInteger(fold) && fold >= 0 && fold < TRANSITION_FOLDS))
    throw new Error(`${what}: fold ${fold} is not one of 0…${TRANSITION_FOLDS - 1}`);
  return folds;
}
