// The results table that opens the README and the Compare view: per city, the route baselines, the
// vanilla students and every distilled arm or control, on the primary route metric (DTW per km of
// the real trip) under both searches, EDR, reached under beam 4, and teacher-forced decision NLL.
// Every comparison with vanilla is a paired effect over training seeds (a baseline's one value
// against each vanilla seed), tested with a paired t-test. Its words follow the statistics policy
// (statsPolicy.ts, docs/experiments/statistics-policy.md): a verdict only for the registered
// endpoints, from Holm within them; every other cell is exploratory, read from its own interval.
// The Holm adjustment over every comparison of the tables, all cities together, is still computed:
// it is the family the registration named (registeredConfirmation.ts reports it as registered).
import { finite } from '../stats';
import { BASELINE_NAME } from './displayNames';
import { pairedP, holmAdjust } from './multiplicity';
import { pairedEffect, type PairedEffect } from './paired';
import { winTieLoss, type WinTieLoss } from './robustScores';
import { parseRegisteredRoutesReading, type RegisteredRoutesEntry } from './registeredRoutes';
import {
  digitsKeepingSide,
  intervalText,
  policyVerdict,
  POLICY_ALPHA,
  POLICY_DOC,
  type Comparison,
  type ConfirmatoryVerdict,
  type IntervalReading,
} from './statsPolicy';

/** One column: which report it reads, which metric, and its direction. */
export interface ResultsColumn {
  key: string;
  label: string;
  source: 'beam' | 'bestFirst' | 'steps';
  metric: string;
  lowerIsBetter: boolean;
  digits: number;
}

export const RESULTS_COLUMNS: readonly ResultsColumn[] = [
  { key: 'dtwPerKmBeam', label: 'DTW per km, beam 4', source: 'beam', metric: 'odDtwPerKm', lowerIsBetter: true, digits: 3 },
  { key: 'dtwPerKmBest', label: 'DTW per km, best-first', source: 'bestFirst', metric: 'odDtwPerKm', lowerIsBetter: true, digits: 3 },
  { key: 'edrBeam', label: 'EDR, beam 4', source: 'beam', metric: 'odEdr', lowerIsBetter: true, digits: 3 },
  { key: 'edrBest', label: 'EDR, best-first', source: 'bestFirst', metric: 'odEdr', lowerIsBetter: true, digits: 3 },
  { key: 'reachedBeam', label: 'reached, beam 4', source: 'beam', metric: 'reachedRate', lowerIsBetter: false, digits: 3 },
  { key: 'decisionNll', label: 'decision NLL', source: 'steps', metric: 'decisionNll', lowerIsBetter: true, digits: 4 },
];

/** One training seed's run in a paired report: its metrics and, in newer reports, DTW per km per OD pair. */
export interface ReportRun {
  seed: number;
  metrics: Record<string, number>;
  spread?: DtwSpread;
  /** In the split's OD order; null where the real trip has zero length (absent from older reports). */
  odDtwPerKm?: ReadonlyArray<number | null>;
}

/** The parts of `eval paired-report` output read here (one split). */
export interface ReportSplit {
  arms: { vanilla: ReportRun[]; distilled: ReportRun[] };
  effects: Record<string, PairedEffect>;
  baselines?: Record<string, BaselineScores>;
}

/** One route baseline's scores on a split, as `eval paired-report --baselines` writes them. */
export interface BaselineScores {
  description?: string;
  metrics: Record<string, number>;
  /** baseline − vanilla per vanilla seed. */
  vsVanilla: Record<string, PairedEffect>;
  odVsVanilla?: Record<string, { mean: number; ci95: [number, number] }>;
  /** DTW per km over OD pairs (newer reports). */
  spread?: DtwSpread;
  /** DTW per km per OD pair in the split's OD order (newer reports; null for a zero-length real trip). */
  odDtwPerKm?: ReadonlyArray<number | null>;
  /** The Markov chain's smoothing α and, for Markov + length, its cost per km (newer reports). */
  markov?: { smoothing?: number; lengthPerKm?: number };
}

/**
 * One split of an `eval baselines` report (e.g. the baselines chosen on val): its methods replace
 * the paired reports' baseline rows, each compared with every vanilla seed of the table.
 */
export interface BaselinesReportSplit {
  methods: Record<string, Omit<BaselineScores, 'vsVanilla' | 'odVsVanilla'>>;
}

/** The parts of `eval paired-steps` output read here. */
export interface StepsFile {
  vanilla: Array<{ seed: number; decisionNll: number }>;
  distilled: Array<{ seed: number; decisionNll: number }>;
  effects: Record<string, PairedEffect>;
}

/** One arm or control against its vanilla runs: its reports on the table's split. */
export interface ArmSources {
  label: string;
  /** Where the recipe comes from, in a few words (the thesis optimum, tuned on val generation, a control …). */
  source: string;
  beam?: ReportSplit;
  bestFirst?: ReportSplit;
  steps?: StepsFile;
  /**
   * A control (a uniform target, a swapped destination, the teacher's data without the teacher):
   * tabled and tested like any arm, called a control wherever it appears, and never shipped.
   */
  control?: true;
  /** The recipe in plain words ("the same training plus the LM-TAD teacher's next-road distribution …"). */
  recipe?: string;
}

