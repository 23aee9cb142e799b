import { describe, it, expect } from 'vitest';
import { pairedRatio, roundDeep, summarize } from '../../bench/suites/stats';
import { median, quantile } from '../../src/lib/stats';
import { compare, ratioOf, throughput, time } from '../../bench/suites/timing';

/** A fake clock advanced by the workloads themselves: deterministic "durations", no real timing. */
function fakeClock() {
  let t = 0;
  return { clock: () => t, advance: (ms: number) => (t += ms) };
}

describe('stats', () => {
  it('computes medians and quartiles with linear interpolation', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.75)).toBeCloseTo(3.25, 12);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(() => quantile([1], 1.5)).toThrow();
  });

  it('summarises, dropping non-finite samples', () => {
    const s = summarize([10, NaN, 2, 4, Infinity, 8, 6]);
    expect(s).toMatchObject({ n: 5, median: 6, q1: 4, q3: 8, iqr: 4, min: 2, max: 10, mean: 6 });
  });

  it('pairs ratios round by round and rejects unequal series', () => {
    const r = pairedRatio([2, 4, 9, 0], [1, 2, 3, 5]);
    expect(r.n).toBe(3); // the pair with a zero is dropped
    expect(r.median).toBe(2);
    expect(() => pairedRatio([1], [1, 2])).toThrow();
  });

  it('rounds numbers deeply to significant digits', () => {
    expect(roundDeep({ a: 1.23456, b: [0.000123456], c: 'x', d: null }, 3)).toEqual({ a: 1.23, b: [0.000123], c: 'x', d: null });
  });
});

describe('timing', () => {
  it('runs warm-up calls untimed and times the repeats', async () => {
    const c = fakeClock();
    const durations = [100, 5, 7, 6];
    let i = 0;
    const t = await time(() => c.advance(durations[i++]), { warmup: 1, repeats: 3, clock: c.clock });
    expect(i).toBe(4);
    expect(t.samples).toEqual([5, 7, 6]);
    expect(t.median).toBe(6);
  });

  it('stops after maxMs once minRepeats ran', async () => {
    const c = fakeClock();
    let calls = 0;
    const t = await time(() => (calls++, c.advance(50)), { warmup: 0, repeats: 10, maxMs: 120, minRepeats: 2, clock: c.clock });
    expect(t.n).toBe(3);
    expect(calls).toBe(3);
  });

  it('compares variants in rotating interleaved rounds with paired ratios', async () => {
    const c = fakeClock();
    const order: string[] = [];
    // "load" doubles every durations in round 2: the paired ratio stays exactly 3.
    let round = 0;
    const slow = () => (order.push('slow'), c.advance(30 * (round === 1 ? 2 : 1)));
    const fast = () => (order.push('fast'), c.advance(10 * (round === 1 ? 2 : 1)));
    const cmp = await compare(
      {
        slow: () => slow(),
        fast: () => {
          fast();
          if (order.length % 2 === 0) round++;
        },
      },
      { warmup: 0, repeats: 3, clock: c.clock },
    );
    expect(cmp.rounds).toBe(3);
    expect(order.slice(0, 4)).toEqual(['slow', 'fast', 'fast', 'slow']);
    expect(cmp.timings.slow.n).toBe(3);
    const r = ratioOf(cmp, 'slow', 'fast');
    expect(r.min).toBeCloseTo(3, 12);
    expect(r.max).toBeCloseTo(3, 12);
  });

  it('turns a timing into units per second with swapped quartiles', async () => {
    const c = fakeClock();
    const d = [100, 200, 400];
    let i = 0;
    const t = await time(() => c.advance(d[i++]), { warmup: 0, repeats: 3, clock: c.clock });
    const tp = throughput(t, 10);
    expect(tp.median).toBeCloseTo(50, 12);
    expect(tp.q1).toBeLessThan(tp.median);
    expect(tp.q3).toBeGreaterThan(tp.median);
  });

  it('validates options', async () => {
    await expect(time(() => 0, { repeats: 0 })).rejects.toThrow();
    await expect(compare({}, {})).rejects.toThrow();
  });
});
