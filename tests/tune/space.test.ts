import { describe, it, expect } from 'vitest';
import { decodeParams, encodeParams, KL_MASKS, windowFromJson, windowToJson, WINDOWS } from '../../src/lib/tune/space';
import { rungBudgets, SuccessiveHalving } from '../../src/lib/tune/successiveHalving';

describe('search space encoding', () => {
  it('puts λ on a log scale over [1e-3, 10] and τ linearly over [1, 5]', () => {
    expect(decodeParams([0, 0, 0]).lambda).toBeCloseTo(1e-3, 12);
    expect(decodeParams([1, 1, 0]).lambda).toBeCloseTo(10, 9);
    expect(decodeParams([0.5, 0.5, 0]).lambda).toBeCloseTo(0.1, 12); // log midpoint, not 5
    expect(decodeParams([0.25, 0, 0]).lambda).toBeCloseTo(1e-2, 12);
    expect(decodeParams([0, 0.5, 0]).tau).toBe(3);
    // Outside the cube: clamped onto it.
    expect(decodeParams([-0.5, 1.7, 2]).lambda).toBeCloseTo(1e-3, 12);
    expect(decodeParams([-0.5, 1.7, 2]).tau).toBe(5);
  });

  it('maps w to 2…8 and the whole prefix, in equal parts', () => {
    expect(decodeParams([0, 0, 0]).window).toBe(2);
    expect(decodeParams([0, 0, 0.124]).window).toBe(2);
    expect(decodeParams([0, 0, 0.126]).window).toBe(3);
    expect(decodeParams([0, 0, 0.87]).window).toBe(8);
    expect(decodeParams([0, 0, 0.9]).window).toBe(Infinity);
    expect(decodeParams([0, 0, 1]).window).toBe(Infinity);
    expect(WINDOWS).toHaveLength(8);
    expect(windowToJson(Infinity)).toBe('all');
    expect(windowFromJson('all')).toBe(Infinity);
    expect(windowFromJson(windowToJson(5))).toBe(5);
  });

  it('round-trips parameters through the unit cube and refuses values outside the space', () => {
    for (const p of [
      { lambda: 0.0014, tau: 4.37, window: 7 },
      { lambda: 3, tau: 1, window: Infinity },
      { lambda: 1e-3, tau: 5, window: 2 },
    ]) {
      const back = decodeParams(encodeParams(p));
      expect(back.lambda).toBeCloseTo(p.lambda, 10);
      expect(back.tau).toBeCloseTo(p.tau, 10);
      expect(back.window).toBe(p.window);
    }
    expect(() => encodeParams({ lambda: 0, tau: 2, window: 3 })).toThrow(/λ 0/);
    expect(() => encodeParams({ lambda: 1, tau: 2, window: 9 })).toThrow(/w 9/);
  });

  it('adds the KL mask as an ordered fourth choice, round-trips it, and leaves 3-dimensional points without one', () => {
    expect(decodeParams([0, 0, 0]).mask).toBeUndefined();
    expect(decodeParams([0, 0, 0, 0]).mask).toEqual({ lastSteps: 0, indistinct: false });
    expect(decodeParams([0, 0, 0, 0.3]).mask).toEqual({ lastSteps: 0, indistinct: true });
    expect(decodeParams([0, 0, 0, 0.6]).mask).toEqual({ lastSteps: 10, indistinct: false });
    expect(decodeParams([0, 0, 0, 1]).mask).toEqual({ lastSteps: 10, indistinct: true });
    for (const mask of KL_MASKS) {
      const p = { lambda: 0.0014, tau: 4.37, window: 7, mask };
      expect(encodeParams(p)).toHaveLength(4);
      expect(decodeParams(encodeParams(p)).mask).toEqual(mask);
    }
    expect(() => encodeParams({ lambda: 1, tau: 2, window: 3, mask: { lastSteps: 5, indistinct: false } })).toThrow(/KL mask/);
    expect(() => decodeParams([0, 0])).toThrow(/3 or 4 dimensions/);
  });
});

describe('successive halving', () => {
  it('counts rungs down from the max budget by η', () => {
    expect(rungBudgets({ minBudget: 1, maxBudget: 9, eta: 3 })).toEqual([1, 3, 9]);
    expect(rungBudgets({ minBudget: 1, maxBudget: 8, eta: 2 })).toEqual([1, 2, 4, 8]);
    expect(rungBudgets({ minBudget: 2, maxBudget: 10, eta: 3 })).toEqual([3, 10]);
    expect(rungBudgets({ minBudget: 4, maxBudget: 4, eta: 3 })).toEqual([4]);
    expect(() => rungBudgets({ minBudget: 0, maxBudget: 4, eta: 3 })).toThrow(/min budget/);
    expect(() => rungBudgets({ minBudget: 1, maxBudget: 4, eta: 1 })).toThrow(/η/);
  });

  it('promotes the best ⌊n/η⌋ (at least one) of the values seen at a rung', () => {
    const sh = new SuccessiveHalving({ minBudget: 1, maxBudget: 9, eta: 3 });
    sh.record(0, 0, 1.0);
    expect(sh.promotes(0, 0)).toBe(true); // alone: promoted
    sh.record(1, 0, 1.2);
    expect(sh.promotes(1, 0)).toBe(false); // 2 values keep 1: trial 0's
    sh.record(2, 0, 0.8);
    expect(sh.promotes(2, 0)).toBe(true); // 3 values keep 1: the best
    for (let t = 3; t < 6; t++) sh.record(t, 0, 0.9);
    // 6 values keep 2 (0.8 and the first 0.9, ties broken by trial order).
    expect(sh.promotes(3, 0)).toBe(true);
    expect(sh.promotes(4, 0)).toBe(false);
    sh.record(6, 0, NaN);
    expect(sh.promotes(6, 0)).toBe(false); // a failed trial never goes on
    sh.record(2, 2, 0.5);
    expect(sh.promotes(2, 2)).toBe(false); // the last rung promotes nobody
    expect(() => sh.record(0, 3, 1)).toThrow(/rung 3/);
  });
});
