import { describe, expect, it } from 'vitest';
import { parseEvalReport, parseRoutes, toMetricValue, ReportFormatError, describeSeeds } from '../../src/ui/compare/reportTypes';
import { compareValues, tableRows } from '../../src/ui/compare/metricsTable';
import { formatMetric, METRICS } from '../../src/ui/compare/metricInfo';
import { filterSortRoutes, splitCounts, dtwGain } from '../../src/ui/compare/odList';
import { generatedTripsCsv } from '../../src/ui/compare/exportFiles';
import { readGeneratedCsv } from '../../src/lib/generate/generatedCsv';

const route = (split: 'train' | 'test', vDtw: number | null, dDtw: number | null, reached = true) => ({
  split,
  origin: 1,
  dest: 3,
  startTime: 1372636800,
  realTripIds: ['a'],
  vanilla: { roads: [1, 2, 3], times: [1372636800, 1372636830, 1372636870], reached, dtwKm: vDtw, hausdorffKm: 0.2 },
  distilled: { roads: [1, 3], times: [1372636800, 1372636850], reached: true, dtwKm: dDtw, hausdorffKm: 0.1 },
});

const report = {
  dataset: 'porto',
  protocol: { n: 10, seeds: [1, 2, 3], beam: 4, method: 'beam', maxSteps: 300 },
  models: {
    vanilla: {
      train: { distanceJSD: { mean: 0.1, std: 0.01 }, odMatchRate: 0.8, dtwKm: null, n: 10 },
      test: { distanceJSD: { mean: 0.2, std: 0.01 }, odMatchRate: { mean: 0.7, std: 0.2 } },
    },
    distilled: {
      train: { distanceJSD: { mean: 0.05, std: 0.01 }, odMatchRate: 0.9, dtwKm: { mean: 3, std: 0 }, n: 10 },
      test: { distanceJSD: { mean: 0.2, std: 0.01 }, odMatchRate: { mean: 0.75, std: 0.1 } },
    },
  },
  verdict: 'Distillation helped on train OD.',
};

describe('report parsing', () => {
  it('normalises { mean, std }, plain numbers and null', () => {
    expect(toMetricValue({ mean: 0.5, std: 0.1 })).toEqual({ mean: 0.5, std: 0.1 });
    expect(toMetricValue(0.25)).toEqual({ mean: 0.25, std: null });
    expect(toMetricValue(null)).toBeNull();
    expect(toMetricValue({ mean: null, std: null })).toBeNull();
    expect(toMetricValue(Number.NaN)).toBeNull();
  });

  it('reads the report and rejects one without models', () => {
    const r = parseEvalReport(report);
    expect(r.protocol.beam).toBe(4);
    expect(r.protocol.extra).toEqual({ maxSteps: 300 });
    expect(r.models.distilled.train.distanceJSD).toEqual({ mean: 0.05, std: 0.01 });
    expect(r.models.vanilla.train.dtwKm).toBeNull();
    expect(describeSeeds(r.protocol.seeds)).toBe('3 (1, 2, 3)');
    expect(() => parseEvalReport({ verdict: 'x' })).toThrow(ReportFormatError);
  });

  it('reads routes and names the bad row', () => {
    const rs = parseRoutes([route('train', 1, 2), route('test', 3, 1)]);
    expect(rs.map((r) => r.index)).toEqual([0, 1]);
    expect(rs[1].distilled.roads).toEqual([1, 3]);
    const bad = route('test', 1, 1);
    bad.vanilla.times = [1];
    expect(() => parseRoutes([route('train', 1, 1), bad])).toThrow(/route 1\.vanilla\.times/);
    expect(() => parseRoutes([{ ...route('train', 1, 1), split: 'val' }])).toThrow(/split/);
  });
});

