// The route baselines (generate/baselines.ts) alone on a split, scored exactly as the seed-paired
// report scores the students (pairedProtocol.ts): the same OD list (every val/test trip's own
// origin, destination and start time; a seeded sample of train trips), the same per-OD scores
// against each OD's real trip, the same per-seed metrics, and the thesis suite against all the
// split's real trips. The baselines are deterministic, so each is one run with no interval; set
// its numbers beside the students' per-seed metrics of a paired report on the same split.
import type { SplitName } from '../data/types';
import { BASELINE_TIMES_NOTE, type BaselineMethod, type BaselineParams, type BaselineRouter } from '../generate/baselines';
import type { MissSummary } from './missedRoutes';
import { PAIRED_REPORT_METRICS, scoreBaseline, splitTargets, type OdListOptions, type PairedMetric } from './pairedProtocol';
import type { SearchProtocolOptions } from './protocol';
import type { EvalReport } from './tripMetrics';
import { scoreSpread, type ScoreSpread } from './robustScores';

export const BASELINE_REPORT_SCHEMA = 'trajdistill-baselines/1';

export interface BaselineMethodResult {
  description: string;
  /** The paired report's per-seed metrics (PAIRED_REPORT_METRICS), for this one deterministic run. */
  metrics: Record<PairedMetric, number>;
  /** The thesis suite against every trip of the split (OD-cell pairing for its local metrics). */
  suite: EvalReport;
  genSeconds: number;
  misses: MissSummary;
  /** Real trips of zero length, whose dtwPerKm is NaN and left out of odDtwPerKm. */
  zeroLengthReal: number;
  /** Per-OD DTW per km: mean, median, p90 (robustScores.ts), and the values in OD order. */
  spread: ScoreSpread;
  odDtwPerKm: number[];
  markov?: BaselineRouter['markov'];
  fitted?: BaselineRouter['fitted'];
}

export interface BaselineSplitReport {
  split: SplitName;
  nOd: number;
  odSelection: string;
  methods: Partial<Record<BaselineMethod, BaselineMethodResult>>;
}

export interface BaselineReport {
  schema: string;
  dataset: string;
  created: string;
  createdWith: string;
  times: string;
  metrics: { key: PairedMetric; lowerIsBetter: boolean }[];
  splits: Partial<Record<SplitName, BaselineSplitReport>>;
}

export interface BaselineReportOptions
  extends OdListOptions, Pick<SearchProtocolOptions, 'derived' | 'evalOptions' | 'now' | 'createdWith'> {
  methods: BaselineMethod[];
  splits: SplitName[];
  /** The baselines' settings (default BASELINE_DEFAULTS). */
  params?: BaselineParams;
}

export function runBaselineReport(opts: BaselineReportOptions): BaselineReport {
  if (opts.methods.length === 0) throw new Error('runBaselineReport: no baseline methods');
  const centroid = opts.derived.features.centroid;
  const splits: BaselineReport['splits'] = {};
  for (const split of opts.splits) {
    const t = splitTargets(opts, split, centroid);
    const methods: BaselineSplitReport['methods'] = {};
    for (const method of opts.methods) {
      const b = scoreBaseline(method, opts, split, t, opts.params);
      methods[method] = {
        description: b.description,
        metrics: b.metrics,
        suite: b.suite,
        genSeconds: b.genSeconds,
        misses: b.misses,
        zeroLengthReal: t.odRealKm.filter((km) => !(km > 0)).length,
        spread: scoreSpread(b.scores.map((x) => x.dtwPerKm)),
        odDtwPerKm: b.scores.map((x) => x.dtwPerKm),
        ...(b.markov ? { markov: b.markov } : {}),
        ...(b.fitted ? { fitted: b.fitted } : {}),
      };
    }
    const trainOd = opts.trainOd ?? 500;
    const testOd = opts.testOd ?? Infinity;
    splits[split] = {
      split,
      nOd: t.ods.length,
      odSelection:
        split === 'train'
          ? `${trainOd} train trips sampled without replacement (seed ${opts.odSeed ?? 1}): their first road, last road and start time (as eval paired-report)`
          : Number.isFinite(testOd)
            ? `${testOd} ${split} trips sampled without replacement (seed ${opts.odSeed ?? 1}; a smoke run)`
            : `every ${split} trip with at least two roads once: its first road, last road and start time (as eval paired-report)`,
      methods,
    };
  }
  return {
    schema: BASELINE_REPORT_SCHEMA,
    dataset: opts.dataset.name,
    created: new Date().toISOString(),
    createdWith: opts.createdWith ?? 'trajdistill runBaselineReport',
    times: BASELINE_TIMES_NOTE,
    metrics: PAIRED_REPORT_METRICS.map((m) => ({ ...m })),
    splits,
  };
}
