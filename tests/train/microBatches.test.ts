import { describe, it, expect } from 'vitest';
import { microBatches, DEFAULT_MICRO_TOKENS } from '../../src/lib/train/microBatches';

const trips = (...steps: number[]) => steps.map((s, i) => ({ id: i, steps: s }));
const ids = (m: { id: number }[][]) => m.map((b) => b.map((t) => t.id));

describe('microBatches', () => {
  it('is plain slicing by trip count when the token cap does not bind', () => {
    const t = trips(5, 6, 7, 8, 9);
    expect(ids(microBatches(t, 2, 1000))).toEqual([[0, 1], [2, 3], [4]]);
    expect(ids(microBatches(t, 64, 0))).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('caps trips × the longest trip, keeping the order', () => {
    // 3 × 10 = 30 fits; a fourth trip would pad to 4 × 10. Then 40 alone pads 1 × 40.
    expect(ids(microBatches(trips(10, 4, 10, 3, 40, 1), 64, 30))).toEqual([[0, 1, 2], [3], [4], [5]]);
    // The new trip raises the padding of the ones already in: 2 × 20 > 30.
    expect(ids(microBatches(trips(10, 20, 5), 64, 30))).toEqual([[0], [1], [2]]);
  });

  it('gives a trip longer than the cap a pass of its own, and loses no trip', () => {
    const t = trips(100, 2, 2, 100);
    const m = microBatches(t, 64, 50);
    expect(ids(m)).toEqual([[0], [1, 2], [3]]);
    expect(m.flat()).toHaveLength(t.length);
  });

  it('fits 64 whole Porto-length trips into passes no larger than 16 × 512', () => {
    // Lengths like a length-bucketed batch of the longest trips, and one of short ones.
    const long = trips(...Array.from({ length: 64 }, (_, i) => 300 + 3 * i));
    for (const b of microBatches(long, 64, DEFAULT_MICRO_TOKENS)) {
      expect(b.length * Math.max(...b.map((t) => t.steps))).toBeLessThanOrEqual(DEFAULT_MICRO_TOKENS);
    }
    expect(microBatches(trips(...Array.from({ length: 64 }, () => 60)), 64, DEFAULT_MICRO_TOKENS)).toHaveLength(1);
  });

  it('refuses a trip count below one', () => {
    expect(() => microBatches(trips(1), 0, 10)).toThrow('maxTrips must be ≥ 1');
  });
});
