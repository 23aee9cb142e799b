import { describe, it, expect } from 'vitest';
import { importOsm } from '../../src/lib/data/osmImport';
import { createMapMatcher } from '../../src/lib/data/mapMatch';
import type { MatchedPiece } from '../../src/lib/data/mapMatch';
import type { RoadNetwork } from '../../src/lib/data/types';
import { makeRng } from '../../src/lib/random';
import { gridOverpass, lcs, proj, randomRoute, simulate, trueRoads } from './syntheticGrid';

// 9×9 jittered grid, 200 m blocks: 144 segments, 288 directed roads.
const { network: net } = importOsm([gridOverpass(9, 200, 25, makeRng(7))]);
const matcher = createMapMatcher(net, { sigmaM: 10 });

function checkPiece(n: RoadNetwork, p: MatchedPiece): void {
  expect(p.times.length).toBe(p.roads.length);
  for (let i = 1; i < p.roads.length; i++) {
    expect(p.roads[i]).not.toBe(p.roads[i - 1]);
    expect(n.out[p.roads[i - 1]]).toContain(p.roads[i]);
    expect(p.times[i]).toBeGreaterThanOrEqual(p.times[i - 1]);
  }
}

describe('map matching on simulated traces (10 m noise, 15 s sampling)', () => {
  it('has the expected synthetic network', () => {
    expect(net.roads.length).toBe(288);
  });

  it('recovers ≥ 95 % of the true roads', () => {
    const rng = makeRng(2024);
    let truth = 0;
    let found = 0;
    let extra = 0;
    for (let trip = 0; trip < 40; trip++) {
      const route = randomRoute(net, 18, rng);
      const speed = 7 + rng() * 6; // 25–47 km/h
      const sim = simulate(net, route, speed, 15, 10, rng);
      const res = matcher.match(sim.points, sim.times);
      expect(res.pieces.length).toBe(1);
      const p = res.pieces[0];
      checkPiece(net, p);
      const t = trueRoads(route, sim);
      truth += t.length;
      found += lcs(t, p.roads);
      extra += p.roads.length - lcs(t, p.roads);
      // Times: first road at the first fix, last entry before the last fix.
      expect(p.times[0]).toBe(sim.times[0]);
      expect(p.times[p.times.length - 1]).toBeLessThanOrEqual(sim.times[sim.times.length - 1]);
    }
    const recall = found / truth;
    expect(recall).toBeGreaterThanOrEqual(0.95);
    // And not by matching everything: few roads that are not on the true route.
    expect(extra / truth).toBeLessThan(0.1);
  });

  it('reports GPS-to-road distances in line with the noise', () => {
    const rng = makeRng(5);
    const sim = simulate(net, randomRoute(net, 20, rng), 10, 15, 10, rng);
    const res = matcher.match(sim.points, sim.times);
    const d = res.pieces.flatMap((p) => p.pointDistM).sort((a, b) => a - b);
    const median = d[d.length >> 1];
    // Cross-track error of 2-D N(0, 10²) noise: |N(0,10²)|, median ≈ 6.7 m.
    expect(median).toBeGreaterThan(2);
    expect(median).toBeLessThan(15);
  });

  it('drops an isolated GPS jump, counts it and still recovers the route', () => {
    const rng = makeRng(11);
    const route = randomRoute(net, 18, rng);
    const sim = simulate(net, route, 10, 15, 10, rng);
    const mid = sim.points.length >> 1;
    const [x, y] = proj.toXY(sim.points[mid]);
    sim.points[mid] = proj.toLonLat(x + 3000, y + 2000); // 3.6 km away within 15 s
    const res = matcher.match(sim.points, sim.times);
    expect(res.counters.jumpPointsDropped).toBe(1);
    expect(res.counters.jumpSplits).toBe(0);
    expect(res.pieces.length).toBe(1);
    const t = trueRoads(route, sim);
    expect(lcs(t, res.pieces[0].roads) / t.length).toBeGreaterThanOrEqual(0.9);
    checkPiece(net, res.pieces[0]);
  });

  it('splits at a lasting jump and at a time gap, and counts both', () => {
    const rng = makeRng(12);
    const a = simulate(net, randomRoute(net, 8, rng), 10, 15, 10, rng);
    const end = proj.toXY(a.points[a.points.length - 1]);
    // Second stretch 15 s later, starting on the road farthest away (> 1 km): a lasting jump.
    const far = net.roads
      .map((r, i) => {
        const [x, y] = proj.toXY(r.coords[0]);
        return { i, d: Math.hypot(x - end[0], y - end[1]) };
      })
      .sort((p, q) => q.d - p.d)[0];
    expect(far.d).toBeGreaterThan(1000);
    const routeB = [far.i];
    while (routeB.length < 8) routeB.push(net.out[routeB[routeB.length - 1]][0]);
    const b = simulate(net, routeB, 10, 15, 10, rng, a.times[a.times.length - 1] + 15);
    // With a 25 m/s limit, > 1 km is out of reach even over the 30 s from a's last point to b's second.
    const strict = createMapMatcher(net, { sigmaM: 10, maxSpeedMps: 25 });
    const res = strict.match([...a.points, ...b.points], [...a.times, ...b.times]);
    expect(res.counters.jumpSplits).toBe(1);
    expect(res.counters.jumpPointsDropped).toBe(0);
    expect(res.pieces.length).toBe(2);
    // A 10-minute gap always splits.
    const c = simulate(net, randomRoute(net, 8, rng), 10, 15, 10, rng, a.times[a.times.length - 1] + 600);
    const res2 = matcher.match([...a.points, ...c.points], [...a.times, ...c.times]);
    expect(res2.counters.gapSplits).toBe(1);
    expect(res2.pieces.length).toBeGreaterThanOrEqual(2);
    for (const p of [...res.pieces, ...res2.pieces]) checkPiece(net, p);
  });

  it('drops points far from every road', () => {
    // A 3×3-node grid with 1 km blocks: the centre of a block is 500 m from any road.
    const sparse = importOsm([gridOverpass(3, 1000, 0, makeRng(1))]).network;
    const m = createMapMatcher(sparse, { sigmaM: 10 });
    const [cx, cy] = proj.toXY(sparse.roads[0].coords[0]);
    const res = m.match(
      [proj.toLonLat(cx + 500, cy + 500), proj.toLonLat(cx + 10, cy + 300), proj.toLonLat(cx + 10, cy + 450)],
      [0, 15, 30],
    );
    expect(res.counters.noCandidatePoints).toBe(1);
    expect(res.pieces.length).toBe(1);
    expect(res.pieces[0].pointDistM.length).toBe(2);
  });
});
