// The Markov + length baseline's knowledge as two more route inputs per candidate (issue 65, lever
// a). On Porto's test pairs the baseline draws the real trip exactly on 185 of 507 OD pairs, and
// the whole deficit of the route-features student against it sits there; the student sees each
// candidate's time left but not what the train trips did. So each candidate c of road `cur` on the
// way to `dest` also carries:
//   gap    log1p(cost(c) − min over candidates cost), cost(c) = ℓ(cur → c) + D(c), where ℓ is the
//          baseline's link cost −log p(c | cur) + μ · km of c and D(c) the least ℓ-cost from c to
//          dest (one reverse Dijkstra per destination: RemainingTimes on link costs). The same
//          value ROUTE_UNREACHABLE_DELAY as the time inputs where dest cannot be reached.
//   count  log1p(train transitions cur → c).
// Counts come from Derived.transitionFolds. A training trip reads the other fold's counts, doubled
// to the whole table's scale (`fold` below), so it never sees its own transitions; evaluation and
// generation read every train trip's counts.
import type { Derived } from './derivedTypes';
import { ROUTE_UNREACHABLE_DELAY } from './candidates';
import { checkedFolds, countsFor, markovLengthEdgeCosts } from './markovChain';
import { RemainingTimes, type MarkovRouteSpec } from './remainingTimes';
import { forwardCsr, type RoutingGraph } from './routingGraph';
import { sharedTables } from './sharedTables';
import type { RoadNetwork } from './types';

/** The Markov + length chain on one count table, and its cost to go per destination. */
export class MarkovRouteTables {
  private readonly g: RoutingGraph;
  /** ℓ per forwardCsr link, and the train transitions behind it. */
  private readonly linkCost: Float64Array;
  private readonly count: Float32Array;
  private readonly costToGo: RemainingTimes;

  constructor(net: RoadNetwork, count: Float32Array, spec: MarkovRouteSpec) {
    this.g = forwardCsr(net);
    if (count.length !== this.g.adj.length)
      throw new Error(
        `Markov route inputs: ${count.length} link counts for ${this.g.adj.length} links (the derived data is from another network)`,
      );
    this.count = count;
    this.linkCost = markovLengthEdgeCosts(this.g, net, { edgeCount: count }, spec.alpha, spec.lengthPerKm);
    // forwardCsr lays each origin's links out in file order, so rel entry e is the next slot of its origin.
    const fill = this.g.off.slice(0, this.g.n);
    const relCost = new Float64Array(net.relOrigin.length);
    for (let e = 0; e < relCost.length; e++) relCost[e] = this.linkCost[fill[net.relOrigin[e]]++];
    this.costToGo = new RemainingTimes(net, { linkCost: relCost });
  }

  /** [gap, count] per candidate of `cur` on the way to `dest`, interleaved. */
  inputs(cur: number, dest: number, cands: readonly number[]): Float32Array {
    const d = this.costToGo.to(dest);
    const m = cands.length;
    const total = new Float64Array(m);
    const out = new Float32Array(2 * m);
    let best = Infinity;
    for (let i = 0; i < m; i++) {
      // The cheapest link cur → c (roadmap.rel may list one twice) and its count.
      let l = Infinity;
      let n = 0;
      for (let e = this.g.off[cur]; e < this.g.off[cur + 1]; e++) {
        if (this.g.adj[e] !== cands[i]) continue;
        l = Math.min(l, this.linkCost[e]);
        n = Math.max(n, this.count[e]);
      }
      total[i] = l + d[cands[i]];
      best = Math.min(best, total[i]);
      out[2 * i + 1] = Math.log1p(n);
    }
    for (let i = 0; i < m; i++) out[2 * i] = total[i] === Infinity ? ROUTE_UNREACHABLE_DELAY : Math.log1p(total[i] - best);
    return out;
  }
}

const shared = sharedTables<Derived, string, MarkovRouteTables>();

/**
 * The tables for `derived`'s train counts under `spec`, shared by every batch context and decoder on
 * them: `fold` null for every train trip's counts (evaluation, generation), a trip's fold for a
 * training trip (the other folds' counts).
 */
export function markovRouteTables(net: RoadNetwork, derived: Derived, spec: MarkovRouteSpec, fold: number | null): MarkovRouteTables {
  const folds = checkedFolds(derived, fold, 'Markov route inputs');
  return shared(
    derived,
    `${spec.alpha}:${spec.lengthPerKm}:${fold ?? 'all'}`,
    () => new MarkovRouteTables(net, countsFor(folds, fold), spec),
  );
}
