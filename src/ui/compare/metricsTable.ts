// Rows of the comparison table: per metric and OD split, vanilla against distilled, and which of
// the two is better (the pair that shares a split is what the reviewer compares).
import type { Better, MetricInfo } from './metricInfo';
import { METRICS } from './metricInfo';
import type { EvalReportFile, MetricValue, ModelName, OdSplit } from './reportTypes';
import { MODELS, OD_SPLITS } from './reportTypes';

export interface PairVerdict {
  /** null when either side is missing or both are equal. */
  winner: ModelName | null;
  /** false when the means differ by less than the larger std (a difference seeds could explain). */
  clear: boolean;
}

export interface TableRow {
  info: MetricInfo;
  cells: Record<OdSplit, Record<ModelName, MetricValue | null>>;
  verdict: Record<OdSplit, PairVerdict>;
}

export function compareValues(a: MetricValue | null, b: MetricValue | null, better: Better): PairVerdict {
  if (!a || !b || a.mean === b.mean) return { winner: null, clear: false };
  const aWins = better === 'lower' ? a.mean < b.mean : a.mean > b.mean;
  const spread = Math.max(a.std ?? 0, b.std ?? 0);
  return { winner: aWins ? 'vanilla' : 'distilled', clear: Math.abs(a.mean - b.mean) > spread };
}

/** Cells a view computed itself (e.g. DTW per km from the route sample), per metric key. */
export type ExtraCells = Partial<Record<string, Record<OdSplit, Record<ModelName, MetricValue | null>>>>;

/**
 * Rows for every known metric that at least one cell of the report (or of `extra`, where the report
 * lacks the metric) defines. A computed row's spread is over OD pairs, not seeds: never "clear".
 */
export function tableRows(report: EvalReportFile, extra: ExtraCells = {}): TableRow[] {
  const rows: TableRow[] = [];
  for (const info of METRICS) {
    const inReport = MODELS.some((m) => OD_SPLITS.some((s) => report.models[m][s][info.key]));
    const own = inReport ? undefined : extra[info.key];
    const get = (m: ModelName, s: OdSplit) => (own ? own[s][m] : (report.models[m][s][info.key] ?? null));
    const cells = {
      train: { vanilla: get('vanilla', 'train'), distilled: get('distilled', 'train') },
      test: { vanilla: get('vanilla', 'test'), distilled: get('distilled', 'test') },
    };
    if (!cells.train.vanilla && !cells.train.distilled && !cells.test.vanilla && !cells.test.distilled) continue;
    rows.push({
      info,
      cells,
      verdict: {
        train: { ...compareValues(cells.train.vanilla, cells.train.distilled, info.better), ...(own ? { clear: false } : {}) },
        test: { ...compareValues(cells.test.vanilla, cells.test.distilled, info.better), ...(own ? { clear: false } : {}) },
      },
    });
  }
  return rows;
}

/** Plain-number value of a cell (first defined of mean over the report's cells), for captions. */
export function scalar(report: EvalReportFile, model: ModelName, split: OdSplit, key: string): number | null {
  return report.models[model][split][key]?.mean ?? null;
}