export interface CitySources {
  city: string;
  split: string;
  arms: ArmSources[];
  /** What the table shows, in a sentence or two, written from its numbers (shown above it). */
  note?: string;
  /**
   * Arm against arm on the same seeds (e.g. the teacher against the uniform control): treated −
   * control per seed, from each arm's own per-seed values. Their tests join the Holm family.
   */
  contrasts?: Array<{ label: string; treated: string; control: string }>;
  /**
   * An exploratory table (e.g. seeds of several studies pooled after the fact): its comparisons are
   * tested but kept out of the Holm family, so adding it changes no registered or reported verdict;
   * its verdicts read the unadjusted p and say so.
   */
  exploratory?: boolean;
  /** The vanilla students' recipe in plain words ("trained on the 1,775 taxi trips alone"). */
  vanillaRecipe?: string;
  /**
   * The vanilla row's label where the table's no-teacher partner is a recipe other than plain vanilla
   * (the route features, whose KL twin is read against them); default "vanilla student".
   */
  vanillaLabel?: string;
  /** A baselines report's split (the baselines chosen on val): replaces the paired reports' baseline rows. */
  baselines?: BaselinesReportSplit;
  /** The README table this one feeds (resultsValues.ts merges the tables that name the same one). */
  readme?: string;
}

/** The registered endpoints: which table and row, and the result columns in the registration's order. */
export interface RegisteredCells {
  table: string;
  arm: string;
  endpoints: readonly string[];
}

/** A cell's difference from vanilla, with the statistics policy's reading of it. */
export interface CellEffect {
  mean: number;
  ci95: [number, number];
  n: number;
  /** Raw two-sided p of the paired t-test. */
  p: number;
  /**
   * Holm over every comparison of the tables outside exploratory ones: the family the registration
   * named (read by registeredConfirmation.ts); NaN in an exploratory table. Decides no words.
   */
  pHolm: number;
  /** A registered endpoint only: Holm within the registered endpoints, the policy's confirmatory family. */
  confirmatory?: { pHolm: number; family: number };
  /** The policy's words (statsPolicy.ts), e.g. "lower (better; interval excludes 0), exploratory". */
  words: string;
  reading: IntervalReading | null;
  quality: 'better' | 'worse' | null;
  /** The registered verdict, confirmatory cells only. */
  verdict: ConfirmatoryVerdict | null;
}

export interface ResultsCell {
  /** The row's own value: a baseline's, or the mean over seeds of the arm's (vanilla's for its row). */
  value: number | null;
  /** Against vanilla: treated − vanilla over seeds (absent on vanilla's row and where not measured). */
  effect?: CellEffect;
}

export interface ResultsRow {
  label: string;
  kind: 'baseline' | 'vanilla' | 'arm' | 'contrast';
  source: string;
  seeds: number;
  cells: Record<string, ResultsCell>;
  /** A control (ArmSources.control): never shipped. */
  control?: true;
  /** The recipe in plain words (ArmSources.recipe; the city's vanillaRecipe on vanilla's row). */
  recipe?: string;
  /** A baseline's DTW per km over OD pairs (its one route each), where its report carries it. */
  spread?: DtwSpread;
}

export interface CityTable {
  city: string;
  split: string;
  rows: ResultsRow[];
  note?: string;
  /** Outside the registration's whole-table Holm family (CitySources.exploratory). */
  exploratory?: boolean;
  /** Each model against the route baseline closest to the drivers (absent without baselines). */
  vsBestBaseline?: BaselineAnswer;
  /** CitySources.readme. */
  readme?: string;
}

/** Spread of DTW per km over OD pairs, where a report carries it (absent in older reports). */
export interface DtwSpread {
  median?: number;
  p90?: number;
}

/**
 * "Is it better than the best baseline?": the baseline with the lowest mean DTW per km (a baseline is
 * one deterministic route per OD pair, so best-first's and beam's columns hold the same value), and
 * every model of the table (vanilla's row, each arm) against it: model − baseline over training seeds,
 * exploratory (outside every Holm family). Median, p90 and per-OD wins/ties/losses are read when the
 * reports carry them (a run's or baseline's spread block, else metrics odDtwPerKmMedian, odDtwPerKmP90;
 * odVsVanilla.odDtwPerKm.{wins,ties,losses}). A city's baselines report (CitySources.baselines) is the
 * pool the best is picked from, in place of the paired reports' baselines.
 */
export interface BaselineAnswer {
  baseline: string;
  value: number;
  spread: DtwSpread;
  models: Array<{
    label: string;
    kind: 'vanilla' | 'arm';
    value: number;
    spread: DtwSpread;
    /** model − baseline, DTW per km under best-first search. */
    effect: CellEffect;
    /** OD pairs where the model's route is closer than the baseline's, level, farther (vanilla: from the report's per-OD comparison). */
    perOd?: { wins: number; ties: number; losses: number };
    /**
     * Per (seed, OD pair) against the baseline, best-first: wins, ties, losses and the win − loss share
     * with its OD bootstrap interval (robustScores.ts), where both reports carry per-OD values.
     */
    share?: OdShare;
    /** Under beam 4, where the table has beam reports: the mean over seeds and the per-OD spread. */
    beam?: { value: number; spread: DtwSpread };
  }>;
}

