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
  for (let o = 0; o < nOdAll; o++) {
    let w = 0;
    let l = 0;
    let k = 0;
    for (let s = 0; s < treated.length; s++) {
      const a = treated[s][o];
      const b = reference[s][o];
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      k++;
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
    if (k > 0) perOd.push((w - l) / k);
  }
  const b = bootstrapMean(perOd, resamples, seed);
  return { n: win + tie + loss, nOd: perOd.length, win, tie, loss, share: b.mean, ci95: b.ci95, bootstrap: { resamples, seed } };
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
