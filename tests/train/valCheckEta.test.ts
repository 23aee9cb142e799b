import { describe, it, expect } from 'vitest';
import { DEFAULT_VAL_CHECK, valCheckDue, valCheckFromUrl, valSubset } from '../../src/lib/train/valCheck';
import { StepPace, formatDuration, trainEta } from '../../src/lib/train/trainEta';

describe('the val subset of early val points', () => {
  it('is fixed, spread over the whole set, and the whole set when asked for all or more', () => {
    const val = Array.from({ length: 10 }, (_, i) => i);
    expect(valSubset(val, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(valSubset(val, 5)).toEqual(valSubset(val, 5));
    expect(valSubset(val, 3)).toEqual([0, 3, 6]);
    expect(valSubset(val, 0)).toEqual(val);
    expect(valSubset(val, 50)).toEqual(val);
  });

  it('is due after the first step and every N steps, never at step 0, never when N is 0', () => {
    const o = { everySteps: 5, trips: 64 };
    expect([0, 1, 2, 4, 5, 6, 10].map((s) => valCheckDue(s, o))).toEqual([false, true, false, false, true, false, true]);
    expect(valCheckDue(5, { everySteps: 0, trips: 64 })).toBe(false);
  });

  it('reads ?valEvery= and ?valTrips= (all = the whole val set) over the defaults', () => {
    expect(valCheckFromUrl('')).toEqual(DEFAULT_VAL_CHECK);
    expect(valCheckFromUrl('?valEvery=2&valTrips=all')).toEqual({ everySteps: 2, trips: 0 });
    expect(valCheckFromUrl('?valEvery=x&valTrips=16')).toEqual({ everySteps: DEFAULT_VAL_CHECK.everySteps, trips: 16 });
  });
});

describe('the ETA and the smoothed pace', () => {
  it('smooths steps/s: one slow record moves it by a fraction of the gap, not to the slow value', () => {
    const p = new StepPace(8);
    expect(p.stepsPerSec).toBeNull();
    p.add(0.5); // 2 s a step
    p.add(0.5);
    p.add(0.08); // one slow record (an autosave)
    const s = p.secondsPerStep as number;
    expect(s).toBeGreaterThan(2);
    expect(s).toBeLessThan(3.5);
    p.add(NaN);
    p.add(0);
    expect(p.secondsPerStep).toBe(s);
  });

  it('counts the epoch and the run left from the steps done and the pace', () => {
    const eta = trainEta({ step: 27, stepsPerEpoch: 28, epochs: 8, secondsPerStep: 9.3 });
    expect(eta?.stepInEpoch).toBe(27);
    expect(eta?.epochSeconds).toBeCloseTo(9.3);
    expect(eta?.runSeconds).toBeCloseTo((28 * 8 - 27) * 9.3);
    expect(trainEta({ step: 28, stepsPerEpoch: 28, epochs: 8, secondsPerStep: 1 })?.epochSeconds).toBe(28);
    expect(trainEta({ step: 224, stepsPerEpoch: 28, epochs: 8, secondsPerStep: 1 })).toMatchObject({ epochSeconds: 0, runSeconds: 0 });
    expect(trainEta({ step: 3, stepsPerEpoch: 28, epochs: 8, secondsPerStep: null })).toBeNull();
  });

  it('writes durations for reading', () => {
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(1900)).toBe('31 min');
    expect(formatDuration(3900)).toBe('1 h 05 min');
    expect(formatDuration(NaN)).toBe('–');
  });
});
