// The results table that opens the README and the Compare view: per city, the route baselines, the
// vanilla students and every distilled arm or control, on the primary route metric (DTW per km of
// the real trip) under both searches, EDR, reached under beam 4, and teacher-forced decision NLL.
// Every comparison with vanilla is a paired effect over training seeds (a baseline's one value
// against each vanilla seed), tested with a paired t-test; the verdicts use Holm-adjusted p over
// every comparison in the table, all cities together (docs/experiments/registration.md).
import { pairedP, holmAdjust } from './multiplicity';
import { pairedEffect, type EffectVerdict, type PairedEffect } from './paired';

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

/** The parts of `eval paired-report` output read here (one split). */
export interface ReportSplit {
  arms: {
    vanilla: Array<{ seed: number; metrics: Record<string, number> }>;
    distilled: Array<{ seed: number; metrics: Record<string, number> }>;
  };
  effects: Record<string, PairedEffect>;
  baselines?: Record<string, { metrics: Record<string, number>; vsVanilla: Record<string, PairedEffect> }>;
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
   * false: not a distilled recipe (vanilla on other data, say): tabled and tested like any arm, but
   * the ship rule, which picks a distilled student to ship beside vanilla, does not choose it.
   */
  distilled?: false;
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
}

export interface ResultsCell {
  /** The row's own value: a baseline's, or the mean over seeds of the arm's (vanilla's for its row). */
  value: number | null;
  /** Against vanilla: treated − vanilla over seeds (absent on vanilla's row and where not measured). */
  effect?: { mean: number; ci95: [number, number]; n: number; p: number; pHolm: number; verdict: EffectVerdict };
}

export interface ResultsRow {
  label: string;
  kind: 'baseline' | 'vanilla' | 'arm' | 'contrast';
  source: string;
  seeds: number;
  cells: Record<string, ResultsCell>;
  /** An arm that is not a distilled recipe (ArmSources.distilled). */
  distilled?: false;
}

export interface CityTable {
  city: string;
  split: string;
  rows: ResultsRow[];
  note?: string;
  /** Tested without the Holm adjustment, outside the family (CitySources.exploratory). */
  exploratory?: boolean;
}

