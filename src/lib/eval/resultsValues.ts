// The README's results tables: one per city, values only (no differences), merged from the results
// tables that name it (CitySources.readme), e.g. Porto's first students, the route features against
// their routes control, and their teacher twins against the route features. Each row is a baseline
// or a model (mean over its training seeds); the columns are the ones issue 49 asks for: mean, median
// and p90 of per-OD DTW per km under best-first and beam 4, EDR, reached, decision NLL, and the
// per-OD win − loss share against the table's best baseline with its OD bootstrap interval. A row
// that two tables share (a model that is one table's arm and the next one's partner) is printed once.
import { digitsKeepingSide, intervalText } from './statsPolicy';
import { finite } from '../stats';
import { formatValue, type BaselineAnswer, type CityTable, type DtwSpread, type OdShare } from './resultsTable';

interface ValueRow {
  /** The results table's row label: the key that merges one model's rows across tables. */
  key: string;
  label: string;
  seeds: number | null;
  best: { mean: number | null; spread: DtwSpread };
  /** null: a baseline, whose route is the same under either search. */
  beam: { mean: number | null; spread: DtwSpread } | null;
  edr: number | null;
  reached: number | null;
  nll: number | null;
  share: OdShare | null;
}

const value = (x: number | null | undefined): number | null => finite(x) ?? null;

/** The rows of one results table, in its order (contrasts are differences, not models: left out). */
function rowsOf(t: CityTable): ValueRow[] {
  const models = new Map<string, BaselineAnswer['models'][number]>((t.vsBestBaseline?.models ?? []).map((m) => [m.label, m]));
  return t.rows
    .filter((r) => r.kind !== 'contrast')
    .map((r): ValueRow => {
      const m = models.get(r.label);
      const cell = (key: string) => value(r.cells[key]?.value);
      const baseline = r.kind === 'baseline';
      return {
        key: r.label,
        label: r.control ? `${r.label} (a control)` : r.label,
        seeds: baseline ? null : r.seeds,
        best: { mean: cell('dtwPerKmBest'), spread: baseline ? (r.spread ?? {}) : (m?.spread ?? {}) },
        beam: baseline ? null : { mean: cell('dtwPerKmBeam'), spread: m?.beam?.spread ?? {} },
        edr: cell('edrBest'),
        reached: cell('reachedBeam'),
        nll: cell('decisionNll'),
        share: m?.share ?? null,
      };
    });
}

const fillSpread = (a: DtwSpread, b: DtwSpread): DtwSpread => ({ ...b, ...a });

/**
 * One model seen in two tables (a table's arm, the next table's partner): the first place and label
 * (a control stays called a control), each value from the first table that has it (an older report
 * may lack the spread or the per-OD values a newer one carries).
 */
function merge(a: ValueRow, b: ValueRow): ValueRow {
  return {
    ...a,
    seeds: a.seeds ?? b.seeds,
    best: { mean: a.best.mean ?? b.best.mean, spread: fillSpread(a.best.spread, b.best.spread) },
    beam: a.beam && b.beam ? { mean: a.beam.mean ?? b.beam.mean, spread: fillSpread(a.beam.spread, b.beam.spread) } : (a.beam ?? b.beam),
    edr: a.edr ?? b.edr,
    reached: a.reached ?? b.reached,
    nll: a.nll ?? b.nll,
    share: a.share ?? b.share,
  };
}

/** The tables that feed one README table, in the results file's order, each model once (merge). */
export function valueRows(tables: readonly CityTable[], readme: string): { rows: ValueRow[]; baseline: string | null } {
  const at = new Map<string, number>();
  const rows: ValueRow[] = [];
  let baseline: string | null = null;
  for (const t of tables.filter((x) => x.readme === readme)) {
    baseline ??= t.vsBestBaseline?.baseline ?? null;
    if (t.vsBestBaseline && t.vsBestBaseline.baseline !== baseline)
      throw new Error(`${t.city}: its best baseline is ${t.vsBestBaseline.baseline}, not ${baseline} like the tables before it`);
    for (const r of rowsOf(t)) {
      const i = at.get(r.key);
      if (i === undefined) {
        at.set(r.key, rows.length);
        rows.push(r);
      } else rows[i] = merge(rows[i], r);
    }
  }
  return { rows, baseline };
}

/**
 * One README table as Markdown. The best value of each column is bold (lowest, but highest for
 * reached and the share); a baseline's beam cells read "=" (one route, whatever the search).
 */
export function valuesMarkdown(tables: readonly CityTable[], readme: string, split: string): string {
  const { rows, baseline } = valueRows(tables, readme);
  if (rows.length === 0) throw new Error(`no results table feeds the README's ${readme} table`);
  type Col = { head: string; get: (r: ValueRow) => number | null; digits: number; higher?: true; same?: true };
  const cols: Col[] = [
    { head: 'mean', get: (r) => r.best.mean, digits: 3 },
    { head: 'median', get: (r) => value(r.best.spread.median), digits: 3 },
    { head: 'p90', get: (r) => value(r.best.spread.p90), digits: 3 },
    { head: 'beam 4', get: (r) => (r.beam ? r.beam.mean : r.best.mean), digits: 3, same: true },
    { head: 'beam 4 median', get: (r) => (r.beam ? value(r.beam.spread.median) : value(r.best.spread.median)), digits: 3, same: true },
    { head: 'beam 4 p90', get: (r) => (r.beam ? value(r.beam.spread.p90) : value(r.best.spread.p90)), digits: 3, same: true },
    { head: 'EDR', get: (r) => r.edr, digits: 3 },
    { head: 'reached, beam 4', get: (r) => r.reached, digits: 3, higher: true },
    { head: 'decision NLL', get: (r) => r.nll, digits: 4 },
  ];
  // Best as printed: two values that print alike are both bold.
  const bestOf = (get: (r: ValueRow) => number | null, higher: boolean, digits: number): string | null => {
    const xs = rows.map(get).filter((x): x is number => x !== null);
    return xs.length ? formatValue(higher ? Math.max(...xs) : Math.min(...xs), digits) : null;
  };
  const bests = cols.map((c) => bestOf(c.get, c.higher === true, c.digits));
  const bestShare = bestOf((r) => r.share?.share ?? null, true, 3);
  const shareHead = `share vs ${baseline ?? 'best baseline'}`;
  const head = `| ${split} | seeds | ${cols.map((c) => c.head).join(' | ')} | ${shareHead} |`;
  const rule = `| ${['---', '---', ...cols.map(() => '---'), '---'].join(' | ')} |`;
  const lines = rows.map((r) => {
    const cells = cols.map((c, i) => {
      if (c.same && r.beam === null) return '=';
      const text = formatValue(c.get(r), c.digits);
      return text !== '–' && text === bests[i] ? `**${text}**` : text;
    });
    const s = r.share;
    const share = s ? intervalText(s.share, s.ci95, digitsKeepingSide(s.ci95, 3)) : '–';
    const shareCell = s && formatValue(s.share, 3) === bestShare ? `**${share}**` : share;
    return `| ${r.label} | ${r.seeds ?? '–'} | ${cells.join(' | ')} | ${shareCell} |`;
  });
  return [head, rule, ...lines].join('\n');
}
