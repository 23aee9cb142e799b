import { describe, it, expect } from 'vitest';
import type { LonLat } from '../../src/lib/data/types';
import { polylineCentroid } from '../../src/lib/geo';
import { histogramJSD } from '../../src/lib/eval/metrics';
import {
  histogramOnEdges,
  hoserBinEdges,
  hoserDistributionJSDs,
  hoserHistogramJSD,
  shapelyCentroid,
} from '../../src/lib/eval/hoserMetrics';
import type { EvalTrip } from '../../src/lib/eval/tripMetrics';

describe("shapely's LineString centroid", () => {
  it('weights segment midpoints by planar length', () => {
    // Segments of length 5 (midpoint (1.5, 2)) and 6 (midpoint (3, 7)): (25.5/11, 52/11).
    const c = shapelyCentroid([
      [0, 0],
      [3, 4],
      [3, 10],
    ]);
    expect(c[0]).toBeCloseTo(25.5 / 11, 12);
    expect(c[1]).toBeCloseTo(52 / 11, 12);
  });

  it('measures in degrees, not on the sphere (unlike our feature centroid)', () => {
    // At 60° N a degree of longitude is half a degree of latitude on the ground; planar it is equal.
    const line: LonLat[] = [
      [0, 60],
      [1, 60],
      [1, 61],
    ];
    const c = shapelyCentroid(line);
    expect(c[0]).toBeCloseTo(0.75, 12);
    expect(c[1]).toBeCloseTo(60.25, 12);
    expect(polylineCentroid(line)[0]).toBeGreaterThan(0.8);
  });

  it('skips zero-length segments and gives a zero-length line its first point', () => {
    expect(
      shapelyCentroid([
        [0, 0],
        [0, 0],
        [2, 0],
      ]),
    ).toEqual([1, 0]);
    expect(
      shapelyCentroid([
        [1, 2],
        [1, 2],
      ]),
    ).toEqual([1, 2]);
    expect(shapelyCentroid([[4, 5]])).toEqual([4, 5]);
  });
});

describe("the notebook's bins and JSD", () => {
  it('edges are linspace(0, max, 100) then +inf', () => {
    const e = hoserBinEdges(9.9);
    expect(e.length).toBe(101);
    expect(e[0]).toBe(0);
    expect(e[10]).toBe(1);
    expect(e[50]).toBeCloseTo(5, 12);
    expect(e[99]).toBe(9.9);
    expect(e[100]).toBe(Infinity);
    expect([...hoserBinEdges(0, 3)]).toEqual([0, 0, 0, Infinity]);
  });

  it('counts like numpy.histogram: [e_k, e_k+1), the maximum in the overflow bin, negatives and NaN dropped', () => {
    const e = hoserBinEdges(9.9);
    const real = histogramOnEdges([0, 1, 9.9], e);
    expect(real.length).toBe(100);
    expect([real[0], real[9], real[10], real[98], real[99]]).toEqual([1, 0, 1, 0, 1]);
    const gen = histogramOnEdges([-1, 0.05, 9.9, 50, NaN], e);
    expect([gen[0], gen[99]]).toEqual([1, 2]);
    expect(gen.reduce((s, v) => s + v, 0)).toBe(3);
    // All edges equal (max 0): a 0 reaches the last lower edge, so it lands in the overflow bin.
    expect([...histogramOnEdges([0, 0, 3], hoserBinEdges(0, 3))]).toEqual([0, 0, 3]);
  });

  it('JSD of a tiny example, by hand: ½·ln(4/3)', () => {
    // p = (⅓ bin 0, ⅓ bin 10, ⅓ overflow), q = (⅓ bin 0, ⅔ overflow), m = (⅓, ⅙, ½):
    // ½[⅓ln2 + ⅓ln(⅔)] + ½[⅔ln(4/3)] = ½·ln(4/3).
    const v = hoserHistogramJSD([0, 1, 9.9], [-1, 0.05, 9.9, 50]);
    expect(v).toBeCloseTo(0.5 * Math.log(4 / 3), 12);
    // Our default bins (100 regular, the maximum in the last regular bin) give another value.
    expect(Math.abs(histogramJSD([0, 1, 9.9], [0.05, 9.9, 50]) - v)).toBeGreaterThan(0.05);
    expect(hoserHistogramJSD([1, 2], [])).toBeNaN();
  });

  it('scores trips: identical sets give 0, and a trip without hops has no duration', () => {
    const trip = (id: string, pts: LonLat[], dt: number): EvalTrip => ({ id, points: pts, times: pts.map((_, i) => i * dt) });
    const real = [
      trip(
        'a',
        [
          [-8.61, 41.15],
          [-8.6, 41.15],
          [-8.6, 41.16],
        ],
        30,
      ),
      trip(
        'b',
        [
          [-8.62, 41.15],
          [-8.6, 41.17],
        ],
        90,
      ),
    ];
    expect(hoserDistributionJSDs(real, real)).toEqual({ distanceJSD: 0, radiusJSD: 0, durationJSD: 0 });
    const oneRoad = [trip('c', [[-8.61, 41.15]], 0)];
    const r = hoserDistributionJSDs(real, oneRoad);
    expect(r.durationJSD).toBeNaN();
    // Distance: real d_a in a regular bin and the maximum d_b in the overflow bin; the one-road
    // trip's 0 km in bin 0, which no real trip shares: disjoint supports, ln 2.
    expect(r.distanceJSD).toBeCloseTo(Math.LN2, 12);
  });
});
