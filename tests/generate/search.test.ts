import { describe, it, expect } from 'vitest';
import {
  assignTimes,
  beamSearch,
  bestFirstSearch,
  bestFirstSearchMany,
  type BatchScorer,
  type StepQuery,
  type StepScores,
} from '../../src/lib/generate/search';

/** A weighted directed graph: adj[u] = [[v, weight], ...]; x = a 1-D position per road. */
interface ToyGraph {
  adj: [number, number][][];
  x: number[];
}

/**
 * Deterministic toy scorer: log-softmax of the out-edge weights of the prefix's last road (so it is
 * Markov and independent of the destination), time = 10 s + the candidate id. Records every call.
 */
class ToyScorer implements BatchScorer {
  calls: StepQuery[][] = [];
  constructor(
    private g: ToyGraph,
    private asyncMode = false,
  ) {}
  scoreBatch(queries: StepQuery[]): StepScores[] | Promise<StepScores[]> {
    this.calls.push(queries.map((q) => ({ prefix: [...q.prefix], dest: q.dest })));
    const out = queries.map((q) => {
      const edges = this.g.adj[q.prefix[q.prefix.length - 1]] ?? [];
      const total = edges.reduce((s, e) => s + e[1], 0);
      return {
        candidates: edges.map((e) => e[0]),
        logProbs: new Float32Array(edges.map((e) => Math.log(e[1] / total))),
        timeSec: edges.map((e) => 10 + e[0]),
      };
    });
    return this.asyncMode ? Promise.resolve(out) : out;
  }
}

const dist = (g: ToyGraph) => (road: number, dest: number) => Math.abs(g.x[road] - g.x[dest]);

// 0 → 1 (0.6) → {3, 4} (0.5 each) → 6;  0 → 2 (0.4) → 5 → 6.  Greedy: 0-1-3-6 (p 0.3);
// the most probable path is 0-2-5-6 (p 0.4). Road 7 is isolated (unreachable).
const diamond: ToyGraph = {
  adj: [
    [
      [1, 0.6],
      [2, 0.4],
    ],
    [
      [3, 0.5],
      [4, 0.5],
    ],
    [[5, 1]],
    [[6, 1]],
    [[6, 1]],
    [[6, 1]],
    [],
    [],
  ],
  x: [0, 1, 1, 2, 2, 2, 3, 10],
};

/** A random graph where every road has 1–3 out-edges with random weights. */
function randomGraph(n: number, seed: number): ToyGraph {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const adj: [number, number][][] = [];
  for (let u = 0; u < n; u++) {
    const k = 1 + Math.floor(rnd() * 3);
    const seen = new Set<number>();
    const edges: [number, number][] = [];
    for (let i = 0; i < k; i++) {
      const v = Math.floor(rnd() * n);
      if (v === u || seen.has(v)) continue;
      seen.add(v);
      edges.push([v, 0.05 + rnd()]);
    }
    adj.push(edges);
  }
  return { adj, x: Array.from({ length: n }, () => rnd() * 100) };
}

/** Independent greedy reference: always take the most probable road not yet on the path. */
function greedy(g: ToyGraph, origin: number, dest: number, maxSteps: number): number[] {
  const path = [origin];
  while (path[path.length - 1] !== dest && path.length <= maxSteps) {
    const edges = g.adj[path[path.length - 1]].filter((e) => !path.includes(e[0]));
    if (edges.length === 0) break;
    let best = edges[0];
    for (const e of edges) if (e[1] > best[1]) best = e;
    path.push(best[0]);
  }
  return path;
}

/** Dijkstra on −log p: the most probable path for a Markov scorer. */
function maxLogProb(g: ToyGraph, origin: number, dest: number): number {
  const n = g.adj.length;
  const cost = new Array<number>(n).fill(Infinity);
  const done = new Array<boolean>(n).fill(false);
  cost[origin] = 0;
  for (;;) {
    let u = -1;
    for (let i = 0; i < n; i++) if (!done[i] && cost[i] < Infinity && (u < 0 || cost[i] < cost[u])) u = i;
    if (u < 0) return -Infinity;
    if (u === dest) return -cost[u];
    done[u] = true;
    const total = g.adj[u].reduce((s, e) => s + e[1], 0);
    for (const [v, w] of g.adj[u]) {
      // same float32 log-probs as the scorer hands out
      const c = cost[u] - Math.fround(Math.log(w / total));
      if (c < cost[v]) cost[v] = c;
    }
  }
}

function pathLogProb(g: ToyGraph, roads: number[]): number {
  let s = 0;
  for (let i = 1; i < roads.length; i++) {
    const edges = g.adj[roads[i - 1]];
    const total = edges.reduce((t, e) => t + e[1], 0);
    const e = edges.find((x) => x[0] === roads[i]);
    if (!e) throw new Error(`no edge ${roads[i - 1]}→${roads[i]}`);
    s += Math.fround(Math.log(e[1] / total));
  }
  return s;
}

