// Balanced partition of the roads into ~k connected zones (HOSER's "zones"; HOSER runs KaHIP,
// which has no npm port). Own heuristic, in four steps on the undirected graph rel ∪ shared
// endpoints: (1) k-means++ seeds on road centroids, (2) simultaneous BFS growth where the
// currently smallest zone always grows next, (3) diffusion: boundary roads move from a zone to a
// smaller neighbouring zone when that keeps the source zone connected, (4) merge the smallest
// zone into a neighbour and split the largest in two, while that improves the size ratio.
// Components too small for a zone of their own are attached to the geographically nearest zone
// (those zones then count as disconnected).
import { makeLocalProjection } from '../geo';
import type { RoadGraph, Zones } from './derivedTypes';
import type { RoadNetwork } from './types';
import { polylineCentroid } from '../geo';
// Seeded (mulberry32): the partition must be reproducible.
import { makeRng } from '../random';

/** Compressed undirected adjacency: neighbours of v are adj[off[v] .. off[v+1]). */
export interface Csr {
  off: Int32Array;
  adj: Int32Array;
}

/** Undirected, deduplicated, loop-free union of roadmap.rel and the road graph. */
export function undirectedAdjacency(net: RoadNetwork, graph: RoadGraph): Csr {
  const n = net.roads.length;
  const lists: number[][] = Array.from({ length: n }, () => []);
  const add = (u: number, v: number): void => {
    if (u === v || u < 0 || v < 0 || u >= n || v >= n) return;
    lists[u].push(v);
    lists[v].push(u);
  };
  for (let e = 0; e < net.relOrigin.length; e++) add(net.relOrigin[e], net.relDest[e]);
  for (let e = 0; e < graph.src.length; e++) add(graph.src[e], graph.dst[e]);
  const off = new Int32Array(n + 1);
  const flat: number[] = [];
  for (let v = 0; v < n; v++) {
    const l = lists[v].sort((a, b) => a - b);
    for (let i = 0; i < l.length; i++) if (i === 0 || l[i] !== l[i - 1]) flat.push(l[i]);
    off[v + 1] = flat.length;
  }
  return { off, adj: Int32Array.from(flat) };
}

function components(g: Csr, n: number): { comp: Int32Array; members: number[][] } {
  const comp = new Int32Array(n).fill(-1);
  const members: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (comp[s] >= 0) continue;
    const id = members.length;
    const list = [s];
    comp[s] = id;
    for (let h = 0; h < list.length; h++) {
      const v = list[h];
      for (let p = g.off[v]; p < g.off[v + 1]; p++) {
        const w = g.adj[p];
        if (comp[w] < 0) {
          comp[w] = id;
          list.push(w);
        }
      }
    }
    members.push(list);
  }
  return { comp, members };
}

/** k-means++ seeding plus a few Lloyd steps, snapped to distinct member roads. */
function chooseSeeds(nodes: number[], k: number, x: Float64Array, y: Float64Array, rand: () => number): number[] {
  const m = nodes.length;
  const cx: number[] = [];
  const cy: number[] = [];
  const d2 = new Float64Array(m).fill(Infinity);
  let next = nodes[Math.floor(rand() * m)];
  for (let c = 0; c < k; c++) {
    cx.push(x[next]);
    cy.push(y[next]);
    let total = 0;
    for (let i = 0; i < m; i++) {
      const v = nodes[i];
      const d = (x[v] - cx[c]) ** 2 + (y[v] - cy[c]) ** 2;
      if (d < d2[i]) d2[i] = d;
      total += d2[i];
    }
    if (c === k - 1) break;
    let r = rand() * total;
    let pick = m - 1;
    for (let i = 0; i < m; i++) {
      r -= d2[i];
      if (r <= 0 && d2[i] > 0) {
        pick = i;
        break;
      }
    }
    next = nodes[pick];
  }
  const assign = new Int32Array(m);
  for (let it = 0; it < 4; it++) {
    const sx = new Float64Array(k);
    const sy = new Float64Array(k);
    const cnt = new Float64Array(k);
    for (let i = 0; i < m; i++) {
      const v = nodes[i];
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const d = (x[v] - cx[c]) ** 2 + (y[v] - cy[c]) ** 2;
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      assign[i] = best;
      sx[best] += x[v];
      sy[best] += y[v];
      cnt[best]++;
    }
    for (let c = 0; c < k; c++) {
      if (cnt[c] > 0) {
        cx[c] = sx[c] / cnt[c];
        cy[c] = sy[c] / cnt[c];
      }
    }
  }
  const used = new Set<number>();
  const seeds: number[] = [];
  for (let c = 0; c < k; c++) {
    let best = -1;
    let bd = Infinity;
    for (let i = 0; i < m; i++) {
      const v = nodes[i];
      if (used.has(v)) continue;
      const d = (x[v] - cx[c]) ** 2 + (y[v] - cy[c]) ** 2;
      if (d < bd) {
        bd = d;
        best = v;
      }
    }
    used.add(best);
    seeds.push(best);
  }
  return seeds;
}