/** The per-OD comparison with a baseline that a table shows: a WinTieLoss without its bootstrap detail. */
export type OdShare = Pick<WinTieLoss, 'win' | 'tie' | 'loss' | 'share' | 'ci95' | 'p'>;

export interface ResultsTables {
  schema: 'trajdistill-results/2';
  alpha: number;
  /** The statistics policy in a sentence, and where it is written out. */
  policy: string;
  adjustment: string;
  columns: readonly ResultsColumn[];
  /** How many comparisons the whole-table Holm adjustment (the registration's family) ran over. */
  comparisons: number;
  /** The registered endpoints, confirmatory under the policy; absent when the tables have none. */
  registeredCells?: RegisteredCells;
  cities: CityTable[];
}

/** The vanilla row's label unless a table names its no-teacher partner (CitySources.vanillaLabel). */
export const VANILLA_LABEL = 'vanilla student';

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** A baseline's name in plain words (displayNames.ts), with its Markov parameters where the report records them. */
export function baselineLabel(method: string, b: Pick<BaselineScores, 'markov'>): string {
  const a = b.markov?.smoothing;
  const mu = b.markov?.lengthPerKm;
  if (method === 'markov' || method === 'markovLength') {
    const name = BASELINE_NAME[method];
    if (method === 'markov' && a !== undefined) return `${name} (α ${a})`;
    if (method === 'markovLength' && a !== undefined && mu !== undefined) return `${name} (α ${a}, μ ${mu} per km)`;
    return `${name} (train transitions)`;
  }
  return (BASELINE_NAME as Record<string, string>)[method] ?? method;
}

/**
 * The baselines of one report split: the paired report's own, or a baselines report's methods
 * compared with this report's vanilla seeds exactly as the paired report compares its own
 * (baseline − vanilla per seed, the baseline's one value against each).
 */
function baselinesOf(
  report: ReportSplit | undefined,
  chosen: BaselinesReportSplit | undefined,
): Record<string, BaselineScores> | undefined {
  if (!report) return undefined;
  if (!chosen) return report.baselines;
  const out: Record<string, BaselineScores> = {};
  for (const [method, b] of Object.entries(chosen.methods)) {
    const vsVanilla: Record<string, PairedEffect> = {};
    for (const key of Object.keys(b.metrics)) {
      const vanilla = report.arms.vanilla.map((v) => v.metrics[key]);
      if (vanilla.every((x) => finite(x) !== undefined))
        vsVanilla[key] = pairedEffect(
          vanilla,
          vanilla.map(() => b.metrics[key]),
        );
    }
    out[method] = { ...b, vsVanilla };
  }
  return out;
}

/** The vanilla run of a seed, or an error naming the seed that has no partner. */
function bySeed<T extends { seed: number }>(runs: readonly T[], what: string): (seed: number) => T {
  const m = new Map(runs.map((r) => [r.seed, r]));
  return (seed) => {
    const r = m.get(seed);
    if (!r) throw new Error(`pooled ${what}: seed ${seed} has no vanilla partner`);
    return r;
  };
}

/** One report split of several runs' reports joined: their seeds side by side, effects over all of them. */
function poolReports(parts: readonly ReportSplit[]): ReportSplit {
  const vanilla = parts.flatMap((r) => r.arms.vanilla);
  const distilled = parts.flatMap((r) => r.arms.distilled);
  const partner = bySeed(vanilla, 'report');
  const effects: Record<string, PairedEffect> = {};
  for (const m of Object.keys(parts[0].effects))
    effects[m] = pairedEffect(
      distilled.map((d) => partner(d.seed).metrics[m]),
      distilled.map((d) => d.metrics[m]),
    );
  // A baseline's effect against the pooled vanilla seeds is not recomputed here: pooled tables leave baselines out.
  return { arms: { vanilla, distilled }, effects };
}

function poolSteps(parts: readonly StepsFile[]): StepsFile {
  const vanilla = parts.flatMap((s) => s.vanilla);
  const distilled = parts.flatMap((s) => s.distilled);
  const partner = bySeed(vanilla, 'steps file');
  const decisionNll = pairedEffect(
    distilled.map((d) => partner(d.seed).decisionNll),
    distilled.map((d) => d.decisionNll),
  );
  return { vanilla, distilled, effects: { decisionNll } };
}

/**
 * Several arms' reports as one arm over all their seeds (e.g. a study's seeds 1–5 with a
 * confirmation's 6–15). Each part must pair its own vanilla runs seed by seed, and no seed may
 * appear twice; a part missing a report leaves that report out of the pool altogether.
 */
export function poolArmSources(label: string, source: string, parts: readonly ArmSources[]): ArmSources {
  const seen = new Set<number>();
  for (const p of parts)
    for (const s of vanillaSeeds(p) ?? []) {
      if (seen.has(s)) throw new Error(`${label}: seed ${s} is in more than one of the pooled arms`);
      seen.add(s);
    }
  const all = <T>(pick: (a: ArmSources) => T | undefined): T[] | undefined => {
    const xs = parts.map(pick);
    return xs.every((x): x is T => x !== undefined) ? xs : undefined;
  };
  const beam = all((a) => a.beam);
  const bestFirst = all((a) => a.bestFirst);
  const steps = all((a) => a.steps);
  return {
    label,
    source,
    ...(beam ? { beam: poolReports(beam) } : {}),
    ...(bestFirst ? { bestFirst: poolReports(bestFirst) } : {}),
    ...(steps ? { steps: poolSteps(steps) } : {}),
  };
}

