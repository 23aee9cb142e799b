import { describe, it, expect } from 'vitest';
import type { LonLat } from '../../src/lib/data/types';
import { haversineKm } from '../../src/lib/geo';
import { dtw, edr, hausdorff, histogram, histogramJSD, jsd, radiusOfGyration } from '../../src/lib/eval/metrics';

// Along a meridian the great-circle distance is exactly proportional to Δlat: 1° = R·π/180.
const DEG_KM = (6371.0088 * Math.PI) / 180;
const onMeridian = (lats: number[]): LonLat[] => lats.map((lat) => [0, lat]);

describe('haversine reference', () => {
  it('1° of latitude is about 111.19 km', () => {
    expect(haversineKm([0, 0], [0, 1])).toBeCloseTo(111.195, 3);
    expect(DEG_KM).toBeCloseTo(111.195, 3);
  });
});

describe('jsd', () => {
  it('is 0 for identical inputs, also after normalisation', () => {
    expect(jsd([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(jsd([1, 1], [2, 2])).toBe(0);
    expect(jsd(new Float64Array([0, 5, 0]), [0, 1, 0])).toBe(0);
  });

  it('is ln 2 for disjoint supports', () => {
    expect(Math.abs(jsd([1, 0], [0, 1]) - Math.LN2)).toBeLessThan(1e-9);
    expect(Math.abs(jsd([3, 4, 0, 0], [0, 0, 1, 9]) - Math.LN2)).toBeLessThan(1e-9);
  });

  it('matches a hand-computed value', () => {
    // p = [1, 0], q = [.5, .5], m = [.75, .25]
    const kp = Math.log(1 / 0.75);
    const kq = 0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25);
    expect(jsd([1, 0], [1, 1])).toBeCloseTo(0.5 * kp + 0.5 * kq, 12);
    expect(jsd([1, 0], [1, 1])).toBeCloseTo(0.215762, 6);
  });

  it('is symmetric', () => {
    expect(jsd([1, 2, 7], [4, 4, 2])).toBeCloseTo(jsd([4, 4, 2], [1, 2, 7]), 14);
  });

  it('throws clear errors on bad input', () => {
    expect(() => jsd([], [])).toThrow(/empty/);
    expect(() => jsd([1, 2], [1, 2, 3])).toThrow(/length mismatch/);
    expect(() => jsd([0, 0], [1, 1])).toThrow(/all zeros/);
    expect(() => jsd([1, -1], [1, 1])).toThrow(/non-negative/);
    expect(() => jsd([1, NaN], [1, 1])).toThrow(/finite/);
  });
});

describe('histogram / histogramJSD', () => {
  it('uses bins equal bins on [0, max] plus an overflow bin', () => {
    expect(Array.from(histogram([0, 4.9, 5, 10, 10.5, -1], 10, 2))).toEqual([3, 2, 1]);
    // max = 0: zeros go to bin 0, positives overflow
    expect(Array.from(histogram([0, 0, 1], 0, 3))).toEqual([2, 0, 0, 1]);
  });

  it('is 0 for identical samples and ln 2 when generated values all overflow', () => {
    const real = [1, 2, 3, 4, 5, 6];
    expect(histogramJSD(real, [...real])).toBe(0);
    expect(Math.abs(histogramJSD(real, [7, 100, 1e9]) - Math.LN2)).toBeLessThan(1e-9);
  });

  it('puts max(real) in the last regular bin, anything above in overflow', () => {
    expect(histogramJSD([0, 10], [0, 10])).toBe(0);
    // 10.0001 overflows while 10 does not: the samples now differ in one of two entries
    expect(histogramJSD([0, 10], [0, 10.0001])).toBeGreaterThan(0.2);
  });

  it('matches a hand-computed value with 2 bins', () => {
    // real [0,5,10] on max 10, 2 bins: [1, 2, 0]; generated [1, 11]: [1, 0, 1]
    const kp = (1 / 3) * Math.log(1 / 3 / (5 / 12)) + (2 / 3) * Math.log(2 / 3 / (1 / 3));
    const kq = 0.5 * Math.log(0.5 / (5 / 12)) + 0.5 * Math.log(0.5 / 0.25);
    expect(histogramJSD([0, 5, 10], [1, 11], 2)).toBeCloseTo(0.5 * kp + 0.5 * kq, 12);
  });

  it('same values in different bins give a larger divergence than nearby values', () => {
    const real = Array.from({ length: 100 }, (_, i) => i);
    const near = real.map((v) => v + 0.5);
    const far = real.map((v) => v * 2);
    expect(histogramJSD(real, near)).toBeLessThan(histogramJSD(real, far));
  });

  it('rejects empty inputs and bad bins', () => {
    expect(() => histogramJSD([], [1])).toThrow(/no real values/);
    expect(() => histogramJSD([1], [])).toThrow(/no generated values/);
    expect(() => histogramJSD([1], [1], 0)).toThrow(/bins/);
    expect(() => histogramJSD([1, Infinity], [1])).toThrow(/finite/);
  });
});

describe('hausdorff', () => {
  it('is 0 for identical trajectories, including one-point trips', () => {
    const a = onMeridian([0, 1, 2]);
    expect(hausdorff(a, a)).toBe(0);
    expect(hausdorff([[-8.6, 41.15]], [[-8.6, 41.15]])).toBe(0);
  });

  it('matches hand-computed values', () => {
    // from a: the middle point is 1° from b; from b: every point lies on a
    expect(hausdorff(onMeridian([0, 1, 2]), onMeridian([0, 2]))).toBeCloseTo(DEG_KM, 9);
    // one-point vs two points: the far point of b is 3° away
    expect(hausdorff(onMeridian([0]), onMeridian([0, 3]))).toBeCloseTo(3 * DEG_KM, 9);
    expect(hausdorff(onMeridian([0, 3]), onMeridian([0]))).toBeCloseTo(3 * DEG_KM, 9);
  });

  it('rejects empty trajectories', () => {
    expect(() => hausdorff([], onMeridian([0]))).toThrow(/empty/);
    expect(() => hausdorff(onMeridian([0]), [])).toThrow(/empty/);
  });
});

describe('dtw', () => {
  it('is 0 for identical trajectories', () => {
    const a = onMeridian([0, 0.5, 2, 3]);
    expect(dtw(a, a)).toBe(0);
    expect(dtw(onMeridian([1]), onMeridian([1]))).toBe(0);
  });

  it('matches a hand-filled DP table', () => {
    // costs (in degrees) a=[0,1,2] vs b=[0,2]: rows [0,2],[1,1],[2,0]
    // D = [[0,2],[1,1],[3,1]] -> 1°
    expect(dtw(onMeridian([0, 1, 2]), onMeridian([0, 2]))).toBeCloseTo(DEG_KM, 9);
    // every point of a must align with the single point of b
    expect(dtw(onMeridian([0, 0, 0]), onMeridian([1]))).toBeCloseTo(3 * DEG_KM, 9);
    // a=[0,2], b=[1,1,3]: costs rows [1,1,3],[1,1,1]; D row0 [1,2,5], row1 [2,2,3] -> 3°
    expect(dtw(onMeridian([0, 2]), onMeridian([1, 1, 3]))).toBeCloseTo(3 * DEG_KM, 9);
    // warping inside the table: a repeated point aligns with one point of b at no cost
    expect(dtw(onMeridian([0, 1, 1, 2]), onMeridian([0, 1, 2]))).toBeCloseTo(0, 9);
    // rows [0,1.5,3.5],[1,.5,1.5],[2,1,1.5],[4,1.5,1] -> 1° (diagonal-only alignment would give 1.5°)
    expect(dtw(onMeridian([0, 1, 1, 2]), onMeridian([0, 1.5, 2]))).toBeCloseTo(DEG_KM, 9);
  });

  it('is symmetric', () => {
    const a: LonLat[] = [
      [-8.61, 41.15],
      [-8.6, 41.16],
      [-8.59, 41.155],
    ];
    const b: LonLat[] = [
      [-8.612, 41.151],
      [-8.595, 41.158],
    ];
    expect(dtw(a, b)).toBeCloseTo(dtw(b, a), 12);
  });

  it('rejects empty trajectories', () => {
    expect(() => dtw([], [])).toThrow(/empty/);
  });
});

describe('edr', () => {
  const step = 0.0005; // ≈ 55.6 m of latitude
  it('is 0 for identical trajectories and 1 for far-apart ones', () => {
    const a = onMeridian([0, 0.01, 0.02]);
    expect(edr(a, a)).toBe(0);
    expect(edr(a, onMeridian([1, 1.01, 1.02]))).toBe(1);
    expect(edr(onMeridian([0]), onMeridian([0]))).toBe(0);
  });

  it('matches within eps and not beyond it', () => {
    const a = onMeridian([0, 0.01]);
    const b = onMeridian([step, 0.01 + step]);
    expect(edr(a, b, 100)).toBe(0);
    expect(edr(a, b, 10)).toBe(1); // two substitutions / 2
  });

  it('counts insertions and deletions and normalises by the longer length', () => {
    expect(edr(onMeridian([0, 1, 2]), onMeridian([0, 2]))).toBeCloseTo(1 / 3, 12);
    expect(edr(onMeridian([0]), onMeridian([0, 0.5, 1]))).toBeCloseTo(2 / 3, 12);
    // one substitution + one deletion out of 4
    expect(edr(onMeridian([0, 1, 2, 3]), onMeridian([0, 5, 3]))).toBeCloseTo(2 / 4, 12);
  });

  it('rejects empty trajectories', () => {
    expect(() => edr([], onMeridian([0]))).toThrow(/empty/);
  });
});

describe('radiusOfGyration', () => {
  it('is 0 for a one-point trip and for repeated points', () => {
    expect(radiusOfGyration([[-8.6, 41.15]])).toBe(0);
    expect(
      radiusOfGyration([
        [-8.6, 41.15],
        [-8.6, 41.15],
      ]),
    ).toBe(0);
  });

  it('is the mean distance to the mean point', () => {
    expect(radiusOfGyration(onMeridian([0, 2]))).toBeCloseTo(DEG_KM, 9);
    // mean of [0,0,3] is 1: distances 1,1,2 -> mean 4/3
    expect(radiusOfGyration(onMeridian([0, 0, 3]))).toBeCloseTo((4 / 3) * DEG_KM, 9);
  });

  it('rejects an empty trip', () => {
    expect(() => radiusOfGyration([])).toThrow(/empty/);
  });
});

describe('histogram bins that do not saturate', () => {
  it('ends the regular bins at a quantile of the real values when asked', async () => {
    const { histogramPair, histogramJSD } = await import('../../src/lib/eval/metrics');
    // 99 short hops (0.05…0.5 min) and one 60-minute stop.
    const real = [...Array.from({ length: 99 }, (_, i) => 0.05 + (i % 10) * 0.05), 60];
    const [byMax] = histogramPair(real, real, 100);
    const [byP99] = histogramPair(real, real, 100, 0.99);
    expect(byMax[0] / 100).toBeGreaterThan(0.9); // everything short lands in bin 0
    expect(Math.max(...byP99) / 100).toBeLessThan(0.2);
    expect(byP99[100]).toBe(1); // the stop overflows
    // A generator twice as fast is invisible with max bins and plain with p99 bins.
    const fast = real.map((v) => v / 2);
    expect(histogramJSD(real, fast, 100)).toBeLessThan(0.1);
    expect(histogramJSD(real, fast, 100, 0.99)).toBeGreaterThan(0.3);
    expect(histogramJSD(real, real, 100, 0.99)).toBeCloseTo(0, 12);
  });
});
