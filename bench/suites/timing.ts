// Timing with warm-up and repeats, and side-by-side comparison of variants in interleaved rounds
// (A B C, A B C, …) so that load changes on a shared machine affect every variant alike. No tensor
// code here: a workload is any (a)sync function; it must itself wait for its results (read back).
import { pairedRatio, summarize, type Summary } from './stats';

import { defaultClock, type Clock } from '../../src/lib/runtime/clock';

export { defaultClock, type Clock };

export interface TimingOptions {
  /** Untimed calls before measuring (JIT, kernel set-up, caches). Default 1. */
  warmup?: number;
  /** Timed calls. Default 5. */
  repeats?: number;
  /** Stop repeating early once this much time was spent measuring (ms); at least minRepeats run. */
  maxMs?: number;
  /** Lower bound on timed calls when maxMs cuts a run short. Default 3 (or repeats if smaller). */
  minRepeats?: number;
  clock?: Clock;
}

export interface Timing extends Summary {
  /** Milliseconds of each timed call, in order. */
  samples: number[];
}

/** A workload: returns optionally how many work units it did (trips, queries) for a throughput. */
export type Workload = () => unknown | Promise<unknown>;

function resolveOpts(o: TimingOptions): Required<Omit<TimingOptions, 'maxMs'>> & { maxMs: number } {
  const repeats = o.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  const warmup = o.warmup ?? 1;
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be a non-negative integer, got ${warmup}`);
  return {
    warmup,
    repeats,
    maxMs: o.maxMs ?? Infinity,
    minRepeats: Math.min(repeats, o.minRepeats ?? 3),
    clock: o.clock ?? defaultClock,
  };
}

/** Times one workload: `warmup` untimed calls, then up to `repeats` timed calls (ms). */
export async function time(fn: Workload, opts: TimingOptions = {}): Promise<Timing> {
  const o = resolveOpts(opts);
  for (let i = 0; i < o.warmup; i++) await fn();
  const samples: number[] = [];
  let spent = 0;
  for (let i = 0; i < o.repeats; i++) {
    if (i >= o.minRepeats && spent >= o.maxMs) break;
    const t0 = o.clock();
    await fn();
    const dt = o.clock() - t0;
    samples.push(dt);
    spent += dt;
  }
  return { ...summarize(samples), samples };
}

export interface Comparison<K extends string> {
  /** Per-variant timings (ms per call). */
  timings: Record<K, Timing>;
  /** Rounds actually run. */
  rounds: number;
}

/**
 * Times several variants side by side: warm-up calls of each, then rounds in which every variant
 * runs once, in a rotating order (round r starts at variant r mod k) so that no variant always
 * follows the same neighbour. Sample i of every variant comes from round i, so pairedRatio()
 * between two variants compares measurements taken moments apart.
 */
export async function compare<K extends string>(variants: Record<K, Workload>, opts: TimingOptions = {}): Promise<Comparison<K>> {
  const o = resolveOpts(opts);
  const keys = Object.keys(variants) as K[];
  if (keys.length === 0) throw new Error('compare: no variants');
  for (let i = 0; i < o.warmup; i++) for (const k of keys) await variants[k]();
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  let spent = 0;
  let rounds = 0;
  for (let r = 0; r < o.repeats; r++) {
    if (r >= o.minRepeats && spent >= o.maxMs) break;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(r + j) % keys.length];
      const t0 = o.clock();
      await variants[k]();
      const dt = o.clock() - t0;
      samples[k].push(dt);
      spent += dt;
    }
    rounds++;
  }
  const timings = Object.fromEntries(keys.map((k) => [k, { ...summarize(samples[k]), samples: samples[k] }])) as Record<K, Timing>;
  return { timings, rounds };
}

/** Median of the paired per-round ratios a/b of two variants of a comparison (see pairedRatio). */
export function ratioOf<K extends string>(c: Comparison<K>, a: K, b: K): Summary {
  return pairedRatio(c.timings[a].samples, c.timings[b].samples);
}

/** Units per second from a timing of calls that each did `units` units of work (median and IQR bounds). */
export function throughput(t: Timing, units: number): { median: number; q1: number; q3: number } {
  // A longer time means a lower rate, so the quartiles swap.
  return { median: (units * 1000) / t.median, q1: (units * 1000) / t.q3, q3: (units * 1000) / t.q1 };
}
