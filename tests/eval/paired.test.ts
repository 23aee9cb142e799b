import { describe, it, expect } from 'vitest';
import { combineVerdicts, effectVerdict, groupSummary, pairedEffect, tCritical975 } from '../../src/lib/eval/paired';

describe('seed-paired effects', () => {
  it('uses Student-t critical values that approach the normal one', () => {
    expect(tCritical975(4)).toBeCloseTo(2.776, 3);
    expect(tCritical975(30)).toBeCloseTo(2.042, 3);
    // Tabulated: t(40) = 2.021, t(60) = 2.000, t(120) = 1.980.
    expect(tCritical975(40)).toBeCloseTo(2.021, 2);
    expect(tCritical975(60)).toBeCloseTo(2.0, 2);
    expect(tCritical975(120)).toBeCloseTo(1.98, 2);
    expect(tCritical975(0)).toBeNaN();
  });

  it('computes the mean paired difference and its t-interval', () => {
    // Differences 1, 2, 3, 4, 5: mean 3, sd √2.5, half-width 2.776·√2.5/√5.
    const e = pairedEffect([10, 10, 10, 10, 10], [11, 12, 13, 14, 15]);
    expect(e.n).toBe(5);
    expect(e.mean).toBeCloseTo(3, 12);
    expect(e.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    const half = 2.776 * Math.sqrt(2.5 / 5);
    expect(e.ci95[0]).toBeCloseTo(3 - half, 9);
    expect(e.ci95[1]).toBeCloseTo(3 + half, 9);
    expect(() => pairedEffect([1], [1, 2])).toThrow(/paired/);
    expect(pairedEffect([1], [2]).ci95[0]).toBeNaN();
  });

  it("claims an effect only when the interval excludes zero, in the metric's direction", () => {
    expect(effectVerdict({ ci95: [-0.3, -0.1] }, true)).toBe('helps');
    expect(effectVerdict({ ci95: [-0.3, -0.1] }, false)).toBe('hurts');
    expect(effectVerdict({ ci95: [0.1, 0.3] }, false)).toBe('helps');
    expect(effectVerdict({ ci95: [-0.1, 0.3] }, false)).toBe('no detectable effect');
    expect(effectVerdict({ ci95: [NaN, NaN] }, false)).toBe('no detectable effect');
  });

  it('sums a group up without a vote: helps, hurts, mixed, or no detectable effect only when no metric shows one', () => {
    expect(combineVerdicts(['helps', 'helps', 'no detectable effect'])).toBe('helps');
    // "No detectable effect" counts for neither side: one metric that hurts makes the group hurt.
    expect(combineVerdicts(['no detectable effect', 'no detectable effect', 'hurts'])).toBe('hurts');
    // Some help and others hurt: "mixed", never a tie broken to "no detectable effect" nor a majority.
    expect(combineVerdicts(['helps', 'hurts'])).toBe('mixed');
    expect(combineVerdicts(['hurts', 'hurts', 'helps'])).toBe('mixed');
    expect(combineVerdicts(['no detectable effect', 'no detectable effect'])).toBe('no detectable effect');
    expect(combineVerdicts([])).toBe('no detectable effect');
    // A mixed member (a group of groups) counts for both sides.
    expect(combineVerdicts(['mixed', 'no detectable effect'])).toBe('mixed');
    expect(combineVerdicts(['helps', 'mixed'])).toBe('mixed');
  });

  it('names the metrics that help and hurt, primary generation metrics (reached, DTW) first', () => {
    const g = groupSummary([
      { key: 'decisionAcc', verdict: 'helps' },
      { key: 'decisionNll', verdict: 'no detectable effect' },
      { key: 'odEdr', verdict: 'hurts' },
      { key: 'distanceJSD', verdict: 'hurts' },
      { key: 'odDtwKm', verdict: 'hurts' },
      { key: 'durationJSD', verdict: 'no detectable effect' },
      { key: 'reachedRate', verdict: 'hurts' },
    ]);
    expect(g.verdict).toBe('mixed');
    expect(g.helps).toEqual(['decisionAcc']);
    expect(g.hurts).toEqual(['reachedRate', 'odDtwKm', 'odEdr', 'distanceJSD']);
    expect(groupSummary([{ key: 'decisionNll', verdict: 'no detectable effect' }])).toEqual({
      verdict: 'no detectable effect',
      helps: [],
      hurts: [],
    });
  });
});