export interface ResultsTables {
  schema: 'trajdistill-results/1';
  alpha: number;
  adjustment: string;
  columns: readonly ResultsColumn[];
  /** How many comparisons the Holm adjustment ran over. */
  comparisons: number;
  cities: CityTable[];
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

const BASELINE_LABELS: Record<string, string> = {
  shortest: 'shortest path (length)',
  fastest: 'fastest path (free-flow time)',
  markov: 'Markov chain (train transitions)',
};

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
export function resultsTables(cities: readonly CitySources[], alpha = 0.05): ResultsTables {
  const tables: CityTable[] = [];
  const pending: Array<{ cell: ResultsCell; lowerIsBetter: boolean }> = [];
  const unadjusted: Array<{ cell: ResultsCell; lowerIsBetter: boolean }> = [];
  let family = pending;
  const withEffect = (value: number | null, e: PairedEffect | undefined, lowerIsBetter: boolean): ResultsCell => {
    if (!e || !(e.n >= 2)) return { value };
    const cell: ResultsCell = {
      value,
      effect: { mean: e.mean, ci95: e.ci95, n: e.n, p: pairedP(e), pHolm: NaN, verdict: 'no detectable effect' },
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
    const methods = Object.keys(first.bestFirst?.baselines ?? first.beam?.baselines ?? {});
    for (const m of methods) {
      const cells: Record<string, ResultsCell> = {};
      for (const col of RESULTS_COLUMNS) {
        if (col.source === 'steps') continue;
        const b = first[col.source]?.baselines?.[m];
        if (!b) continue;
        cells[col.key] = withEffect(b.metrics[col.metric] ?? null, b.vsVanilla[col.metric], col.lowerIsBetter);
      }
      rows.push({ label: BASELINE_LABELS[m] ?? m, kind: 'baseline', source: 'no model', seeds: 1, cells });
    }
    const vanillaCells: Record<string, ResultsCell> = {};
    for (const col of RESULTS_COLUMNS) {
      const values =
        col.source === 'steps'
          ? first.steps?.vanilla.map((v) => v.decisionNll)
          : first[col.source]?.arms.vanilla.map((v) => v.metrics[col.metric]);
      if (values) vanillaCells[col.key] = { value: mean(values) };
    }
    rows.push({ label: 'vanilla student', kind: 'vanilla', source: 'no teacher', seeds: seeds?.length ?? 0, cells: vanillaCells });
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
        ...(a.distilled === false ? { distilled: false as const } : {}),
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
    tables.push({
      city: c.city,
      split: c.split,
      rows,
      ...(c.note ? { note: c.note } : {}),
      ...(c.exploratory ? { exploratory: true } : {}),
    });
  }
  const decide = (cell: ResultsCell, lowerIsBetter: boolean, p: number) => {
    const e = cell.effect!;
    const better = lowerIsBetter ? e.mean < 0 : e.mean > 0;
    e.verdict = p < alpha ? (better ? 'helps' : 'hurts') : 'no detectable effect';
  };
  const adjusted = holmAdjust(pending.map((x) => x.cell.effect!.p));
  pending.forEach(({ cell, lowerIsBetter }, i) => {
    cell.effect!.pHolm = adjusted[i];
    decide(cell, lowerIsBetter, adjusted[i]);
  });
  // Outside the family: pHolm stays NaN and the verdict reads the raw p.
  for (const { cell, lowerIsBetter } of unadjusted) decide(cell, lowerIsBetter, cell.effect!.p);
  return {
    schema: 'trajdistill-results/1',
    alpha,
    adjustment: 'Holm over every comparison with vanilla in these tables (all cities together); paired t-test over training seeds',
    columns: RESULTS_COLUMNS,
    comparisons: pending.length,
    cities: tables,
  };
}

const fmt = (x: number | null | undefined, digits: number): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/**
 * A city's table as Markdown: vanilla's row gives values; every other row its value and, beneath it,
 * its difference from vanilla with the 95 % interval, marked with the Holm verdict: ▲ better than
 * vanilla, ▼ worse (a baseline's row too: ▼ means the baseline is worse than the vanilla student).
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
      const v = fmt(c.value, col.digits);
      if (!c.effect) return r.kind === 'vanilla' ? `**${v}**` : v;
      const e = c.effect;
      // Outside the Holm family an unadjusted p < α is marked △ / ▽, never ▲ / ▼.
      const [up, down] = table.exploratory ? [' △', ' ▽'] : [' ▲', ' ▼'];
      const mark = e.verdict === 'helps' ? up : e.verdict === 'hurts' ? down : '';
      if (r.kind === 'contrast')
        return `${signed(e.mean, col.digits)} [${signed(e.ci95[0], col.digits)}, ${signed(e.ci95[1], col.digits)}]${mark}`;
      return `${v}<br>${signed(e.mean, col.digits)} [${signed(e.ci95[0], col.digits)}, ${signed(e.ci95[1], col.digits)}]${mark}`;
    });
    const seeds = r.kind === 'baseline' ? '–' : r.kind === 'contrast' ? String(Object.values(r.cells)[0]?.effect?.n ?? '') : r.seeds;
    return `| ${r.label}${r.kind === 'arm' || r.kind === 'contrast' ? ` (${r.source})` : ''} | ${seeds} | ${cells.join(' | ')} |`;
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
}

export interface ShipDecision {
  city: string;
  rule: string;
  candidates: ShipCandidate[];
  /** The arm that ships with its vanilla partner, or null: vanilla ships alone. */
  chosen: string | null;
  sentence: string;
}

export const SHIP_RULE =
  'On val, neither decision NLL nor DTW per km (best-first) worse than vanilla (the 95 % interval of the paired difference not wholly above 0), and at least one better (wholly below 0); among those, the lowest val decision NLL ships. None: vanilla ships alone.';

/** The ship rule over a city's val table: which distilled recipe, if any, may ship. */
export function shipDecision(valTable: CityTable): ShipDecision {
  const candidates: ShipCandidate[] = valTable.rows
    .filter((r) => r.kind === 'arm')
    .map((r) => {
      const pick = (key: string) => {
        const e = r.cells[key]?.effect;
        return e ? { mean: e.mean, ci95: e.ci95 } : null;
      };
      const nll = pick('decisionNll');
      const dtw = pick('dtwPerKmBest');
      if (!nll || !dtw)
        return { label: r.label, source: r.source, decisionNll: nll, dtwPerKm: dtw, qualifies: false, why: 'not scored on val' };
      const worse = [nll, dtw].some((e) => e.ci95[0] > 0);
      const better = [nll, dtw].some((e) => e.ci95[1] < 0);
      const reading = worse ? 'worse than vanilla on val' : better ? 'better on val, worse on nothing' : 'no better than vanilla on val';
      // The rule picks a distilled student to ship beside vanilla: another kind of arm is read, never chosen.
      const eligible = r.distilled !== false;
      const why = eligible ? reading : `${reading}; not a distilled recipe, so the rule does not choose it`;
      return { label: r.label, source: r.source, decisionNll: nll, dtwPerKm: dtw, qualifies: eligible && !worse && better, why };
    });
  const ok = candidates.filter((c) => c.qualifies).sort((a, b) => a.decisionNll!.mean - b.decisionNll!.mean);
  const chosen = ok[0]?.label ?? null;
  return {
    city: valTable.city,
    rule: SHIP_RULE,
    candidates,
    chosen,
    sentence: chosen
      ? `${chosen} ships with its vanilla partner: it beat vanilla on val and was worse on nothing.`
      : 'no distilled recipe beat vanilla on val',
  };
}

/** What `eval results-table` writes: the tables, and on val each city's ship decision. */
export interface ResultsFile extends ResultsTables {
  split: string;
  command?: string;
  ship?: ShipDecision[];
}

/** A results file as fetched: checked enough that the view can draw it, or an error saying what is wrong. */
export function parseResultsFile(value: unknown): ResultsFile {
  const v = value as Partial<ResultsFile> | null;
  if (!v || typeof v !== 'object' || v.schema !== 'trajdistill-results/1')
    throw new Error('not a results file (schema trajdistill-results/1)');
  if (!Array.isArray(v.cities) || !Array.isArray(v.columns)) throw new Error('a results file needs cities and columns');
  for (const c of v.cities)
    if (!c || typeof c.city !== 'string' || !Array.isArray(c.rows)) throw new Error('a results table needs a city and rows');
  return v as ResultsFile;
}