/**
 * Grow zones from seeds by BFS inside the node set `allowed` (zone[v] === scope for allowed v),
 * always extending the currently smallest zone that can still grow. Every reachable node gets one
 * of `ids`; each zone is connected by construction.
 */
function growBalanced(g: Csr, zone: Int32Array, scope: number, seeds: number[], ids: number[]): void {
  const k = seeds.length;
  const queues: number[][] = seeds.map((s) => [s]);
  const heads = new Int32Array(k);
  const size = new Int32Array(k);
  const active = new Uint8Array(k).fill(1);
  for (let c = 0; c < k; c++) zone[seeds[c]] = ids[c];
  for (let c = 0; c < k; c++) size[c] = 1;
  for (;;) {
    let c = -1;
    for (let i = 0; i < k; i++) if (active[i] && (c < 0 || size[i] < size[c])) c = i;
    if (c < 0) break;
    const q = queues[c];
    let grew = false;
    while (heads[c] < q.length && !grew) {
      const v = q[heads[c]];
      for (let p = g.off[v]; p < g.off[v + 1]; p++) {
        const w = g.adj[p];
        if (zone[w] === scope) {
          zone[w] = ids[c];
          size[c]++;
          q.push(w);
          grew = true;
          break;
        }
      }
      if (!grew) heads[c]++;
    }
    if (!grew) active[c] = 0;
  }
}

/** Mutable partition state with the connectivity-preserving moves. */
class Partition {
  readonly size: Int32Array;
  private readonly stamp: Int32Array;
  private tick = 0;
  constructor(
    readonly g: Csr,
    readonly zone: Int32Array,
    readonly nZones: number,
  ) {
    this.size = new Int32Array(nZones);
    for (let v = 0; v < zone.length; v++) if (zone[v] >= 0) this.size[zone[v]]++;
    this.stamp = new Int32Array(zone.length);
  }

  /** True if zone[v] stays connected without v (assuming it is connected now). */
  canRemove(v: number): boolean {
    const { off, adj } = this.g;
    const z = this.zone[v];
    const inZone: number[] = [];
    for (let p = off[v]; p < off[v + 1]; p++) if (this.zone[adj[p]] === z) inZone.push(adj[p]);
    if (inZone.length <= 1) return this.size[z] > 1;
    const t = ++this.tick;
    this.stamp[v] = t;
    const stack = [inZone[0]];
    this.stamp[inZone[0]] = t;
    let need = inZone.length - 1;
    for (let i = 1; i < inZone.length; i++) if (this.stamp[inZone[i]] === t) need--;
    while (stack.length > 0 && need > 0) {
      const u = stack.pop() as number;
      for (let p = off[u]; p < off[u + 1]; p++) {
        const w = adj[p];
        if (this.zone[w] !== z || this.stamp[w] === t) continue;
        this.stamp[w] = t;
        stack.push(w);
        if (inZone.includes(w)) need--;
      }
    }
    return need === 0;
  }

