// A zone-level plan as one more route input per candidate (issue 65, lever c). HOSER plans at the
// level of its zones (about 300 per city, data/zones.ts): here a first-order chain over zone
// crossings, counted on the train trips, gives each zone a cost to go to the destination's zone,
// and each candidate c of a step carries
//   zone gap   log1p(Z(zone(c)) − min over candidates Z(zone(c'))),
// Z the least −log p cost over zone crossings from a zone to the destination's zone (0 inside it),
// p(b | a) = (crossings a → b + 1) / (crossings out of a + number of zones a borders), the zones a
// borders being those a road link of the network crosses into. A candidate that stays in its zone
// reads that zone's cost; one that crosses into a zone nearer the goal reads less. Zones the chain
// cannot lead to the goal from read ROUTE_UNREACHABLE_DELAY.
// Counts come from Derived.transitionFolds, cross-fitted for training trips as the Markov inputs
// are (data/markovRouteInputs.ts): a crossing is the road link it happens on.
import type { Derived } from './derivedTypes';
import { ROUTE_UNREACHABLE_DELAY } from './candidates';
import { checkedFolds, countsFor } from './markovChain';
import { RouteSearch } from './routeSearch';
import { forwardCsr, type RoutingGraph } from './routingGraph';
import { sharedTables } from './sharedTables';
import type { RoadNetwork } from './types';

/** Add-one smoothing over the zones a zone borders. */
const ZONE_SMOOTHING = 1;

/** The zone chain on one count table, and each destination zone's cost to go. */
export class ZonePlanTables {
  private readonly roadZone: Int32Array;
  private readonly search: RouteSearch;
  /** Reversed zone links (b → a for every crossing a → b) and their costs −log p(b | a). */
  private readonly cost: Float64Array;
  private readonly none = new Int32Array(0);
  private readonly cache = new Map<number, Float64Array>();

  constructor(
    net: RoadNetwork,
    roadZone: Int32Array,
    private readonly nZones: number,
    count: Float32Array,
  ) {
    const g = forwardCsr(net);
    if (count.length !== g.adj.length)
      throw new Error(`zone plan inputs: ${count.length} link counts for ${g.adj.length} links (the derived data is from another network)`);
    this.roadZone = roadZone;
    // Crossings per ordered zone pair (a ≠ b), over every road link from a zone into another.
    const pairs = new Map<number, number>();
    for (let v = 0; v < g.n; v++) {
      const a = roadZone[v];
      for (let e = g.off[v]; e < g.off[v + 1]; e++) {
        const b = roadZone[g.adj[e]];
        if (a !== b) pairs.set(a * nZones + b, (pairs.get(a * nZones + b) ?? 0) + count[e]);
      }
    }
    const out = new Float64Array(nZones);
    const deg = new Int32Array(nZones);
    for (const [k, c] of pairs) {
      out[Math.floor(k / nZones)] += c;
      deg[Math.floor(k / nZones)]++;
    }
    // The reversed graph in CSR: for each zone b, the zones a with a crossing a → b.
    const off = new Int32Array(nZones + 1);
    for (const k of pairs.keys()) off[(k % nZones) + 1]++;
    for (let z = 0; z < nZones; z++) off[z + 1] += off[z];
    const fill = off.slice(0, nZones);
    const adj = new Int32Array(pairs.size);
    this.cost = new Float64Array(pairs.size);
    for (const [k, c] of [...pairs].sort((x, y) => x[0] - y[0])) {
      const a = Math.floor(k / nZones);
      const at = fill[k % nZones]++;
      adj[at] = a;
      this.cost[at] = -Math.log((c + ZONE_SMOOTHING) / (out[a] + ZONE_SMOOTHING * deg[a]));
    }
    const rg: RoutingGraph = { n: nZones, off, adj };
    this.search = new RouteSearch(rg);
  }

  /** Z per zone for the destination road's zone (Infinity where the chain cannot lead there); at most one array per zone. */
  private costToGo(destZone: number): Float64Array {
    const hit = this.cache.get(destZone);
    if (hit) return hit;
    this.search.runEdgeCosts(destZone, this.none, 0, this.cost);
    const d = new Float64Array(this.nZones);
    for (let z = 0; z < this.nZones; z++) d[z] = this.search.cost(z);
    this.cache.set(destZone, d);
    return d;
  }

  /** The zone gap per candidate, on the way to road `dest`. */
  inputs(dest: number, cands: readonly number[]): Float32Array {
    const d = this.costToGo(this.roadZone[dest]);
    const m = cands.length;
    const out = new Float32Array(m);
    let best = Infinity;
    for (let i = 0; i < m; i++) best = Math.min(best, d[this.roadZone[cands[i]]]);
    for (let i = 0; i < m; i++) {
      const z = d[this.roadZone[cands[i]]];
      out[i] = z === Infinity ? ROUTE_UNREACHABLE_DELAY : Math.log1p(z - best);
    }
    return out;
  }
}

const shared = sharedTables<Derived, string, ZonePlanTables>();

/** The zone chain on `derived`'s train counts, shared: `fold` null for every train trip, a trip's fold for a training trip. */
export function zonePlanTables(net: RoadNetwork, derived: Derived, fold: number | null): ZonePlanTables {
  const folds = checkedFolds(derived, fold, 'zone plan inputs');
  return shared(
    derived,
    String(fold ?? 'all'),
    () => new ZonePlanTables(net, derived.zones.roadZone, derived.zones.nZones, countsFor(folds, fold)),
  );
}
