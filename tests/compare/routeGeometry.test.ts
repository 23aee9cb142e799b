import { describe, expect, it } from 'vitest';
import { offsetPath, pathsBounds, realTripPath, roadMidpoint, routePath, sameRoute, tripIndex } from '../../src/ui/compare/routeGeometry';
import { compareHistograms, pathStats, quantile, realSplitStats } from '../../src/ui/compare/histograms';
import type { PathBundle, TripRender } from '../../workers/dataMessages';
import { buildTripMesh } from '../../workers/renderData';
import { haversineM } from '../../src/lib/geo';

// Three roads along a parallel, 0 → 1 → 2, each repeating the previous road's end vertex (as the
// road network does); road 0 has a middle vertex.
const joined: PathBundle = {
  count: 3,
  positions: new Float32Array([
    -8.61, 41.15, -8.605, 41.15, -8.6, 41.15, /* r1 */ -8.6, 41.15, -8.59, 41.15, /* r2 */ -8.59, 41.15, -8.58, 41.15,
  ]),
  starts: new Uint32Array([0, 3, 5, 7]),
};

describe('routePath', () => {
  it('follows the road geometry, writes shared joints once and interpolates entry times', () => {
    const p = routePath(joined, [0, 1, 2], [1000, 1060, 1120]);
    expect(p.path.length).toBe(5);
    expect(p.timestamps[0]).toBe(0);
    // Road 0's middle vertex is half way along it: half way between its entry and road 1's.
    // (Float32 coordinates: the middle vertex is half way only to ~1e-4.)
    expect(p.timestamps[1]).toBeCloseTo(30, 2);
    expect(p.timestamps[2]).toBeCloseTo(60, 5);
    expect(p.timestamps[3]).toBeCloseTo(120, 5);
    // The last road is crossed at the mean speed of the earlier ones (equal lengths: 60 s).
    const l0 = haversineM([-8.61, 41.15], [-8.6, 41.15]);
    const l2 = haversineM([-8.59, 41.15], [-8.58, 41.15]);
    expect(p.timestamps[4]).toBeCloseTo(120 + l2 / ((l0 + l0) / 120), 1);
    for (let i = 1; i < p.timestamps.length; i++) expect(p.timestamps[i]).toBeGreaterThanOrEqual(p.timestamps[i - 1]);
  });

  it('handles a single road and rejects a road outside the network', () => {
    const one = routePath(joined, [1], [500]);
    expect(one.path.length).toBe(2);
    expect(one.timestamps[0]).toBe(0);
    expect(one.timestamps[1]).toBeGreaterThan(0);
    expect(routePath(joined, [], [])).toEqual({ path: [], timestamps: [] });
    expect(() => routePath(joined, [0, 7], [0, 1])).toThrow(/road 7/);
  });

  it('gives bounds and midpoints', () => {
    expect(pathsBounds([routePath(joined, [0, 1], [0, 10]).path, []])).toEqual([
      Math.fround(-8.61),
      Math.fround(41.15),
      Math.fround(-8.59),
      Math.fround(41.15),
    ]);
    expect(pathsBounds([[]])).toBeNull();
    expect(roadMidpoint(joined, 0)).toEqual([Math.fround(-8.605), Math.fround(41.15)]);
    expect(roadMidpoint(joined, 9)).toBeNull();
  });
});

const tripBundle: PathBundle = {
  count: 2,
  positions: new Float32Array([-8.61, 41.15, -8.6, 41.15, -8.58, 41.15, -8.6, 41.16, -8.6, 41.17]),
  starts: new Uint32Array([0, 3, 5]),
};
const tripRender: TripRender = {
  ...tripBundle,
  display: tripBundle,
  mesh: buildTripMesh(tripBundle),
  ids: ['t1', 't2'],
  roadCounts: new Uint32Array([3, 2]),
  km: new Float32Array([2.5, 1.1]),
  minutes: new Float32Array([6, 0]),
};

describe('real trips', () => {
  it('spreads the trip duration along its length', () => {
    expect(tripIndex(tripRender).get('t2')).toBe(1);
    const p = realTripPath(tripRender, 0);
    expect(p.path.length).toBe(3);
    expect(p.timestamps[0]).toBe(0);
    expect(p.timestamps[2]).toBeCloseTo(360, 3);
    // The first hop is a third of the length.
    expect(p.timestamps[1]).toBeCloseTo(120, 0);
    // No duration: falls back to a nominal speed, still increasing.
    const q = realTripPath(tripRender, 1);
    expect(q.timestamps[1]).toBeGreaterThan(0);
  });
});

describe('histograms', () => {
  it('measures real and generated trips the same way', () => {
    const real = realSplitStats(tripRender);
    const gen = pathStats([realTripPath(tripRender, 0), realTripPath(tripRender, 1)]);
    expect(gen.km).toEqual(real.km);
    expect(gen.radiusKm).toEqual(real.radiusKm);
    expect(gen.minutes[0]).toBeCloseTo(6, 5);
  });

  it('bins on the real 99th percentile, shares sum to 1, identical sets have JSD 0', () => {
    const real = Array.from({ length: 200 }, (_, i) => i / 10);
    const h = compareHistograms(real, [
      { name: 'vanilla', values: real },
      { name: 'distilled', values: real.map((v) => v + 100) },
    ]);
    expect(h).not.toBeNull();
    expect(h!.max).toBe(quantile(real, 0.99));
    for (const s of h!.series) expect(s.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(h!.series[1].jsd).toBe(0);
    // Everything overflows: disjoint from the real histogram except the real overflow share.
    expect(h!.series[2].shares[h!.bins]).toBe(1);
    expect(h!.series[2].jsd!).toBeGreaterThan(0.5);
    expect(compareHistograms([], [])).toBeNull();
  });
});

describe('identical routes side by side', () => {
  it('offsetPath shifts a path to the right of travel by the given metres', () => {
    const east: [number, number][] = [
      [-8.61, 41.15],
      [-8.6, 41.15],
      [-8.59, 41.15],
    ];
    const o = offsetPath(east, 10);
    // Travelling east, right is south: same longitudes, latitudes 10 m lower.
    o.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(east[i][0], 9);
      expect(haversineM(p, east[i])).toBeCloseTo(10, 1);
      expect(p[1]).toBeLessThan(east[i][1]);
    });
  });

  it('sameRoute compares the road sequences', () => {
    expect(sameRoute({ roads: [1, 2, 3] }, { roads: [1, 2, 3] })).toBe(true);
    expect(sameRoute({ roads: [1, 2, 3] }, { roads: [1, 2] })).toBe(false);
    expect(sameRoute({ roads: [1, 2, 3] }, { roads: [1, 4, 3] })).toBe(false);
  });
});
