import { describe, expect, it } from 'vitest';
import { pairedTripGap, type TripStepStats } from '../../src/lib/eval/steps';

const trip = (tripId: string, decisionSteps: number, decisionNllSum: number, decisionCorrect: number): TripStepStats => ({
  tripId,
  steps: decisionSteps,
  nllSum: decisionNllSum,
  correct: decisionCorrect,
  decisionSteps,
  decisionNllSum,
  decisionCorrect,
  uniformCorrect: 0,
  uniformNllSum: 0,
  sharedCellSteps: 0,
  unscorable: 0,
});

describe('pairedTripGap', () => {
  it('gives b − a over all decision steps, with an interval around it', () => {
    const a = Array.from({ length: 40 }, (_, i) => trip(`t${i}`, 10, 4 + (i % 3), 8));
    const b = a.map((t, i) => trip(t.tripId, 10, t.decisionNllSum - 1 - (i % 2) * 0.5, 9));
    const g = pairedTripGap(a, b, 500);
    expect(g.decisionNll.a).toBeCloseTo(a.reduce((s, t) => s + t.decisionNllSum, 0) / 400, 12);
    expect(g.decisionNll.diff).toBeCloseTo(-(40 + 20 * 0.5) / 400, 12);
    expect(g.decisionNll.ci95[0]).toBeLessThanOrEqual(g.decisionNll.diff);
    expect(g.decisionNll.ci95[1]).toBeGreaterThanOrEqual(g.decisionNll.diff);
    expect(g.decisionNll.ci95[1]).toBeLessThan(0);
    expect(g.decisionAcc.diff).toBeCloseTo(0.1, 12);
  });

  it('an identical model gives a zero difference and a zero-width interval', () => {
    const a = Array.from({ length: 10 }, (_, i) => trip(`t${i}`, 5 + i, 2 + i, 3));
    const g = pairedTripGap(a, a, 200);
    expect(g.decisionNll.diff).toBe(0);
    expect(g.decisionNll.ci95).toEqual([0, 0]);
  });

  it('refuses models scored on different trips', () => {
    expect(() => pairedTripGap([trip('a', 3, 1, 1)], [trip('b', 3, 1, 1)])).toThrow(/same trips/);
  });
});
