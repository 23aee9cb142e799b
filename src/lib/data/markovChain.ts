// The first-order Markov chain over road → road transitions that the Markov baselines route on
// (generate/baselines.ts), the transition prior reads (generate/transitionPrior.ts) and the
// student's Markov route features are made from (data/routeKnowledge.ts): transitions counted on
// the links of the routing graph, and each link's −log p under add-α smoothing.
import type { RoutingGraph } from './routingGraph';

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
