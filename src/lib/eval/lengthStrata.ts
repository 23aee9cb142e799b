// Where routes lose against a baseline: the per-OD comparison (robustScores.ts winTieLoss) split by
// the real trip's length into terciles, and apart on the OD pairs the baseline reproduces exactly.
// A mean or a share over all OD pairs can hide that a student wins short trips and loses long ones;
// registration 2's losses sat mostly in the long third, and a third of them where Markov + length
// drew the real trip itself.
import { quantile } from '../stats';
import { TIE_TOLERANCE, winTieLoss } from './robustScores';

/** The strata every route table is read by: three length terciles, then the OD pairs the baseline draws exactly and the rest. */
export const STRATA = ['all', 'short', 'middle', 'long', 'baselineExact', 'baselineInexact'] as const;
export type Stratum = (typeof STRATA)[number];

const THIRDS: ReadonlySet<Stratum> = new Set(['short', 'middle', 'long']);

export const STRATUM_LABELS: Record<Stratum, string> = {
  all: 'all OD pairs',
  short: 'short third',
  middle: 'middle third',
  long: 'long third',
  baselineExact: 'the baseline draws the real trip',
  baselineInexact: 'the baseline misses the real trip',
};

/**
 * Tercile cut points of the real trips' lengths (km; non-finite lengths left out) and each OD's
 * third: 0 short (≤ first cut), 1 middle, 2 long (> second cut), −1 without a length.
 */
export function lengthTerciles(realKm: readonly number[]): { cuts: [number, number]; third: Int8Array } {
  const f = realKm.filter((x) => Number.isFinite(x));
  if (f.length === 0) throw new Error('lengthTerciles: no real trip has a length');
  const cuts: [number, number] = [quantile(f, 1 / 3), quantile(f, 2 / 3)];
  const third = Int8Array.from(realKm, (x) => (!Number.isFinite(x) ? -1 : x <= cuts[0] ? 0 : x <= cuts[1] ? 1 : 2));
  return { cuts, third };
}

/** One stratum's reading: the per-OD comparison restricted to its OD pairs. */
export interface StratumReading {
  stratum: Stratum;
  /** OD pairs in the stratum, and (seed, OD) comparisons. */
  nOd: number;
  n: number;
  win: number;
  tie: number;
  loss: number;
  /** Wins − losses share over its OD pairs, with the OD bootstrap interval (as the tables' share). */
  share: number;
  ci95: [number, number];
  /** Two-sided sign-flip permutation p of the share over the stratum's OD pairs. */
  p: number;
  /** Mean DTW per km difference, treated − baseline, with the same interval and its sign-flip p. */
  meanDiff: number;
  meanDiffCi95: [number, number];
  meanDiffP: number;
  /** This stratum's share of all the treated side's losses. */
  lossShare: number;
}

export interface StrataReading {
  cutsKm: [number, number];
  /** OD pairs the baseline reproduces exactly (DTW 0 to the real trip). */
  baselineExact: number;
  strata: StratumReading[];
}

/**
 * Treated runs ([seed][od] DTW per km, null/NaN where unscored) against one baseline row ([od]),
 * per stratum. `realKm` is each OD's real trip length in the same OD order.
 */
export function strataReading(
  treated: ReadonlyArray<ReadonlyArray<number | null>>,
  baseline: ReadonlyArray<number | null>,
  realKm: readonly number[],
  opts: { resamples?: number; seed?: number } = {},
): StrataReading {
  const nOd = baseline.length;
  if (realKm.length !== nOd) throw new Error(`strataReading: ${realKm.length} real lengths for ${nOd} OD pairs`);
  for (const row of treated) if (row.length !== nOd) throw new Error(`strataReading: a run of ${row.length} OD pairs against ${nOd}`);
  const num = (x: number | null) => x ?? NaN;
  const { cuts, third } = lengthTerciles(realKm);
  const exact = baseline.map((b) => b !== null && Number.isFinite(b) && Math.abs(b) < TIE_TOLERANCE);
  const member: Record<Stratum, (o: number) => boolean> = {
    all: () => true,
    short: (o) => third[o] === 0,
    middle: (o) => third[o] === 1,
    long: (o) => third[o] === 2,
    baselineExact: (o) => exact[o],
    baselineInexact: (o) => !exact[o],
  };
  const readings = STRATA.map((stratum) => {
    const ods = Array.from({ length: nOd }, (_, o) => o).filter(member[stratum]);
    const w = winTieLoss(
      treated.map((row) => ods.map((o) => num(row[o]))),
      treated.map(() => ods.map((o) => num(baseline[o]))),
      { resamples: opts.resamples ?? 2000, seed: opts.seed ?? 31_337 },
    );
    return { stratum, w };
  });
  // Every OD lies in exactly one third, so the terciles' losses add up to all losses.
  const allLosses = readings.filter((r) => THIRDS.has(r.stratum)).reduce((a, r) => a + r.w.loss, 0);
  return {
    cutsKm: cuts,
    baselineExact: exact.filter(Boolean).length,
    strata: readings.map(({ stratum, w }) => ({
      stratum,
      nOd: w.nOd,
      n: w.n,
      win: w.win,
      tie: w.tie,
      loss: w.loss,
      share: w.share,
      ci95: w.ci95,
      p: w.p,
      meanDiff: w.meanDiff.mean,
      meanDiffCi95: w.meanDiff.ci95,
      meanDiffP: w.meanDiff.p,
      lossShare: allLosses > 0 ? w.loss / allLosses : NaN,
    })),
  };
}

/** One row of a strata table: a label and its reading against the baseline. */
export interface StrataRow {
  label: string;
  seeds: number;
  reading: StrataReading;
}

const signed = (x: number, d: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}` : '–');
const interval = (c: [number, number], d: number) => `[${signed(c[0], d)}, ${signed(c[1], d)}]`;

/**
 * The rows as a Markdown table: per stratum, the win − loss share and the mean DTW per km
 * difference against the baseline, each with its OD bootstrap interval, and the stratum's share of
 * all losses.
 */
export function strataMarkdown(rows: readonly StrataRow[], baselineLabel: string): string {
  const head = `| row | seeds | ${STRATA.map((s) => STRATUM_LABELS[s]).join(' | ')} |`;
  const rule = `| --- | --- | ${STRATA.map(() => '---').join(' | ')} |`;
  const cell = (r: StratumReading) =>
    `share ${signed(r.share, 3)} ${interval(r.ci95, 3)}; mean ${signed(r.meanDiff, 3)} ${interval(r.meanDiffCi95, 3)}; ` +
    `${r.win}/${r.tie}/${r.loss} (${r.nOd} OD)${!THIRDS.has(r.stratum) ? '' : `, ${(100 * r.lossShare).toFixed(0)} % of losses`}`;
  const body = rows.map((row) => `| ${row.label} | ${row.seeds} | ${row.reading.strata.map(cell).join(' | ')} |`);
  const r0 = rows[0]?.reading;
  const foot = r0
    ? `\nThirds of the real trip's length cut at ${r0.cutsKm[0].toFixed(2)} and ${r0.cutsKm[1].toFixed(2)} km; ${baselineLabel} draws the real trip exactly on ${r0.baselineExact} OD pairs. ` +
      `Share: per OD pair, (wins − losses) / seeds against ${baselineLabel}, averaged over the stratum's OD pairs; mean: DTW per km, model − baseline (lower is better); ` +
      `wins/ties/losses over (seed, OD pair); intervals: 95 % percentile bootstrap over OD pairs.`
    : '';
  return [head, rule, ...body].join('\n') + '\n' + foot + '\n';
}
