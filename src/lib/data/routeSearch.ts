// One-to-many Dijkstra on the road graph with all buffers allocated once and reused: an indexed
// binary heap on typed arrays, and generation stamps instead of clearing O(n) arrays per search.
// Node = road. `run`: entering road v costs base[v]·noise[noiseOffset + v] (the simulator's travel
// time of v, perturbed). `runEdgeCosts`: taking link e (adj[e]) costs edgeCost[e] (the route
// baselines: a road's length or free-flow time, or a Markov chain's −log p). Costs must be ≥ 0.
// Ties are broken by road id: of two roads at the same cost the lower id is settled first, and a
// road keeps the predecessor that reached it first (strictly cheaper paths only replace it), so
// equal inputs give equal routes.
import type { RoutingGraph } from './routingGraph';

/** Heap order: lower cost first, then lower road id. */
function before(dist: Float64Array, a: number, b: number): boolean {
  return dist[a] < dist[b] || (dist[a] === dist[b] && a < b);
}

export class RouteSearch {
  private readonly g: RoutingGraph;
  private readonly dist: Float64Array;
  private readonly pred: Int32Array;
  /** seen[v] === gen: v was reached in the current search. */
  private readonly seen: Uint32Array;
  /** done[v] === gen: v is settled. */
  private readonly done: Uint32Array;
  private readonly isTarget: Uint32Array;
  private readonly heap: Int32Array;
  private readonly pos: Int32Array;
  private size = 0;
  private gen = 0;
  /** Roads settled by the last search (for measurements). */
  settled = 0;

  constructor(g: RoutingGraph) {
    this.g = g;
    this.dist = new Float64Array(g.n);
    this.pred = new Int32Array(g.n);
    this.seen = new Uint32Array(g.n);
    this.done = new Uint32Array(g.n);
    this.isTarget = new Uint32Array(g.n);
    this.heap = new Int32Array(g.n);
    this.pos = new Int32Array(g.n);
  }

  /**
   * Least-cost tree from `origin` until every road of targets[0..nTargets) is settled (or the
   * reachable graph is exhausted). `noise` is read at noiseOffset + v, so one long noise buffer
   * yields many cheap, different perturbations. Returns how many targets were reached.
   */
  run(origin: number, targets: Int32Array, nTargets: number, base: Float64Array, noise: Float32Array, noiseOffset: number): number {
    return this.search(origin, targets, nTargets, base, noise, noiseOffset, null);
  }

  /**
   * Least-cost tree from `origin` where taking link e of the graph (from v to adj[e], for
   * off[v] ≤ e < off[v + 1]) costs edgeCost[e], until every target is settled. Returns how many
   * targets were reached; `cost` then gives each reached road's least cost.
   */
  runEdgeCosts(origin: number, targets: Int32Array, nTargets: number, edgeCost: Float64Array): number {
    if (edgeCost.length !== this.g.adj.length) throw new Error(`runEdgeCosts: ${edgeCost.length} costs for ${this.g.adj.length} links`);
    return this.search(origin, targets, nTargets, null, null, 0, edgeCost);
  }

  /** Least cost from the last run's origin to a settled road `v` (Infinity when not settled). */
  cost(v: number): number {
    return this.done[v] === this.gen ? this.dist[v] : Infinity;
  }

  private search(
    origin: number,
    targets: Int32Array,
    nTargets: number,
    base: Float64Array | null,
    noise: Float32Array | null,
    noiseOffset: number,
    edgeCost: Float64Array | null,
  ): number {
    const gen = ++this.gen;
    const { off, adj } = this.g;
    const { dist, pred, seen, done, isTarget, pos } = this;
    let remaining = 0;
    for (let i = 0; i < nTargets; i++) {
      const t = targets[i];
      if (isTarget[t] !== gen) {
        isTarget[t] = gen;
        remaining++;
      }
    }
    const wanted = remaining;
    this.size = 0;
    seen[origin] = gen;
    dist[origin] = 0;
    pred[origin] = -1;
    this.push(origin);
    let settled = 0;
    while (this.size > 0) {
      const u = this.pop();
      done[u] = gen;
      settled++;
      if (isTarget[u] === gen && --remaining === 0) break;
      const du = dist[u];
      for (let e = off[u], end = off[u + 1]; e < end; e++) {
        const v = adj[e];
        if (done[v] === gen) continue;
        const nd = du + (edgeCost !== null ? edgeCost[e] : base![v] * noise![noiseOffset + v]);
        if (seen[v] !== gen) {
          seen[v] = gen;
          dist[v] = nd;
          pred[v] = u;
          this.push(v);
        } else if (nd < dist[v]) {
          dist[v] = nd;
          pred[v] = u;
          this.up(pos[v]);
        }
      }
    }
    this.settled = settled;
    return wanted - remaining;
  }

  /** True when `v` was settled by the last run (its route is final). */
  reached(v: number): boolean {
    return this.done[v] === this.gen;
  }

  /** Writes the route origin … target of the last run into `out`; returns its length (0 if unreached). */
  route(target: number, out: Int32Array): number {
    if (this.done[target] !== this.gen) return 0;
    let len = 0;
    for (let v = target; v >= 0; v = this.pred[v]) len++;
    if (len > out.length) throw new Error(`route buffer too small (${len} > ${out.length})`);
    let i = len;
    for (let v = target; v >= 0; v = this.pred[v]) out[--i] = v;
    return len;
  }

  private push(v: number): void {
    const i = this.size++;
    this.heap[i] = v;
    this.pos[v] = i;
    this.up(i);
  }

  private pop(): number {
    const heap = this.heap;
    const top = heap[0];
    const last = heap[--this.size];
    if (this.size > 0) {
      heap[0] = last;
      this.pos[last] = 0;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const { heap, pos, dist } = this;
    const v = heap[i];
    const d = dist[v];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = heap[p];
      if (dist[pv] < d || (dist[pv] === d && pv < v)) break;
      heap[i] = pv;
      pos[pv] = i;
      i = p;
    }
    heap[i] = v;
    pos[v] = i;
  }

  private down(i: number): void {
    const { heap, pos, dist } = this;
    const n = this.size;
    const v = heap[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(dist, heap[c + 1], heap[c])) c++;
      if (!before(dist, heap[c], v)) break;
      heap[i] = heap[c];
      pos[heap[i]] = i;
      i = c;
    }
    heap[i] = v;
    pos[v] = i;
  }
}
