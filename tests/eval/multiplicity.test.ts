import { describe, it, expect } from 'vitest';
import { holmAdjust, incompleteBeta, pairedP, tTwoSidedP } from '../../src/lib/eval/multiplicity';
import { pairedEffect, tCritical975 } from '../../src/lib/eval/paired';

describe('p-values and Holm', () => {
  it("Student's t: the 95 % critical values give p = 0.05, and known points", () => {
    for (const df of [1, 2, 4, 9, 20]) expect(tTwoSidedP(tCritical975(df), df)).toBeCloseTo(0.05, 3);
    expect(tTwoSidedP(0, 4)).toBeCloseTo(1, 12);
    // df = 1 is the Cauchy: P(|T| ≥ 1) = 0.5.
    expect(tTwoSidedP(1, 1)).toBeCloseTo(0.5, 10);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(incompleteBeta(0.5, 2, 2)).toBeCloseTo(0.5, 12);
  });

  it('a paired effect whose interval just excludes 0 has p just below 0.05', () => {
    const e = pairedEffect([0, 0, 0, 0, 0], [1.0, 1.2, 0.1, 0.9, 0.3]);
    const p = pairedP(e);
    expect(e.ci95[0] > 0).toBe(p < 0.05);
    expect(pairedP(pairedEffect([1, 2], [1, 2]))).toBe(1);
  });

  it('Holm multiplies the k-th smallest by m − k + 1, keeps the order, and skips NaN', () => {
    expect(holmAdjust([0.01, 0.04, 0.03, NaN])).toEqual([0.03, 0.06, 0.06, NaN]);
    expect(holmAdjust([0.5, 0.001])).toEqual([0.5, 0.002]);
    expect(holmAdjust([0.9, 0.8])).toEqual([1, 1]);
    expect(holmAdjust([0.2, 0.3])).toEqual([0.4, 0.4]);
  });
});
