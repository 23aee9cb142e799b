// Route scores that neither the mean nor the median alone can hide: the spread of per-OD DTW per km
// (mean, median, p90), and per OD pair who wins, student or baseline. The students lose on the
// mean through a tail of detours while winning the median, so every route table carries both, and
// the win − loss share of OD pairs with an interval that resamples OD pairs (the unit the seeds of
// one OD share). One implementation for the baselines report, the paired reports and the tables.
import { makeRng } from '../random';
import { quantile } from '../stats';

/** The spread of one set of per-OD scores (finite values only: a zero-length real trip's NaN is left out). */
export interface ScoreSpread {
  n: number;
  mean: number;
  median: number;
  p90: number;
}

export function scoreSpread(values: readonly number[]): ScoreSpread {
  const f = values.filter((x) => Number.isFinite(x));
  return {
    n: f.length,
    mean: f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN,
    median: quantile(f, 0.5),
    p90: quantile(f, 0.9),
  };
}

/**
 * Two routes' scores of one OD tie when they differ by less than this: identical roads give
 * identical scores (Δ exactly 0), so the tolerance only absorbs floating-point noise.
 */
export const TIE_TOLERANCE = 1e-9;

export interface WinTieLoss {
  /** (seed, OD) comparisons counted (both scores finite). */
  n: number;
  /** OD pairs with at least one comparison: the bootstrap's unit. */
  nOd: number;
  /** Comparisons the treated side wins (a better score by more than TIE_TOLERANCE), ties, losses. */
  win: number;
  tie: number;
  loss: number;
  /**
   * Mean over OD pairs of (wins − losses) / comparisons of that OD: in [−1, 1], the share of OD
   * pairs the treated side wins minus the share it loses (with one seed exactly that).
   */
  share: number;
  /** Percentile bootstrap over OD pairs (each OD's seeds stay together). */
  ci95: [number, number];
  /** Two-sided sign-flip permutation p of the share over OD pairs (signFlipP). */
  p: number;
  /**
   * The mean score difference, treated − reference: per OD pair the mean over its seeds, then the
   * mean over OD pairs, with the same OD bootstrap interval and sign-flip p. Unlike the mean of each
   * side's own means, it counts only (seed, OD) pairs where both scores are finite.
   */
  meanDiff: { mean: number; ci95: [number, number]; p: number };
  bootstrap: { resamples: number; seed: number };
}

/**
 * Per OD pair, `treated` against `reference`: each is [seed][od] (a deterministic baseline repeats
 * its one row for every seed). Lower is better unless `higherIsBetter`.
 */
export function winTieLoss(
  treated: readonly (readonly number[])[],
  reference: readonly (readonly number[])[],
  opts: { resamples?: number; seed?: number; higherIsBetter?: boolean } = {},
): WinTieLoss {
  const resamples = opts.resamples ?? 2000;
  const seed = opts.seed ?? 1;
  if (treated.length !== reference.length) throw new Error(`winTieLoss: ${treated.length} treated seeds against ${reference.length}`);
  const nOdAll = treated[0]?.length ?? 0;
  for (const row of [...treated, ...reference])
    if (row.length !== nOdAll) throw new Error(`winTieLoss: rows of ${row.length} and ${nOdAll} OD pairs`);
  const sign = opts.higherIsBetter ? -1 : 1;
  let win = 0;
  let tie = 0;
  let loss = 0;
  const perOd: number[] = [];
  const diffOd: number[] = [];
  for (let o = 0; o < nOdAll; o++) {
    let w = 0;
    let l = 0;
    let k = 0;
    let dSum = 0;
    for (let s = 0; s < treated.length; s++) {
      const a = treated[s][o];
      const b = reference[s][o];
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      k++;
      dSum += a - b;
      const d = sign * (a - b);
      if (Math.abs(d) < TIE_TOLERANCE) tie++;
      else if (d < 0) {
        win++;
        w++;
      } else {
        loss++;
        l++;
      }
    }
    if (k > 0) {
      perOd.push((w - l) / k);
      diffOd.push(dSum / k);
    }
  }
  const b = bootstrapMean(perOd, resamples, seed);
  const d = bootstrapMean(diffOd, resamples, seed);
  // Sign flips: as many as resamples, at least 2,000 (as the reached test), and their own seed.
  const flips = Math.max(resamples, 2000);
  return {
    n: win + tie + loss,
    nOd: perOd.length,
    win,
    tie,
    loss,
    share: b.mean,
    ci95: b.ci95,
    p: signFlipP(perOd, flips, seed + 1),
    meanDiff: { mean: d.mean, ci95: d.ci95, p: signFlipP(diffOd, flips, seed + 1) },
    bootstrap: { resamples, seed },
  };
}

/** Mean with a percentile bootstrap interval over the values (seeded). */
export function bootstrapMean(values: readonly number[], resamples: number, seed: number): { mean: number; ci95: [number, number] } {
  const n = values.length;
  if (n === 0) return { mean: NaN, ci95: [NaN, NaN] };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const rng = makeRng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rng() * n)];
    means[r] = s / n;
  }
  means.sort();
  const at = (q: number): number => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return { mean, ci95: [at(0.025), at(0.975)] };
}

/**
 * Two-sided sign-flip permutation test that the values' mean is 0: under the null each value
 * (one OD pair's distilled − vanilla, averaged over its seeds) is as likely negated. Random flips,
 * seeded; p = (1 + flips at least as extreme) / (1 + flips), so never 0. All zeros give 1.
 */
export function signFlipP(values: readonly number[], flips: number, seed: number): number {
  const n = values.length;
  const observed = Math.abs(values.reduce((a, b) => a + b, 0));
  if (n === 0 || observed === 0) return 1;
  const rng = makeRng(seed);
  let extreme = 0;
  for (let f = 0; f < flips; f++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng() < 0.5 ? -values[i] : values[i];
    // A relative tolerance: a flip that only reorders the same sum counts as extreme.
    if (Math.abs(s) >= observed * (1 - 1e-12)) extreme++;
  }
  return (1 + extreme) / (1 + flips);
}
