// The Train view's early val points: val decision accuracy and NLL on a fixed subset of the val
// trips every few optimiser steps, so a run shows where it stands within its first minute instead
// of after its first epoch (the whole val set is still scored at every epoch's end). Plain data
// and the subset rule only: the training session (session.ts) runs the evaluation.
//
// tfjs-free: the page imports these types and defaults.

/** How often, and on how many val trips, a run checks itself between epoch ends. */
export interface ValCheckOptions {
  /** A check after every this-many optimiser steps (0: none between epoch ends). */
  everySteps: number;
  /** Val trips in the fixed subset (0 or ≥ the val set: all of them). */
  trips: number;
}

/**
 * The Train view's default: a check after the first step and every 5 steps on 64 val trips. At the
 * default batch (64 trips a step) on wasm a step takes 2–10 s (a check after step 5 came 112 s after
 * Train on a busy machine, bench/browser/bench-browser.ts), so the first step's point comes within the
 * first half-minute; 64 whole trips cost about one forward pass of a training batch.
 */
export const DEFAULT_VAL_CHECK: ValCheckOptions = { everySteps: 5, trips: 64 };

/** One early val point: decision metrics on the subset after `step` (epoch counted from 0). */
export interface ValPoint {
  step: number;
  /** The epoch the step belongs to (from 0, as EpochRecord.epoch). */
  epoch: number;
  /** Val trips scored (the subset's size). */
  trips: number;
  /** Whether the subset is the whole val set (then it is the same number an epoch end gives). */
  whole: boolean;
  valAccDecision: number;
  valNllDecision: number;
  valChanceAccDecision: number;
  /** Wall seconds the check took. */
  seconds: number;
}

/**
 * The fixed subset: `n` trips spread evenly over the val set in its order (the same trips at every
 * check and in every run on the same set, so points are comparable along a run and between runs).
 */
export function valSubset<T>(val: readonly T[], n: number): T[] {
  if (!(n > 0) || n >= val.length) return val.slice();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(val[Math.floor((i * val.length) / n)]);
  return out;
}

/** Whether a check is due after optimiser step `step` (counted from 1): after the first step, then every N. */
export function valCheckDue(step: number, o: ValCheckOptions): boolean {
  return o.everySteps > 0 && step > 0 && (step === 1 || step % o.everySteps === 0);
}

/** `?valEvery=N&valTrips=M` (M = 0 or "all": the whole val set) over the defaults. */
export function valCheckFromUrl(search: string, base: ValCheckOptions = DEFAULT_VAL_CHECK): ValCheckOptions {
  const q = new URLSearchParams(search);
  const int = (k: string, fallback: number): number => {
    const v = q.get(k);
    if (v === 'all') return 0;
    const n = Number(v);
    return v !== null && v !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
  };
  return { everySteps: int('valEvery', base.everySteps), trips: int('valTrips', base.trips) };
}