/** The seeds behind a row: every report of one arm must pair the same vanilla seeds. */
function vanillaSeeds(a: ArmSources): number[] | null {
  const s = a.bestFirst?.arms.vanilla ?? a.beam?.arms.vanilla ?? a.steps?.vanilla;
  return s ? s.map((x) => x.seed) : null;
}

/**
 * Builds the tables. Vanilla's row and the baselines come from the first arm's reports; every arm of a
 * city must pair the same vanilla seeds (checked), so that one vanilla row stands for all of them.
 */
export function resultsTables(
  cities: readonly CitySources[],
  options: { alpha?: number; registered?: RegisteredCells } = {},
): ResultsTables {
  const alpha = options.alpha ?? POLICY_ALPHA;
  const tables: CityTable[] = [];
  const pending: Array<{ cell: ResultsCell; lowerIsBetter: boolean }> = [];
  const unadjusted: Array<{ cell: ResultsCell; lowerIsBetter: boolean }> = [];
  let family = pending;
  const withEffect = (value: number | null, e: PairedEffect | undefined, lowerIsBetter: boolean): ResultsCell => {
    if (!e || !(e.n >= 2)) return { value };
    const p = pairedP(e);
    const v = policyVerdict(cellComparison({ mean: e.mean, ci95: e.ci95, p }, lowerIsBetter), alpha);
    const cell: ResultsCell = {
      value,
      effect: { mean: e.mean, ci95: e.ci95, n: e.n, p, pHolm: NaN, words: v.words, reading: v.reading, quality: v.quality, verdict: null },
    };
    family.push({ cell, lowerIsBetter });
    return cell;
  };
  for (const c of cities) {
    family = c.exploratory ? unadjusted : pending;
    // Vanilla's row and the baselines come from the first arm scored so far (every arm pairs the same vanilla).
    const scored = c.arms.filter((a) => a.steps || a.bestFirst || a.beam);
    const first = scored[0];
    if (!first) continue;
    const seeds = vanillaSeeds(first);
    for (const a of scored) {
      const s = vanillaSeeds(a);
      if (seeds && s && s.join(',') !== seeds.join(','))
        throw new Error(`${c.city}: ${a.label} pairs vanilla seeds ${s.join(',')}, not ${seeds.join(',')} like ${first.label}`);
    }
    const rows: ResultsRow[] = [];
    // Baselines: deterministic, one value each, against every vanilla seed.
    // A city's baselines report, where it names one, replaces the paired reports' baselines.
    const baselines = { beam: baselinesOf(first.beam, c.baselines), bestFirst: baselinesOf(first.bestFirst, c.baselines) };
    for (const [m, named] of Object.entries(baselines.bestFirst ?? baselines.beam ?? {})) {
      const cells: Record<string, ResultsCell> = {};
      for (const col of RESULTS_COLUMNS) {
        if (col.source === 'steps') continue;
        const b = baselines[col.source]?.[m];
        if (!b) continue;
        cells[col.key] = withEffect(b.metrics[col.metric] ?? null, b.vsVanilla[col.metric], col.lowerIsBetter);
      }
      rows.push({
        label: baselineLabel(m, named),
        kind: 'baseline',
        source: 'no model',
        seeds: 1,
        cells,
        ...(named.description ? { recipe: named.description } : {}),
        ...(named.spread ? { spread: { median: named.spread.median, p90: named.spread.p90 } } : {}),
      });
    }
    const vanillaCells: Record<string, ResultsCell> = {};
    for (const col of RESULTS_COLUMNS) {
      const values =
        col.source === 'steps'
          ? first.steps?.vanilla.map((v) => v.decisionNll)
          : first[col.source]?.arms.vanilla.map((v) => v.metrics[col.metric]);
      if (values) vanillaCells[col.key] = { value: mean(values) };
    }
    rows.push({
      label: c.vanillaLabel ?? VANILLA_LABEL,
      kind: 'vanilla',
      source: 'no teacher',
      seeds: seeds?.length ?? 0,
      cells: vanillaCells,
      ...(c.vanillaRecipe ? { recipe: c.vanillaRecipe } : {}),
    });
    for (const a of scored) {
      const cells: Record<string, ResultsCell> = {};
      for (const col of RESULTS_COLUMNS) {
        if (col.source === 'steps') {
          if (a.steps)
            cells[col.key] = withEffect(mean(a.steps.distilled.map((d) => d.decisionNll)), a.steps.effects[col.metric], col.lowerIsBetter);
          continue;
        }
        const r = a[col.source];
        if (r)
          cells[col.key] = withEffect(mean(r.arms.distilled.map((d) => d.metrics[col.metric])), r.effects[col.metric], col.lowerIsBetter);
      }
      rows.push({
        label: a.label,
        kind: 'arm',
        source: a.source,
        seeds: vanillaSeeds(a)?.length ?? 0,
        cells,
        ...(a.control ? { control: true as const } : {}),
        ...(a.recipe ? { recipe: a.recipe } : {}),
      });
    }
    for (const k of c.contrasts ?? []) {
      if (!c.arms.some((a) => a.label === k.treated) || !c.arms.some((a) => a.label === k.control))
        throw new Error(`${c.city}: contrast ${k.label} names an arm the table lacks`);
      const t = scored.find((a) => a.label === k.treated);
      const b = scored.find((a) => a.label === k.control);
      if (!t || !b) continue; // one side not scored yet
      const cells: Record<string, ResultsCell> = {};
      for (const col of RESULTS_COLUMNS) {
        const bySeed = (a: ArmSources): Map<number, number> | undefined =>
          col.source === 'steps'
            ? a.steps && new Map(a.steps.distilled.map((d) => [d.seed, d.decisionNll]))
            : a[col.source] && new Map(a[col.source]!.arms.distilled.map((d) => [d.seed, d.metrics[col.metric]]));
        const tv = bySeed(t);
        const bv = bySeed(b);
        if (!tv || !bv) continue;
        const seedsBoth = [...tv.keys()].filter((sd) => bv.has(sd)).sort((x, y) => x - y);
        const e = pairedEffect(
          seedsBoth.map((sd) => bv.get(sd)!),
          seedsBoth.map((sd) => tv.get(sd)!),
        );
        cells[col.key] = withEffect(e.mean, e, col.lowerIsBetter);
      }
      rows.push({ label: k.label, kind: 'contrast', source: `${k.treated} − ${k.control}, same seeds`, seeds: 0, cells });
    }
    const vsBestBaseline = bestBaselineAnswer(first, baselines.bestFirst, scored, alpha, c.vanillaLabel ?? VANILLA_LABEL);
    tables.push({
      city: c.city,
      split: c.split,
      rows,
      ...(vsBestBaseline ? { vsBestBaseline } : {}),
      ...(c.note ? { note: c.note } : {}),
      ...(c.exploratory ? { exploratory: true } : {}),
      ...(c.readme ? { readme: c.readme } : {}),
    });
  }
  // The registration's family: every comparison outside exploratory tables. Its p decides no words.
  const adjusted = holmAdjust(pending.map((x) => x.cell.effect!.p));
  pending.forEach(({ cell }, i) => (cell.effect!.pHolm = adjusted[i]));
  const reg = options.registered;
  if (reg) confirm(tables, reg, alpha);
  return {
    schema: 'trajdistill-results/2',
    alpha,
    policy: `Confirmatory verdicts (helps, hurts, no detectable effect) only for the registered endpoints, from Holm within them (α ${alpha}); every other comparison is exploratory, its words read from its own 95 % interval, raw p beside (${POLICY_DOC}).`,
    adjustment:
      "paired t-test over training seeds; Holm within the registered endpoints for their verdicts; the registration's Holm over every comparison of the non-exploratory tables (all cities together) reported for the registered reading",
    columns: RESULTS_COLUMNS,
    comparisons: pending.length,
    ...(reg ? { registeredCells: reg } : {}),
    cities: tables,
  };
}