describe('beamSearch', () => {
  it('reaches the destination and returns the best finished beam', async () => {
    const scorer = new ToyScorer(diamond);
    const [r] = await beamSearch(scorer, [{ origin: 0, dest: 6 }], { beam: 2, distanceToDest: dist(diamond) });
    expect(r.reached).toBe(true);
    expect(r.roads).toEqual([0, 2, 5, 6]);
    expect(r.logProb).toBeCloseTo(Math.log(0.4), 6);
    expect(r.stepTimes).toEqual([12, 15, 16]);
    expect(scorer.calls.length).toBe(3);
  });

  it('with width 1 follows the greedy path', async () => {
    const [r] = await beamSearch(new ToyScorer(diamond), [{ origin: 0, dest: 6 }], {
      beam: 1,
      distanceToDest: dist(diamond),
    });
    expect(r.roads).toEqual([0, 1, 3, 6]);
    expect(r.logProb).toBeCloseTo(Math.log(0.3), 6);
  });

  it('beam width 1 equals an independent greedy search on random graphs', async () => {
    const g = randomGraph(40, 7);
    const ods = Array.from({ length: 30 }, (_, i) => ({ origin: i % 40, dest: (i * 7 + 3) % 40 }));
    const res = await beamSearch(new ToyScorer(g), ods, { beam: 1, maxSteps: 60, distanceToDest: dist(g) });
    let reached = 0;
    for (let i = 0; i < ods.length; i++) {
      const ref = greedy(g, ods[i].origin, ods[i].dest, 60);
      if (res[i].reached) {
        reached++;
        expect(res[i].roads).toEqual(ref);
        expect(res[i].logProb).toBeCloseTo(pathLogProb(g, ref), 5);
      } else {
        // a failed greedy walk returns its prefix that ended nearest the destination
        expect(ref.slice(0, res[i].roads.length)).toEqual(res[i].roads);
      }
    }
    expect(reached).toBeGreaterThan(3);
  });

  it('returns the partial path ending nearest an unreachable destination', async () => {
    const [r] = await beamSearch(new ToyScorer(diamond), [{ origin: 0, dest: 7 }], {
      beam: 2,
      distanceToDest: dist(diamond),
    });
    expect(r.reached).toBe(false);
    // road 6 (x = 3) is the explored road nearest to road 7 (x = 10); beams then die at the dead end
    expect(r.roads[r.roads.length - 1]).toBe(6);
    expect(r.roads).toEqual([0, 2, 5, 6]);
  });

  it('respects the step cap', async () => {
    // a line 0 → 1 → … → 49 with a side branch at every road
    const n = 50;
    const g: ToyGraph = {
      adj: Array.from({ length: n }, (_, u) => (u + 1 < n ? ([[u + 1, 0.9]] as [number, number][]) : [])),
      x: Array.from({ length: n }, (_, u) => u),
    };
    const scorer = new ToyScorer(g);
    const [r] = await beamSearch(scorer, [{ origin: 0, dest: 49 }], { beam: 3, maxSteps: 10, distanceToDest: dist(g) });
    expect(r.reached).toBe(false);
    expect(r.roads).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(scorer.calls.length).toBe(10);
    const [full] = await beamSearch(new ToyScorer(g), [{ origin: 0, dest: 49 }], { beam: 3, maxSteps: 49, distanceToDest: dist(g) });
    expect(full.reached).toBe(true);
    expect(full.roads.length).toBe(50);
  });

  it('never revisits a road on its own path', async () => {
    // a ring 0→1→2→3→0 whose most probable move from 3 is back to 0; destination 4 hangs off 3
    const g: ToyGraph = {
      adj: [
        [[1, 1]],
        [[2, 1]],
        [[3, 1]],
        [
          [0, 0.9],
          [4, 0.1],
        ],
        [],
      ],
      x: [0, 1, 2, 3, 4],
    };
    const [r] = await beamSearch(new ToyScorer(g), [{ origin: 0, dest: 4 }], { beam: 1, distanceToDest: dist(g) });
    expect(r.roads).toEqual([0, 1, 2, 3, 4]);
    expect(r.reached).toBe(true);
    expect(r.logProb).toBeCloseTo(Math.log(0.1), 6);
  });

  it('batched search over many OD pairs equals one-at-a-time search', async () => {
    const g = randomGraph(60, 11);
    const ods = Array.from({ length: 25 }, (_, i) => ({ origin: (i * 5) % 60, dest: (i * 13 + 7) % 60 }));
    const opts = { beam: 4, maxSteps: 40, distanceToDest: dist(g) };
    const together = await beamSearch(new ToyScorer(g, true), ods, opts);
    const single = [];
    for (const od of ods) single.push((await beamSearch(new ToyScorer(g), [od], opts))[0]);
    expect(together).toEqual(single);
    expect(together.some((r) => r.reached)).toBe(true);
    expect(together.some((r) => !r.reached)).toBe(true);
  });

  it('sends all live beams of all OD pairs to the scorer in one call per step', async () => {
    const scorer = new ToyScorer(diamond);
    const ods = [
      { origin: 0, dest: 6 },
      { origin: 0, dest: 7 },
      { origin: 2, dest: 6 },
      { origin: 6, dest: 6 },
    ];
    const res = await beamSearch(scorer, ods, { beam: 2, distanceToDest: dist(diamond) });
    // step 1: 3 live pairs with one beam each (the origin == dest pair needs no step)
    expect(scorer.calls[0].map((q) => q.prefix)).toEqual([[0], [0], [2]]);
    // step 2: both diamond pairs hold 2 beams; 2 → 5 → 6 is still going
    expect(scorer.calls[1].length).toBe(5);
    expect(scorer.calls[1].map((q) => q.dest)).toEqual([6, 6, 7, 7, 6]);
    // step 3: pair 3 finished at 6 after two steps; the others expand 2 beams each
    expect(scorer.calls[2].length).toBe(4);
    expect(res[3]).toEqual({ roads: [6], reached: true, logProb: 0, stepTimes: [] });
    expect(res[2].roads).toEqual([2, 5, 6]);
    const total = scorer.calls.reduce((s, c) => s + c.length, 0);
    expect(scorer.calls.length).toBeLessThanOrEqual(4);
    expect(total).toBeGreaterThan(scorer.calls.length);
  });

  it('keeps one beam per end road unless told otherwise', async () => {
    // two routes meet at road 3; road 9 (x = 100) is out of reach so the search runs until beams die
    const g: ToyGraph = {
      adj: [
        [
          [1, 0.5],
          [2, 0.5],
        ],
        [[3, 1]],
        [[3, 1]],
        [
          [4, 0.5],
          [5, 0.5],
        ],
        [],
        [],
        [],
        [],
        [],
        [],
      ],
      x: [0, 1, 1, 2, 3, 3, 0, 0, 0, 100],
    };
    const unique = new ToyScorer(g);
    await beamSearch(unique, [{ origin: 0, dest: 9 }], { beam: 2, distanceToDest: dist(g) });
    expect(unique.calls[2].map((q) => q.prefix)).toEqual([[0, 1, 3]]);
    const dup = new ToyScorer(g);
    await beamSearch(dup, [{ origin: 0, dest: 9 }], { beam: 2, uniqueEnds: false, distanceToDest: dist(g) });
    expect(dup.calls[2].map((q) => q.prefix)).toEqual([
      [0, 1, 3],
      [0, 2, 3],
    ]);
  });

  it('stops when aborted', async () => {
    const signal = { aborted: true };
    await expect(beamSearch(new ToyScorer(diamond), [{ origin: 0, dest: 6 }], { distanceToDest: dist(diamond), signal })).rejects.toThrow(
      /aborted/,
    );
  });
});

