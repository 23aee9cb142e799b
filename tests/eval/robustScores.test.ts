import { describe, it, expect } from 'vitest';
import { scoreSpread, TIE_TOLERANCE, winTieLoss } from '../../src/lib/eval/robustScores';
import { makeRng } from '../../src/lib/random';

describe('score spread', () => {
  it('mean, median and p90 of known arrays, non-finite values left out', () => {
    expect(scoreSpread([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual({ n: 10, mean: 5.5, median: 5.5, p90: 9.1 });
    expect(scoreSpread([3, NaN, 1, Infinity, 2])).toEqual({ n: 3, mean: 2, median: 2, p90: 2.8 });
    const empty = scoreSpread([NaN]);
    expect(empty.n).toBe(0);
    expect(empty.mean).toBeNaN();
  });
});

describe('win / tie / loss', () => {
  it('counts per (seed, OD), ties within the tolerance, and the share per OD', () => {
    const baseline = [1, 1, 1, 1, NaN];
    // Seed 1 wins OD 0, ties OD 1 (a float-noise difference), loses OD 2 and 3; seed 2 wins 0–2, ties 3.
    const student = [
      [0.5, 1 + TIE_TOLERANCE / 10, 2, 2, 0],
      [0.5, 0.9, 0.9, 1, 0],
    ];
    const w = winTieLoss(student, [baseline, baseline], { resamples: 200, seed: 3 });
    expect([w.win, w.tie, w.loss, w.n, w.nOd]).toEqual([4, 2, 2, 8, 4]);
    // Per OD (wins − losses) / 2: 1, 0.5, 0, −0.5 → mean 0.25.
    expect(w.share).toBeCloseTo(0.25, 12);
    expect(w.ci95[0]).toBeLessThanOrEqual(w.share);
    expect(w.ci95[1]).toBeGreaterThanOrEqual(w.share);
    // Higher-is-better turns wins into losses.
    const h = winTieLoss(student, [baseline, baseline], { resamples: 200, seed: 3, higherIsBetter: true });
    expect([h.win, h.loss, h.share]).toEqual([2, 4, -0.25]);
    expect(() => winTieLoss([[1, 2]], [[1]])).toThrow(/OD pairs/);
  });

  it('the mean difference per OD pair, with its interval and sign-flip p, beside the share', () => {
    const baseline = [1, 1, 1, 1, NaN];
    const student = [
      [0.5, 1, 2, 2, 0],
      [0.5, 0.9, 0.9, 1, 0],
    ];
    const w = winTieLoss(student, [baseline, baseline], { resamples: 500, seed: 3 });
    // Per OD the mean of (student − baseline) over seeds: −0.5, −0.05, 0.45, 0.5; OD 4 has no finite pair.
    expect(w.meanDiff.mean).toBeCloseTo((-0.5 - 0.05 + 0.45 + 0.5) / 4, 12);
    expect(w.meanDiff.ci95[0]).toBeLessThanOrEqual(w.meanDiff.mean);
    expect(w.meanDiff.ci95[1]).toBeGreaterThanOrEqual(w.meanDiff.mean);
    // Four OD pairs cannot reject anything; a consistent win over 40 pairs does.
    expect(w.p).toBeGreaterThan(0.2);
    const many = winTieLoss([Array(40).fill(0.5)], [Array(40).fill(1)], { resamples: 500, seed: 3 });
    expect(many.share).toBe(1);
    expect(many.p).toBeLessThan(0.001);
    expect(many.meanDiff).toMatchObject({ mean: -0.5, ci95: [-0.5, -0.5] });
    expect(many.meanDiff.p).toBeLessThan(0.001);
  });

  it('the bootstrap is reproducible by seed and covers the true share on a synthetic population', () => {
    // OD pairs where the student wins with probability 0.55 and loses otherwise: true share 0.1.
    let covered = 0;
    const trials = 40;
    for (let t = 0; t < trials; t++) {
      const rng = makeRng(100 + t);
      const ref = Array.from({ length: 400 }, () => 1);
      const stu = ref.map(() => (rng() < 0.55 ? 0.5 : 1.5));
      const a = winTieLoss([stu], [ref], { resamples: 500, seed: 9 });
      const b = winTieLoss([stu], [ref], { resamples: 500, seed: 9 });
      expect(b).toEqual(a);
      if (a.ci95[0] <= 0.1 && 0.1 <= a.ci95[1]) covered++;
    }
    // A 95 % interval: 40 trials miss more than 6 times with probability < 1 %.
    expect(covered).toBeGreaterThanOrEqual(34);
  });
});