/** A cell's difference as the statistics policy reads it: the one input both `eval results-table` and the app hand to `policyVerdict`. */
export function cellComparison(e: Pick<CellEffect, 'mean' | 'ci95' | 'p' | 'confirmatory'>, lowerIsBetter: boolean): Comparison {
  return { mean: e.mean, ci95: e.ci95, p: e.p, lowerIsBetter, ...(e.confirmatory ? { confirmatory: e.confirmatory } : {}) };
}

/** A run's or baseline's spread: its `spread` block (paired and baselines reports), else metrics odDtwPerKmMedian/P90. */
const spreadOf = (xs: ReadonlyArray<{ metrics: Record<string, number>; spread?: DtwSpread }>): DtwSpread => {
  const med = xs.map((x) => finite(x.spread?.median) ?? finite(x.metrics.odDtwPerKmMedian));
  const p90 = xs.map((x) => finite(x.spread?.p90) ?? finite(x.metrics.odDtwPerKmP90));
  const avg = (xs: Array<number | undefined>) => (xs.length && xs.every((x) => x !== undefined) ? mean(xs as number[])! : undefined);
  const out: DtwSpread = {};
  const a = avg(med);
  const b = avg(p90);
  if (a !== undefined) out.median = a;
  if (b !== undefined) out.p90 = b;
  return out;
};

/**
 * The vanilla runs of a table from the arm whose report knows most about them: every arm pairs the
 * same vanilla seeds (checked), but an older report lacks the per-OD values and spread a newer one has.
 */
function richest(scored: readonly ArmSources[], search: 'bestFirst' | 'beam'): ReportRun[] | undefined {
  const runs = scored.flatMap((a) => (a[search] ? [a[search]!.arms.vanilla] : []));
  const score = (rs: readonly ReportRun[]) => (rs.every((r) => r.odDtwPerKm) ? 2 : 0) + (rs.every((r) => r.spread) ? 1 : 0);
  return runs.reduce<ReportRun[] | undefined>((best, rs) => (best === undefined || score(rs) > score(best) ? rs : best), undefined);
}

