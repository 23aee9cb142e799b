// The directed road→road graph of roadmap.rel in compressed form, and its largest strongly
// connected component: the simulator only draws origins and destinations inside it, so every
// sampled OD pair has a route (cropping a city leaves dead ends and one-way fringes).
import type { RoadNetwork } from '../data/types';

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

/** 1 for roads in the largest strongly connected component (iterative Tarjan). */
export function largestSccMask(g: RoutingGraph): Uint8Array {
  const { n, off, adj } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const callV = new Int32Array(n);
  const callE = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  let counter = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] >= 0) continue;
    let depth = 0;
    callV[0] = s;
    callE[0] = off[s];
    index[s] = low[s] = counter++;
    stack[sp++] = s;
    onStack[s] = 1;
    while (depth >= 0) {
      const v = callV[depth];
      if (callE[depth] < off[v + 1]) {
        const w = adj[callE[depth]++];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth++;
          callV[depth] = w;
          callE[depth] = off[w];
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      if (low[v] === index[v]) {
        const id = sizes.length;
        let size = 0;
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          comp[w] = id;
          size++;
        } while (w !== v);
        sizes.push(size);
      }
      depth--;
      if (depth >= 0) {
        const parent = callV[depth];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
    }
  }
  let best = 0;
  for (let c = 1; c < sizes.length; c++) if (sizes[c] > sizes[best]) best = c;
  const mask = new Uint8Array(n);
  for (let v = 0; v < n; v++) if (comp[v] === best) mask[v] = 1;
  return mask;
}
