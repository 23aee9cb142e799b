// The directed road→road graph of roadmap.rel in compressed form, and its largest strongly
// connected component: the simulator only draws origins and destinations inside it, so every
// sampled OD pair has a route (cropping a city leaves dead ends and one-way fringes).
import type { RoadNetwork } from './types';
import { stronglyConnectedComponents } from './osmImport';

/** Out-neighbours of road v are adj[off[v] .. off[v+1]). */
export interface RoutingGraph {
  n: number;
  off: Int32Array;
  adj: Int32Array;
}

export function forwardCsr(net: RoadNetwork): RoutingGraph {
  const n = net.roads.length;
  const off = new Int32Array(n + 1);
  for (let e = 0; e < net.relOrigin.length; e++) off[net.relOrigin[e] + 1]++;
  for (let v = 0; v < n; v++) off[v + 1] += off[v];
  const fill = off.slice(0, n);
  const adj = new Int32Array(net.relOrigin.length);
  for (let e = 0; e < net.relOrigin.length; e++) adj[fill[net.relOrigin[e]]++] = net.relDest[e];
  return { n, off, adj };
}

/** 1 for roads in the largest strongly connected component (the OSM import's Tarjan). */
export function largestSccMask(g: RoutingGraph): Uint8Array {
  const { n, off, adj } = g;
  const out: number[][] = [];
  for (let v = 0; v < n; v++) out.push(Array.from(adj.subarray(off[v], off[v + 1])));
  const { comp, count } = stronglyConnectedComponents(n, out);
  const sizes = new Int32Array(count);
  for (let v = 0; v < n; v++) sizes[comp[v]]++;
  let best = 0;
  for (let c = 1; c < count; c++) if (sizes[c] > sizes[best]) best = c;
  const mask = new Uint8Array(n);
  for (let v = 0; v < n; v++) if (comp[v] === best) mask[v] = 1;
  return mask;
}