function bestBaselineAnswer(
  first: ArmSources,
  baselines: Record<string, BaselineScores> | undefined,
  scored: readonly ArmSources[],
  alpha: number,
  vanillaLabel: string,
): BaselineAnswer | undefined {
  const report = first.bestFirst;
  const entries = Object.entries(baselines ?? {}).filter(([, b]) => finite(b.metrics.odDtwPerKm) !== undefined);
  if (!report || entries.length === 0) return undefined;
  const [method, best] = entries.reduce((a, b) => (b[1].metrics.odDtwPerKm < a[1].metrics.odDtwPerKm ? b : a));
  const value = best.metrics.odDtwPerKm;
  const baseOd = best.odDtwPerKm;
  // Per OD pair against the baseline: only where every run has its per-OD values in the baseline's OD order.
  const shareOf = (runs: readonly ReportRun[]): OdShare | undefined => {
    if (!baseOd || runs.length === 0 || !runs.every((r) => r.odDtwPerKm?.length === baseOd.length)) return undefined;
    const row = (xs: ReadonlyArray<number | null>) => xs.map((x) => x ?? NaN);
    const w = winTieLoss(
      runs.map((r) => row(r.odDtwPerKm!)),
      runs.map(() => row(baseOd)),
      { resamples: 2000, seed: 31_337 },
    );
    return { win: w.win, tie: w.tie, loss: w.loss, share: w.share, ci95: w.ci95, p: w.p };
  };
  const against = (label: string, kind: 'vanilla' | 'arm', runs: readonly ReportRun[], beamRuns: readonly ReportRun[] | undefined) => {
    const xs = runs.map((r) => r.metrics.odDtwPerKm);
    const e = pairedEffect(
      xs.map(() => value),
      xs,
    );
    const p = pairedP(e);
    const v = policyVerdict(cellComparison({ mean: e.mean, ci95: e.ci95, p }, true), alpha);
    const effect: CellEffect = {
      mean: e.mean,
      ci95: e.ci95,
      n: e.n,
      p,
      pHolm: NaN,
      words: v.words,
      reading: v.reading,
      quality: v.quality,
      verdict: null,
    };
    const share = shareOf(runs);
    const beamValue = beamRuns?.length ? mean(beamRuns.map((r) => r.metrics.odDtwPerKm)) : null;
    return {
      label,
      kind,
      value: mean(xs)!,
      spread: spreadOf(runs),
      effect,
      ...(share ? { share } : {}),
      ...(beamValue !== null && Number.isFinite(beamValue) ? { beam: { value: beamValue, spread: spreadOf(beamRuns!) } } : {}),
    };
  };
  const od = best.odVsVanilla?.odDtwPerKm as { wins?: unknown; ties?: unknown; losses?: unknown } | undefined;
  const [w, t, l] = [finite(od?.wins), finite(od?.ties), finite(od?.losses)];
  // The report counts baseline − vanilla per OD: the baseline's losses are vanilla's wins.
  const perOd = w !== undefined && t !== undefined && l !== undefined ? { wins: l, ties: t, losses: w } : undefined;
  const models = [
    {
      ...against(vanillaLabel, 'vanilla', richest(scored, 'bestFirst') ?? report.arms.vanilla, richest(scored, 'beam')),
      ...(perOd ? { perOd } : {}),
    },
    ...scored.flatMap((a) => (a.bestFirst ? [against(a.label, 'arm', a.bestFirst.arms.distilled, a.beam?.arms.distilled)] : [])),
  ];
  return { baseline: baselineLabel(method, best), value, spread: spreadOf([best]), models };
}

/** The registered endpoints' cells become confirmatory: Holm within them decides their verdicts. */
function confirm(tables: readonly CityTable[], reg: RegisteredCells, alpha: number): void {
  const row = tables.find((t) => t.city === reg.table)?.rows.find((r) => r.label === reg.arm);
  if (!row) return; // not scored yet: the tables are all exploratory
  const cells = reg.endpoints.map((key) => {
    const col = RESULTS_COLUMNS.find((c) => c.key === key);
    if (!col) throw new Error(`registered endpoint ${key} is not a results column`);
    const e = row.cells[key]?.effect;
    if (!e) throw new Error(`registered endpoint ${key} of ${reg.arm} is not measured yet`);
    return { e, col };
  });
  const within = holmAdjust(cells.map((c) => c.e.p));
  cells.forEach(({ e, col }, i) => {
    e.confirmatory = { pHolm: within[i], family: cells.length };
    const v = policyVerdict(cellComparison(e, col.lowerIsBetter), alpha);
    Object.assign(e, { words: v.words, reading: v.reading, quality: v.quality, verdict: v.verdict });
  });
}

/** A table cell's value, or '–' where there is none. */
export const formatValue = (x: number | null | undefined, digits: number): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

/** How the Markdown tables mark a difference, in a sentence (printed above them). */
export const MARKDOWN_MARKS =
  'Differences from vanilla with 95 % intervals over training seeds. ▲ ▼: a registered endpoint that helps or hurts (Holm within the registered endpoints); △ ▽: exploratory, its own interval excludes 0 on the better or worse side (docs/experiments/statistics-policy.md). A control is marked "a control".';

/**
 * A city's table as Markdown: vanilla's row gives values; every other row its value and, beneath it,
 * its difference from vanilla with the 95 % interval, marked by the statistics policy (MARKDOWN_MARKS;
 * a baseline's row too: ▽ means the baseline is worse than the vanilla student).
 */
