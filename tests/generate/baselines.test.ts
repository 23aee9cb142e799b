import { describe, it, expect } from 'vitest';
import type { Road, RoadNetwork } from '../../src/lib/data/types';
import { buildOut } from '../../src/lib/data/hoserWriter';
import { network, trip } from './baselineNetwork';
import { forwardCsr } from '../../src/lib/data/routingGraph';
import { countTransitions, markovEdgeCosts } from '../../src/lib/data/markovChain';
import { freeFlowSeconds } from '../../src/lib/data/speeds';
import { baselineRouter, generateBaselineRoutes, BASELINE_DEFAULTS, parseBaselineMethods } from '../../src/lib/generate/baselines';

describe('route baselines', () => {
  const net = network();
  const train = [trip('a', [0, 3, 4, 5]), trip('b', [0, 3, 4, 5]), trip('c', [0, 3, 4]), trip('d', [0, 1, 5])];

  it('shortest takes the shorter way, fastest the faster one', () => {
    expect(baselineRouter('shortest', net).route(0, 5)).toEqual({ roads: [0, 1, 5], reached: true, logProb: NaN });
    expect(baselineRouter('fastest', net).route(0, 5).roads).toEqual([0, 2, 5]);
  });

  it('markov follows the counted turns, and its log-probability is the smoothed chain’s', () => {
    const r = baselineRouter('markov', net, train).route(0, 5);
    expect(r.roads).toEqual([0, 3, 4, 5]);
    expect(r.reached).toBe(true);
    // Road 0: counts 3 (→3), 1 (→1), 0 (→2) over 3 successors; 3: 3 (→4) of 1; 4: 2 (→5) of 1.
    const a = BASELINE_DEFAULTS.markovAlpha;
    const p = ((3 + a) / (4 + 3 * a)) * ((3 + a) / (3 + a)) * ((2 + a) / (2 + a));
    expect(r.logProb).toBeCloseTo(Math.log(p), 12);
    // Without the train trips it refuses rather than guess.
    expect(() => baselineRouter('markov', net)).toThrow(/train trips/);
  });

  it('markovRoutes counts the untimed route corpus too, and refuses without one', () => {
    // Train alone: 0 → 3 → 4 → 5. Four routes through 1 outvote the three train passes through 3.
    const routes = [0, 1, 2, 3].map((i) => ({ id: `r${i}`, roads: [0, 1, 5], source: 'corpus' }));
    expect(baselineRouter('markov', net, train, {}, routes).route(0, 5).roads).toEqual([0, 3, 4, 5]);
    expect(baselineRouter('markov', net, train, { markovRoutes: true }, routes).route(0, 5).roads).toEqual([0, 1, 5]);
    expect(() => baselineRouter('markovLength', net, train, { markovRoutes: true })).toThrow(/route corpus/);
  });

  it('markov with no counts is uniform per road: the fewest turns, then the lower road id', () => {
    // 0 → 1 → 5 and 0 → 2 → 5 are both p = 1/3; 1 < 2.
    expect(baselineRouter('markov', net, []).route(0, 5).roads).toEqual([0, 1, 5]);
  });

  it('smoothing: add-0.1 over each road’s distinct successors, probabilities summing to 1', () => {
    const g = forwardCsr(net);
    const counts = countTransitions(g, [...train, trip('e', [0, 6])]);
    expect(counts.counted).toBe(3 + 3 + 2 + 2);
    expect(counts.skipped).toBe(1); // 0 → 6 is no link
    const cost = markovEdgeCosts(g, counts);
    for (let v = 0; v < g.n; v++) {
      if (g.off[v + 1] === g.off[v]) continue;
      let s = 0;
      for (let e = g.off[v]; e < g.off[v + 1]; e++) s += Math.exp(-cost[e]);
      expect(s).toBeCloseTo(1, 12);
    }
  });

  it('breaks ties by road id, whatever the link order', () => {
    // Two equal ways 0 → {1, 2} → 3, roadmap.rel listing the higher id first.
    const roads: Road[] = [0, 1, 2, 3].map((id) => ({
      id,
      highway: 'residential',
      lengthM: 100,
      coords: [
        [-8.6, 41.15 + id * 0.001],
        [-8.6, 41.151 + id * 0.001],
      ],
    }));
    const relOrigin = Int32Array.from([0, 0, 2, 1]);
    const relDest = Int32Array.from([2, 1, 3, 3]);
    const tie: RoadNetwork = { roads, relOrigin, relDest, out: buildOut(4, relOrigin, relDest) };
    for (const m of ['shortest', 'fastest', 'markov'] as const) expect(baselineRouter(m, tie, []).route(0, 3).roads).toEqual([0, 1, 3]);
  });

  it('an unreachable destination gives the origin alone, not reached; origin = destination is reached at once', () => {
    for (const m of ['shortest', 'fastest', 'markov'] as const) {
      const router = baselineRouter(m, net, train);
      expect(router.route(0, 6)).toMatchObject({ roads: [0], reached: false });
      expect(router.route(5, 0)).toMatchObject({ roads: [5], reached: false });
      expect(router.route(4, 4)).toMatchObject({ roads: [4], reached: true });
    }
  });

  it('generates GeneratedTrips with free-flow entry times from each OD’s start time', () => {
    const router = baselineRouter('shortest', net);
    const ff = freeFlowSeconds(net);
    const gen = generateBaselineRoutes(router, [
      { origin: 0, dest: 5, startTime: 1_372_636_800 },
      { origin: 0, dest: 6, startTime: 1_372_640_000 },
    ]);
    expect(gen[0]).toMatchObject({ id: 'shortest-0', origin: 0, dest: 5, roads: [0, 1, 5], reached: true, timesFromModel: false });
    const t0 = 1_372_636_800;
    expect(gen[0].times).toEqual([t0, t0 + Math.round(ff[0]), t0 + Math.round(ff[0]) + Math.round(ff[1])]);
    // 100 m at 25 km/h is 14.4 s; 300 m is 43.2 s.
    expect(gen[0].times[1] - t0).toBe(14);
    expect(gen[0].times[2] - gen[0].times[1]).toBe(43);
    expect(gen[1]).toMatchObject({ id: 'shortest-1', roads: [0], times: [1_372_640_000], reached: false });
  });

  it('parses method lists and refuses unknown or repeated names', () => {
    expect(parseBaselineMethods('shortest, markov')).toEqual(['shortest', 'markov']);
    expect(() => parseBaselineMethods('shortest,dijkstra')).toThrow(/unknown baseline "dijkstra"/);
    expect(() => parseBaselineMethods('markov,markov')).toThrow(/distinct/);
  });
});