  /** Sweeps moving boundary roads to strictly smaller (by ≥ 2) neighbouring zones. */
  diffuse(maxSweeps: number): void {
    const { off, adj } = this.g;
    const n = this.zone.length;
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      let moved = 0;
      for (let v = 0; v < n; v++) {
        const a = this.zone[v];
        if (a < 0) continue;
        let b = -1;
        for (let p = off[v]; p < off[v + 1]; p++) {
          const z = this.zone[adj[p]];
          if (z >= 0 && z !== a && (b < 0 || this.size[z] < this.size[b])) b = z;
        }
        if (b < 0 || this.size[a] - this.size[b] < 2 || !this.canRemove(v)) continue;
        this.zone[v] = b;
        this.size[a]--;
        this.size[b]++;
        moved++;
      }
      if (moved === 0) return;
    }
  }

  /** Members of zone z (linear scan; used rarely). */
  members(z: number): number[] {
    const out: number[] = [];
    for (let v = 0; v < this.zone.length; v++) if (this.zone[v] === z) out.push(v);
    return out;
  }

  /** Farthest member (in hops, inside zone z) from `from`. */
  private farthest(from: number, z: number): number {
    const { off, adj } = this.g;
    const t = ++this.tick;
    this.stamp[from] = t;
    const q = [from];
    for (let h = 0; h < q.length; h++) {
      const u = q[h];
      for (let p = off[u]; p < off[u + 1]; p++) {
        const w = adj[p];
        if (this.zone[w] === z && this.stamp[w] !== t) {
          this.stamp[w] = t;
          q.push(w);
        }
      }
    }
    return q[q.length - 1];
  }

  /** Merge zone `small` into its smallest neighbour zone; false if it has none. */
  mergeIntoNeighbour(small: number): boolean {
    const { off, adj } = this.g;
    const mem = this.members(small);
    let b = -1;
    for (const v of mem) {
      for (let p = off[v]; p < off[v + 1]; p++) {
        const z = this.zone[adj[p]];
        if (z >= 0 && z !== small && (b < 0 || this.size[z] < this.size[b])) b = z;
      }
    }
    if (b < 0) return false;
    for (const v of mem) this.zone[v] = b;
    this.size[b] += mem.length;
    this.size[small] = 0;
    return true;
  }

  /** Split zone `big` in two connected halves; the second half gets id `freeId`. */
  split(big: number, freeId: number): void {
    const mem = this.members(big);
    const p = this.farthest(mem[0], big);
    const q = this.farthest(p, big);
    const SCOPE = -2;
    for (const v of mem) this.zone[v] = SCOPE;
    growBalanced(this.g, this.zone, SCOPE, [p, q], [big, freeId]);
    let a = 0;
    for (const v of mem) if (this.zone[v] === big) a++;
    this.size[big] = a;
    this.size[freeId] = mem.length - a;
  }
}

function ratioOf(size: Int32Array): number {
  let mn = Infinity;
  let mx = 0;
  for (const s of size) {
    if (s < mn) mn = s;
    if (s > mx) mx = s;
  }
  return mx / Math.max(1, mn);
}

/** Number of zones whose roads are not one connected piece of `g`. */
export function countDisconnected(g: Csr, roadZone: Int32Array, nZones: number): number {
  const n = roadZone.length;
  const seen = new Uint8Array(n);
  const pieces = new Int32Array(nZones);
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    const z = roadZone[s];
    pieces[z]++;
    seen[s] = 1;
    const stack = [s];
    while (stack.length > 0) {
      const u = stack.pop() as number;
      for (let p = g.off[u]; p < g.off[u + 1]; p++) {
        const w = g.adj[p];
        if (!seen[w] && roadZone[w] === z) {
          seen[w] = 1;
          stack.push(w);
        }
      }
    }
  }
  let bad = 0;
  for (let z = 0; z < nZones; z++) if (pieces[z] > 1) bad++;
  return bad;
}

/** Split `total` zones over components proportionally to size (largest remainder, ≥ 1 each). */
function allocate(sizes: number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const raw = sizes.map((s) => (s / sum) * total);
  const out = raw.map((r) => Math.max(1, Math.floor(r)));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => i).sort((a, b) => raw[b] - Math.floor(raw[b]) - (raw[a] - Math.floor(raw[a])) || a - b);
  for (let i = 0; left > 0; i = (i + 1) % order.length) {
    const c = order[i];
    if (out[c] < sizes[c]) {
      out[c]++;
      left--;
    }
  }
  return out;
}