describe('bestFirstSearch', () => {
  it('finds the most probable path where greedy does not', async () => {
    const r = await bestFirstSearch(new ToyScorer(diamond), { origin: 0, dest: 6 }, { distanceToDest: dist(diamond) });
    expect(r.reached).toBe(true);
    expect(r.roads).toEqual([0, 2, 5, 6]);
    expect(r.logProb).toBeCloseTo(Math.log(0.4), 6);
    expect(r.stepTimes).toEqual([12, 15, 16]);
  });

  it('matches Dijkstra on −log p over random graphs', async () => {
    const g = randomGraph(40, 3);
    let reached = 0;
    for (let i = 0; i < 20; i++) {
      const od = { origin: i, dest: (i * 11 + 5) % 40 };
      const r = await bestFirstSearch(new ToyScorer(g), od, { distanceToDest: dist(g) });
      const best = maxLogProb(g, od.origin, od.dest);
      expect(r.reached).toBe(best > -Infinity);
      if (r.reached) {
        reached++;
        expect(r.logProb).toBeCloseTo(best, 4);
        expect(r.logProb).toBeCloseTo(pathLogProb(g, r.roads), 5);
      }
    }
    expect(reached).toBeGreaterThan(5);
  });

  it('returns the popped path nearest an unreachable destination', async () => {
    const r = await bestFirstSearch(new ToyScorer(diamond), { origin: 0, dest: 7 }, { distanceToDest: dist(diamond) });
    expect(r.reached).toBe(false);
    expect(r.roads).toEqual([0, 2, 5, 6]);
  });

  it('respects the expansion cap', async () => {
    const scorer = new ToyScorer(diamond);
    const r = await bestFirstSearch(scorer, { origin: 0, dest: 6 }, { maxExpansions: 2, distanceToDest: dist(diamond) });
    expect(scorer.calls.length).toBe(2);
    expect(r.reached).toBe(false);
    // expanded 0 then 1; the nearest popped road to 6 is 1 (x = 1 vs 0)
    expect(r.roads).toEqual([0, 1]);
  });

  it('a guide expands what lies towards the destination first; the route keeps its own log-prob', async () => {
    // 0 → 1 (0.9) heads away from the destination 3, 0 → 2 (0.1) towards it; both go on to 3.
    const g: ToyGraph = {
      adj: [
        [
          [1, 0.9],
          [2, 0.1],
        ],
        [[3, 1]],
        [[3, 1]],
        [],
      ],
      x: [0, -5, 5, 6],
    };
    const od = { origin: 0, dest: 3 };
    const plain = await bestFirstSearch(new ToyScorer(g), od, { distanceToDest: dist(g) });
    expect(plain.roads).toEqual([0, 1, 3]);
    expect(await bestFirstSearch(new ToyScorer(g), od, { distanceToDest: dist(g), guide: 0 })).toEqual(plain);
    // Road 1's place: log 0.9 − 1 · 11; road 2's: log 0.1 − 1 · 1, so 2 and then 3 are popped first.
    const guided = await bestFirstSearch(new ToyScorer(g), od, { distanceToDest: dist(g), guide: 1 });
    expect(guided.roads).toEqual([0, 2, 3]);
    expect(guided.logProb).toBeCloseTo(Math.log(0.1), 6);
    await expect(bestFirstSearch(new ToyScorer(g), od, { distanceToDest: dist(g), guide: -1 })).rejects.toThrow(/guide/);
  });

  it('a length penalty trades probability for km; the route keeps its own log-prob', async () => {
    // 0 → 1 → 2 → 4 (each hop likely) against 0 → 3 → 4 (0 → 3 at 0.2): roads 1 and 2 are 3 km
    // long, road 3 is 1 km, the destination 4 is 0.1 km.
    const g: ToyGraph = {
      adj: [
        [
          [1, 0.8],
          [3, 0.2],
        ],
        [[2, 1]],
        [[4, 1]],
        [[4, 1]],
        [],
      ],
      x: [0, 1, 2, 3, 4],
    };
    const km = [0, 3, 3, 1, 0.1];
    const od = { origin: 0, dest: 4 };
    const base = { distanceToDest: dist(g), roadKm: (r: number) => km[r] };
    expect((await bestFirstSearch(new ToyScorer(g), od, base)).roads).toEqual([0, 1, 2, 4]);
    // μ 0.1: long −0.223 − 0.61 = −0.833 against short −1.609 − 0.11: still the long one.
    expect((await bestFirstSearch(new ToyScorer(g), od, { ...base, lengthPerKm: 0.1 })).roads).toEqual([0, 1, 2, 4]);
    // μ 1: long −0.223 − 6.1 against short −1.609 − 1.1: the short one.
    const short = await bestFirstSearch(new ToyScorer(g), od, { ...base, lengthPerKm: 1 });
    expect(short.roads).toEqual([0, 3, 4]);
    expect(short.logProb).toBeCloseTo(Math.log(0.2), 6);
    await expect(bestFirstSearch(new ToyScorer(g), od, { distanceToDest: dist(g), lengthPerKm: 1 })).rejects.toThrow(/roadKm/);
    await expect(bestFirstSearch(new ToyScorer(g), od, { ...base, lengthPerKm: -1 })).rejects.toThrow(/lengthPerKm/);
  });

  it('lockstep batching over many OD pairs equals one-at-a-time search', async () => {
    const g = randomGraph(50, 5);
    const ods = Array.from({ length: 20 }, (_, i) => ({ origin: (i * 3) % 50, dest: (i * 17 + 1) % 50 }));
    const opts = { maxExpansions: 30, distanceToDest: dist(g) };
    const scorer = new ToyScorer(g);
    const together = await bestFirstSearchMany(scorer, ods, opts);
    const single = [];
    for (const od of ods) single.push(await bestFirstSearch(new ToyScorer(g), od, opts));
    expect(together).toEqual(single);
    expect(scorer.calls.length).toBeLessThanOrEqual(30);
    expect(scorer.calls[0].length).toBe(ods.filter((od) => od.origin !== od.dest).length);
  });
});

describe('assignTimes', () => {
  it('accumulates rounded, non-negative steps', () => {
    expect(assignTimes(1000, [10, 20.4, 0.6, -5])).toEqual([1000, 1010, 1030, 1031, 1031]);
    expect(assignTimes(5, [])).toEqual([5]);
    expect(() => assignTimes(0, [NaN])).toThrow(/finite/);
  });
});