describe('metrics table', () => {
  it('marks the better value by the metric direction', () => {
    expect(compareValues({ mean: 0.1, std: 0.01 }, { mean: 0.05, std: 0.01 }, 'lower')).toEqual({ winner: 'distilled', clear: true });
    expect(compareValues({ mean: 0.7, std: 0.2 }, { mean: 0.75, std: 0.1 }, 'higher')).toEqual({ winner: 'distilled', clear: false });
    expect(compareValues({ mean: 0.9, std: null }, { mean: 0.8, std: null }, 'higher').winner).toBe('vanilla');
    expect(compareValues({ mean: 0.2, std: 0 }, { mean: 0.2, std: 0 }, 'lower').winner).toBeNull();
    expect(compareValues(null, { mean: 1, std: 0 }, 'lower').winner).toBeNull();
  });

  it('builds rows only for metrics the report defines, in catalogue order', () => {
    const rows = tableRows(parseEvalReport(report));
    expect(rows.map((r) => r.info.key)).toEqual(['distanceJSD', 'dtwKm', 'odMatchRate']);
    const dist = rows[0];
    expect(dist.verdict.train.winner).toBe('distilled');
    expect(dist.verdict.test.winner).toBeNull();
    expect(rows[1].verdict.train.winner).toBeNull(); // vanilla undefined
  });

  it('adds a computed row (DTW per km) where the report lacks it, never clear', () => {
    const v = (mean: number) => ({ mean, std: 0.01 });
    const perKm = { train: { vanilla: v(2), distilled: v(1) }, test: { vanilla: null, distilled: v(1) } };
    const rows = tableRows(parseEvalReport(report), { dtwPerKm: perKm, distanceJSD: perKm });
    expect(rows.map((r) => r.info.key)).toEqual(['distanceJSD', 'dtwKm', 'dtwPerKm', 'odMatchRate']);
    expect(rows[2].verdict.train).toEqual({ winner: 'distilled', clear: false });
    // The report's own values win over a computed one.
    expect(rows[0].cells.train).not.toEqual(perKm.train);
  });

  it('formats by kind and knows a direction for every metric', () => {
    expect(formatMetric(0.08123, 'jsd')).toBe('0.0812');
    expect(formatMetric(0.931, 'rate')).toBe('93.1%');
    expect(formatMetric(123.456, 'km')).toBe('123.5');
    for (const m of METRICS) expect(['lower', 'higher']).toContain(m.better);
  });
});

describe('OD list', () => {
  const rs = parseRoutes([route('train', 5, 1), route('test', 2, 4), route('train', null, 3), route('test', 9, 8.5)]);

  it('filters by split and sorts by error, missing values last', () => {
    expect(filterSortRoutes(rs, 'all', 'vanilla').map((r) => r.index)).toEqual([3, 0, 1, 2]);
    expect(filterSortRoutes(rs, 'all', 'vanilla', false).map((r) => r.index)).toEqual([1, 0, 3, 2]);
    expect(filterSortRoutes(rs, 'train', 'distilled').map((r) => r.index)).toEqual([2, 0]);
    expect(filterSortRoutes(rs, 'all', 'difference').map((r) => r.index)).toEqual([0, 3, 1, 2]);
    expect(dtwGain(rs[1])).toBe(-2);
    expect(splitCounts(rs)).toEqual({ all: 4, train: 2, test: 2 });
  });
});

describe('export', () => {
  it('writes generated trips that the generated-CSV reader reads back', () => {
    const rs = parseRoutes([route('train', 1, 2, false), route('test', 3, 1)]);
    const csv = generatedTripsCsv(rs, 'vanilla');
    expect(csv.split('\n')[0]).toBe('gen_id,origin_road,dest_road,rid_list,time_list,reached,log_prob');
    const back = readGeneratedCsv(csv);
    expect(back.map((t) => t.id)).toEqual(['train-0', 'test-1']);
    expect(back[0].roads).toEqual([1, 2, 3]);
    expect(back[0].times).toEqual([1372636800, 1372636830, 1372636870]);
    expect(back.map((t) => t.reached)).toEqual([false, true]);
  });
});