export function partitionZones(net: RoadNetwork, graph: RoadGraph, k = 300, seed = 1): Zones {
  const n = net.roads.length;
  if (n === 0) return { nZones: 0, roadZone: new Int32Array(0), sizeRatio: 1, disconnected: 0 };
  const kEff = Math.max(1, Math.min(k, n));
  const g = undirectedAdjacency(net, graph);
  const rand = makeRng(seed);

  // Local metric coordinates of road centroids (k-means and crumb attachment).
  const cen = net.roads.map((r) => polylineCentroid(r.coords));
  const refLat = cen.reduce((a, c) => a + c[1], 0) / n;
  const proj = makeLocalProjection(refLat);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let v = 0; v < n; v++) [x[v], y[v]] = proj.toXY(cen[v]);

  // Components big enough for a zone of their own; smaller ones are "crumbs".
  const { members } = components(g, n);
  const target = n / kEff;
  let big = members.map((m, i) => i).filter((i) => members[i].length >= target / 2);
  if (big.length === 0) big = [members.reduce((b, m, i) => (m.length > members[b].length ? i : b), 0)];
  if (big.length > kEff)
    big = big
      .sort((a, b) => members[b].length - members[a].length || a - b)
      .slice(0, kEff)
      .sort((a, b) => a - b);
  const bigSizes = big.map((c) => members[c].length);
  const quota = allocate(
    bigSizes,
    Math.min(
      kEff,
      bigSizes.reduce((a, b) => a + b, 0),
    ),
  );

  const zone = new Int32Array(n).fill(-1);
  let nextId = 0;
  const SCOPE = -3;
  big.forEach((c, bi) => {
    const nodes = members[c];
    const kc = quota[bi];
    for (const v of nodes) zone[v] = SCOPE;
    const seeds = chooseSeeds(nodes, kc, x, y, rand);
    const ids = seeds.map((_, i) => nextId + i);
    nextId += kc;
    growBalanced(g, zone, SCOPE, seeds, ids);
  });
  const nZones = nextId;

  const part = new Partition(g, zone, nZones);
  part.diffuse(50);

  // Merge the smallest zone into a neighbour and split the largest, while the ratio improves.
  let best = zone.slice();
  let bestRatio = ratioOf(part.size);
  let stale = 0;
  const stuck = new Uint8Array(nZones);
  for (let it = 0; it < 4 * nZones && stale < 20; it++) {
    let s = -1;
    let l = -1;
    for (let z = 0; z < nZones; z++) {
      if (!stuck[z] && (s < 0 || part.size[z] < part.size[s])) s = z;
      if (l < 0 || part.size[z] > part.size[l]) l = z;
    }
    if (s < 0 || s === l || part.size[l] < 2 * part.size[s] + 2) break;
    if (!part.mergeIntoNeighbour(s)) {
      stuck[s] = 1;
      continue;
    }
    // The merge may have grown the largest zone; pick it again.
    let l2 = 0;
    for (let z = 0; z < nZones; z++) if (part.size[z] > part.size[l2]) l2 = z;
    if (part.size[l2] < 2) break;
    part.split(l2, s);
    part.diffuse(20);
    const r = ratioOf(part.size);
    if (r < bestRatio - 1e-9) {
      bestRatio = r;
      best = zone.slice();
      stale = 0;
    } else stale++;
  }
  zone.set(best);

  // Attach crumbs to the zone of the nearest road (by centroid) already in a zone.
  const zoned: number[] = [];
  for (let v = 0; v < n; v++) if (zone[v] >= 0) zoned.push(v);
  for (const m of members) {
    if (zone[m[0]] >= 0) continue;
    let bestV = zoned[0];
    let bd = Infinity;
    for (const u of zoned) {
      const d = (x[u] - x[m[0]]) ** 2 + (y[u] - y[m[0]]) ** 2;
      if (d < bd) {
        bd = d;
        bestV = u;
      }
    }
    for (const v of m) zone[v] = zone[bestV];
  }

  // Renumber zones by their lowest road id so ids do not depend on the merge/split history.
  const remap = new Int32Array(nZones).fill(-1);
  let id = 0;
  for (let v = 0; v < n; v++) if (remap[zone[v]] < 0) remap[zone[v]] = id++;
  const roadZone = new Int32Array(n);
  for (let v = 0; v < n; v++) roadZone[v] = remap[zone[v]];
  const size = new Int32Array(id);
  for (let v = 0; v < n; v++) size[roadZone[v]]++;
  return {
    nZones: id,
    roadZone,
    sizeRatio: ratioOf(size),
    disconnected: countDisconnected(g, roadZone, id),
  };
}
