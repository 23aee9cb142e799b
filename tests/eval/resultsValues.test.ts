// The README's value tables (src/lib/eval/resultsValues.ts): rows merged across the tables that feed
// one README table, a model printed once with the values its newer report carries, a baseline's beam
// cells "=", the share with its interval, and the best value of each column in bold.
import { describe, expect, it } from 'vitest';
import { valueRows, valuesMarkdown } from '../../src/lib/eval/resultsValues';
import type { BaselineAnswer, CityTable, ResultsRow } from '../../src/lib/eval/resultsTable';

const cells = (v: Record<string, number>): ResultsRow['cells'] => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, { value: x }]));
const effect = {
  mean: 0,
  ci95: [0, 0] as [number, number],
  n: 5,
  p: 1,
  pHolm: NaN,
  words: '',
  reading: null,
  quality: null,
  verdict: null,
};
const model = (label: string, value: number, extra: Partial<BaselineAnswer['models'][number]> = {}): BaselineAnswer['models'][number] => ({
  label,
  kind: 'arm',
  value,
  spread: {},
  effect,
  ...extra,
});
const BEST = 'Markov chain + length (α 1, μ 3 per km)';
const baselineRow: ResultsRow = {
  label: BEST,
  kind: 'baseline',
  source: 'no model',
  seeds: 1,
  cells: cells({ dtwPerKmBest: 2.083, dtwPerKmBeam: 2.083, edrBest: 0.294, reachedBeam: 1 }),
  spread: { median: 0.496, p90: 6.786 },
};

// Porto's first table: vanilla and the routes control as an old-report arm (no spread, no per-OD values).
const first: CityTable = {
  city: 'Porto',
  split: 'test',
  readme: 'Porto',
  rows: [
    baselineRow,
    {
      label: 'vanilla student',
      kind: 'vanilla',
      source: 'no teacher',
      seeds: 5,
      cells: cells({ dtwPerKmBest: 2.96, dtwPerKmBeam: 6.287, edrBest: 0.372, reachedBeam: 0.943, decisionNll: 0.3405 }),
    },
    {
      label: 'routes control',
      kind: 'arm',
      source: 'data',
      seeds: 5,
      control: true,
      cells: cells({ dtwPerKmBest: 2.617, dtwPerKmBeam: 3.982, edrBest: 0.336, reachedBeam: 0.972, decisionNll: 0.3097 }),
    },
    { label: 'teacher − routes', kind: 'contrast', source: 'x', seeds: 0, cells: cells({ decisionNll: 0.016 }) },
  ],
  vsBestBaseline: { baseline: BEST, value: 2.083, spread: {}, models: [model('vanilla student', 2.96), model('routes control', 2.617)] },
};
// The route features against the routes control: a newer report, with spreads and per-OD shares.
const second: CityTable = {
  city: 'Porto, route features',
  split: 'test',
  readme: 'Porto',
  rows: [
    baselineRow,
    {
      label: 'routes control',
      kind: 'vanilla',
      source: 'no teacher',
      seeds: 5,
      cells: cells({ dtwPerKmBest: 2.617, dtwPerKmBeam: 3.982, edrBest: 0.336, reachedBeam: 0.972, decisionNll: 0.3097 }),
    },
    {
      label: 'route features',
      kind: 'arm',
      source: 'x',
      seeds: 5,
      cells: cells({ dtwPerKmBest: 2.125, dtwPerKmBeam: 2.298, edrBest: 0.3055, reachedBeam: 0.99999, decisionNll: 0.2639 }),
    },
  ],
  vsBestBaseline: {
    baseline: BEST,
    value: 2.083,
    spread: {},
    models: [
      model('routes control', 2.617, {
        spread: { median: 0.763, p90: 7.808 },
        share: { win: 484, tie: 1163, loss: 888, share: -0.1594, ci95: [-0.2095, -0.1077], p: 0.0005 },
        beam: { value: 3.982, spread: { median: 1.372, p90: 10.375 } },
      }),
      model('route features', 2.125, {
        spread: { median: 0.597, p90: 6.862 },
        share: { win: 514, tie: 1327, loss: 694, share: -0.071, ci95: [-0.1247, -0.017], p: 0.0095 },
        beam: { value: 2.298, spread: { median: 0.953, p90: 6.525 } },
      }),
    ],
  },
};
const other: CityTable = { ...second, city: 'San Francisco', readme: 'San Francisco' };

describe('the README value tables', () => {
  it('merges the tables that feed one README table, each model once, filled from the newer report', () => {
    const { rows, baseline } = valueRows([first, second, other], 'Porto');
    expect(baseline).toBe(BEST);
    expect(rows.map((r) => r.label)).toEqual([BEST, 'vanilla student', 'routes control (a control)', 'route features']);
    const control = rows[2];
    expect(control.best.spread).toEqual({ median: 0.763, p90: 7.808 });
    expect(control.share?.share).toBe(-0.1594);
    expect(control.beam?.spread.p90).toBe(10.375);
  });

  // A baseline's one route counts under beam too: the best beam mean here is the baseline's "=".
  it('prints the columns issue 49 asks for, "=" for a baseline under beam, the best of each column in bold', () => {
    const md = valuesMarkdown([first, second], 'Porto', 'test').split('\n');
    expect(md[0]).toBe(
      `| test | seeds | mean | median | p90 | beam 4 | beam 4 median | beam 4 p90 | EDR | reached, beam 4 | decision NLL | share vs ${BEST} |`,
    );
    expect(md[2]).toBe(`| ${BEST} | – | **2.083** | **0.496** | **6.786** | = | = | = | **0.294** | **1.000** | – | – |`);
    expect(md[3]).toBe('| vanilla student | 5 | 2.960 | – | – | 6.287 | – | – | 0.372 | 0.943 | 0.3405 | – |');
    expect(md[5]).toBe(
      '| route features | 5 | 2.125 | 0.597 | 6.862 | 2.298 | 0.953 | **6.525** | 0.305 | **1.000** | **0.2639** | **−0.071 [−0.125, −0.017]** |',
    );
  });

  it('refuses tables of one README table that name different best baselines, or a name no table carries', () => {
    const fastest: CityTable = { ...second, vsBestBaseline: { ...second.vsBestBaseline!, baseline: 'fastest path' } };
    expect(() => valuesMarkdown([first, fastest], 'Porto', 'test')).toThrow(/best baseline is fastest path/);
    expect(() => valuesMarkdown([first], 'Lisbon', 'test')).toThrow(/no results table feeds/);
  });
});