export function resultsMarkdown(t: ResultsTables, city: string): string {
  const table = t.cities.find((c) => c.city === city);
  if (!table) throw new Error(`no table for ${city}`);
  const head = `| ${table.split} | seeds | ${t.columns.map((c) => c.label).join(' | ')} |`;
  const rule = `|---|---|${t.columns.map(() => '---').join('|')}|`;
  const lines = table.rows.map((r) => {
    const cells = t.columns.map((col) => {
      const c = r.cells[col.key];
      if (!c) return '–';
      const v = formatValue(c.value, col.digits);
      if (!c.effect) return r.kind === 'vanilla' ? `**${v}**` : v;
      const e = c.effect;
      const mark = e.verdict
        ? e.verdict === 'helps'
          ? ' ▲'
          : e.verdict === 'hurts'
            ? ' ▼'
            : ''
        : e.quality === 'better'
          ? ' △'
          : e.quality === 'worse'
            ? ' ▽'
            : '';
      const diff = intervalText(e.mean, e.ci95, digitsKeepingSide(e.ci95, col.digits));
      if (r.kind === 'contrast') return `${diff}${mark}`;
      return `${v}<br>${diff}${mark}`;
    });
    const seeds = r.kind === 'baseline' ? '–' : r.kind === 'contrast' ? String(Object.values(r.cells)[0]?.effect?.n ?? '') : r.seeds;
    const source = r.kind === 'arm' || r.kind === 'contrast' ? ` (${r.control ? 'a control: ' : ''}${r.source})` : '';
    return `| ${r.label}${source} | ${seeds} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...lines].join('\n');
}

/** The ship rule's reading of one arm on val (docs/experiments/registration.md, "Ship rule"). */
export interface ShipCandidate {
  label: string;
  source: string;
  /** distilled − vanilla on val, mean and 95 % interval. */
  decisionNll: { mean: number; ci95: [number, number] } | null;
  dtwPerKm: { mean: number; ci95: [number, number] } | null;
  qualifies: boolean;
  why: string;
  /** A control: read like any arm, never chosen. */
  control?: true;
}

/** A shipped model: its row's label and its recipe in plain words. */
export interface ShippedModel {
  label: string;
  recipe: string | null;
  /** The table its row is in, where that is not the shipping table (a vanilla-slot recipe read in its own table). */
  table?: string;
}

export interface ShipDecision {
  city: string;
  rule: string;
  candidates: ShipCandidate[];
  /** The arm that ships beside vanilla, or null: vanilla ships alone. */
  chosen: string | null;
  /** The vanilla slot: the table's no-teacher partner (plain vanilla, or the recipe the table names). */
  vanilla: ShippedModel;
  /** The distilled slot: the chosen arm and its recipe; null when vanilla ships alone. */
  distilled: ShippedModel | null;
  sentence: string;
  /**
   * The other no-teacher recipes read for the vanilla slot against the table's plain vanilla (same
   * runs, same seeds), each with why it does or does not hold it; absent where none was named.
   */
  vanillaCandidates?: ShipCandidate[];
}

/** A no-teacher recipe's val row, from the table it is read in, for the vanilla slot (amendment 2). */
export interface VanillaSlotRow {
  table: string;
  row: ResultsRow;
}

export const SHIP_RULE =
  "Controls never ship. The vanilla slot is the recipe with the lowest val decision NLL among those that use no output of the teacher (no KL, no target from it) and are not controls; its route score on val must not be worse than plain vanilla's. The distilled slot: the same recipe with the teacher's KL, same seeds, ships beside it only if, on val, neither decision NLL nor DTW per km (best-first) is worse than its partner (the 95 % interval of the paired difference not wholly above 0) and at least one is better (wholly below 0); among those, the lowest val decision NLL ships. None: vanilla ships alone.";

export const CONTROL_WHY = 'a control, not a recipe';

/** A row's val reading for the ship rule: its differences from the table's vanilla, and whether it is a control. */
function candidateBase(r: ResultsRow): Omit<ShipCandidate, 'qualifies' | 'why'> {
  const pick = (key: string) => {
    const e = r.cells[key]?.effect;
    return e ? { mean: e.mean, ci95: e.ci95 } : null;
  };
  return {
    label: r.label,
    source: r.source,
    decisionNll: pick('decisionNll'),
    dtwPerKm: pick('dtwPerKmBest'),
    ...(r.control ? { control: true as const } : {}),
  };
}

/**
 * The vanilla slot among plain vanilla and other no-teacher recipes, each read against the same plain
 * vanilla runs (amendment 2): the lowest mean val decision NLL, provided its val DTW per km (best-first)
 * is not higher than plain vanilla's. Means, not intervals, as registered. null: plain vanilla keeps it.
 */
function vanillaSlot(others: readonly VanillaSlotRow[]): { holder: VanillaSlotRow | null; candidates: ShipCandidate[] } {
  const read = others.map((o) => {
    const base = candidateBase(o.row);
    const { decisionNll: nll, dtwPerKm: dtw } = base;
    if (o.row.control) return { o, base, ok: false, why: CONTROL_WHY };
    if (!nll || !dtw) return { o, base, ok: false, why: 'not scored on val' };
    if (nll.mean >= 0) return { o, base, ok: false, why: 'val decision NLL not below plain vanilla’s' };
    if (dtw.mean > 0) return { o, base, ok: false, why: 'val DTW per km higher than plain vanilla’s' };
    return { o, base, ok: true, why: '' };
  });
  const best = read.filter((x) => x.ok).sort((a, b) => a.base.decisionNll!.mean - b.base.decisionNll!.mean)[0];
  const candidates = read.map((x) => ({
    ...x.base,
    qualifies: x === best,
    why:
      x === best
        ? 'holds the vanilla slot: the lowest val decision NLL without the teacher, DTW per km not higher than plain vanilla’s'
        : x.ok
          ? `a higher val decision NLL than ${best.o.row.label}`
          : x.why,
  }));
  return { holder: best?.o ?? null, candidates };
}

/**
 * The ship rule over a city's val table: which recipe holds the vanilla slot (the table's own vanilla,
 * or one of `slotRows`, no-teacher recipes read against the same plain vanilla in their own tables), and
 * which distilled recipe, if any, ships beside it.
 */
export function shipDecision(valTable: CityTable, slotRows: readonly VanillaSlotRow[] = []): ShipDecision {
  const vanillaRow = valTable.rows.find((r) => r.kind === 'vanilla');
  if (slotRows.length && vanillaRow && vanillaRow.label !== VANILLA_LABEL)
    throw new Error(
      `${valTable.city}: vanilla-slot candidates are read against plain vanilla, but the table's partner is ${vanillaRow.label}`,
    );
  const slot = slotRows.length ? vanillaSlot(slotRows) : null;
  const holder = slot?.holder ?? null;
  const partner = holder?.row.label ?? vanillaRow?.label ?? VANILLA_LABEL;
  const partnerWord = partner === VANILLA_LABEL ? 'vanilla' : partner;
  const candidates: ShipCandidate[] = valTable.rows
    .filter((r) => r.kind === 'arm')
    .map((r) => {
      const base = candidateBase(r);
      const { decisionNll: nll, dtwPerKm: dtw } = base;
      // A control answers what the teacher adds; it is read, never chosen.
      if (r.control) return { ...base, qualifies: false, why: CONTROL_WHY };
      // The table's arms are plain vanilla's KL twins: none is the slot holder's recipe with the KL.
      if (holder) return { ...base, qualifies: false, why: `the KL on plain vanilla, not on ${holder.row.label}` };
      if (!nll || !dtw) return { ...base, qualifies: false, why: 'not scored on val' };
      const worse = [nll, dtw].some((e) => e.ci95[0] > 0);
      const better = [nll, dtw].some((e) => e.ci95[1] < 0);
      const why = worse
        ? `worse than ${partnerWord} on val`
        : better
          ? 'better on val, worse on nothing'
          : `no better than ${partnerWord} on val`;
      return { ...base, qualifies: !worse && better, why };
    });
  const ok = candidates.filter((c) => c.qualifies).sort((a, b) => a.decisionNll!.mean - b.decisionNll!.mean);
  const chosen = ok[0]?.label ?? null;
  const recipeOf = (label: string): string | null => valTable.rows.find((r) => r.label === label)?.recipe ?? null;
  return {
    city: valTable.city,
    rule: SHIP_RULE,
    candidates,
    chosen,
    vanilla: holder
      ? { label: holder.row.label, recipe: holder.row.recipe ?? null, table: holder.table }
      : { label: partner, recipe: vanillaRow?.recipe ?? null },
    distilled: chosen ? { label: chosen, recipe: recipeOf(chosen) } : null,
    sentence: chosen
      ? partner === VANILLA_LABEL
        ? `${chosen} ships beside the vanilla student: it beat vanilla on val and was worse on nothing.`
        : `${chosen} ships beside ${partner}: it beat that no-teacher partner on val and was worse on nothing.`
      : `no distilled recipe beat ${partnerWord} on val`,
    ...(slot ? { vanillaCandidates: slot.candidates } : {}),
  };
}

/** What `eval results-table` writes: the tables, and on val each city's ship decision. */
export interface ResultsFile extends ResultsTables {
  split: string;
  command?: string;
  ship?: ShipDecision[];
  /** The registrations against the best baseline (test only): 2 (the route features) and 3 (the final recipe), each beside its row. */
  registeredRoutes?: RegisteredRoutesEntry[];
}

/** A results file as fetched: checked enough that the view can draw it, or an error saying what is wrong. */
export function parseResultsFile(value: unknown): ResultsFile {
  const v = value as Partial<ResultsFile> | null;
  if (!v || typeof v !== 'object' || v.schema !== 'trajdistill-results/2')
    throw new Error('not a results file (schema trajdistill-results/2)');
  if (!Array.isArray(v.cities) || !Array.isArray(v.columns)) throw new Error('a results file needs cities and columns');
  for (const c of v.cities)
    if (!c || typeof c.city !== 'string' || !Array.isArray(c.rows)) throw new Error('a results table needs a city and rows');
  // A file written before registration 3 carries one entry, not a list.
  const entries =
    v.registeredRoutes === undefined ? undefined : [v.registeredRoutes as RegisteredRoutesEntry | RegisteredRoutesEntry[]].flat();
  for (const e of entries ?? []) parseRegisteredRoutesReading(e?.reading);
  return { ...(v as ResultsFile), ...(entries ? { registeredRoutes: entries } : {}) };
}
