import { describe, expect, it } from 'vitest';
import { lengthTerciles, strataMarkdown, strataReading } from '../../src/lib/eval/lengthStrata';

describe('lengthTerciles', () => {
  it('cuts the real lengths in thirds and leaves trips without a length out', () => {
    const { cuts, third } = lengthTerciles([1, 2, 3, 4, 5, 6, NaN]);
    expect(cuts[0]).toBeCloseTo(8 / 3, 12);
    expect(cuts[1]).toBeCloseTo(13 / 3, 12);
    expect(Array.from(third)).toEqual([0, 0, 1, 1, 2, 2, -1]);
  });
  it('refuses a split with no length', () => {
    expect(() => lengthTerciles([NaN])).toThrow(/no real trip has a length/);
  });
});

describe('strataReading', () => {
  // Six OD pairs, two seeds: the model wins the two short trips, ties the middle ones, and loses
  // the long ones, one of which the baseline draws exactly (DTW 0).
  const realKm = [1, 1.5, 3, 3.5, 8, 9];
  const baseline = [0.5, 0.5, 0.3, 0.3, 0, 0.4];
  const treated = [
    [0.1, 0.2, 0.3, 0.3, 0.9, 1.2],
    [0.2, 0.1, 0.3, 0.3, 0.7, null],
  ];
  const r = strataReading(treated, baseline, realKm, { resamples: 200 });
  const by = Object.fromEntries(r.strata.map((s) => [s.stratum, s]));
  it('counts wins, ties and losses per third', () => {
    expect([by.short.win, by.short.tie, by.short.loss]).toEqual([4, 0, 0]);
    expect([by.middle.win, by.middle.tie, by.middle.loss]).toEqual([0, 4, 0]);
    // The null (unscored) comparison is left out: 3 comparisons on the long third.
    expect([by.long.win, by.long.tie, by.long.loss, by.long.n]).toEqual([0, 0, 3, 3]);
    expect(by.short.share).toBe(1);
    expect([by.all.win, by.all.tie, by.all.loss, by.all.share, by.all.lossShare]).toEqual([4, 4, 3, 0, 1]);
    expect(by.long.share).toBe(-1);
    expect(by.long.lossShare).toBe(1);
  });
  it('reads the baseline-exact pairs apart from the rest', () => {
    expect(r.baselineExact).toBe(1);
    expect([by.baselineExact.nOd, by.baselineExact.loss]).toEqual([1, 2]);
    expect(by.baselineExact.meanDiff).toBeCloseTo(0.8, 12);
    expect(by.baselineInexact.nOd).toBe(5);
    expect(by.baselineInexact.win + by.baselineInexact.tie + by.baselineInexact.loss).toBe(9);
  });
  it('refuses rows of another OD count', () => {
    expect(() => strataReading([[1, 2]], baseline, realKm)).toThrow(/a run of 2 OD pairs against 6/);
    expect(() => strataReading(treated, baseline, [1, 2])).toThrow(/2 real lengths for 6 OD pairs/);
  });
  it('writes one Markdown row per model with each stratum and the cuts', () => {
    const md = strataMarkdown([{ label: 'model', seeds: 2, reading: r }], 'the baseline');
    expect(md).toMatch(/\| model \| 2 \| share \+0\.000 .*\| share \+1\.000/);
    expect(md).toMatch(/100 % of losses/);
    expect(md).toMatch(/draws the real trip exactly on 1 OD pairs/);
  });
});
