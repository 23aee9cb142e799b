// The distillation summary gathers paired-steps and paired-report outputs per regime; it must keep
// each effect's sign and interval, refuse outputs that pair different seeds, and read back.
import { describe, expect, it } from 'vitest';
import {
  orderedEffects,
  parseDistillationSummary,
  regimeSummary,
  regimeTestSummary,
  DISTILLATION_SCHEMA,
} from '../../src/lib/eval/distillationSummary';

const recipe = { lambda: 0.3, tau: 4.4, window: 6, trainFrac: 0.1, epochs: 12, patience: 2, maxLen: 512 };
const row = (seed: number, nll: number, acc: number) => ({
  seed,
  checkpoint: `x-s${seed}`,
  decisionNll: nll,
  decisionAcc: acc,
  decisionSteps: 100,
});

function steps(split: 'val' | 'test', seeds = [1, 2, 3]) {
  return {
    split,
    trainingSeeds: seeds,
    recipe,
    vanilla: seeds.map((s) => row(s, 0.5, 0.8)),
    distilled: seeds.map((s) => row(s, 0.48, 0.81)),
    effects: {
      decisionNll: { n: 3, mean: -0.02, sd: 0.001, ci95: [-0.023, -0.017], diffs: [], verdict: 'helps' },
      decisionAcc: { n: 3, mean: 0.01, sd: 0.01, ci95: [-0.01, 0.03], diffs: [], verdict: 'no detectable effect' },
    },
    verdict: 'no detectable effect',
  };
}

const report = {
  trainingSeeds: [3, 1, 2],
  splits: {
    test: {
      nOd: 40,
      arms: {
        vanilla: [{ metrics: { odEdr: 0.4 } }, { metrics: { odEdr: 0.5 } }],
        distilled: [{ metrics: { odEdr: 0.45 } }, { metrics: { odEdr: 0.55 } }],
      },
      effects: {
        odEdr: { mean: 0.05, ci95: [0.01, 0.09], verdict: 'hurts' },
        reachedRate: { mean: 0, ci95: [null, null], verdict: 'no detectable effect' },
      },
      oracleFloor: { distanceJSD: 0.1, durationJSD: 0.05, radiusJSD: 0.08, resamples: 50 },
      verdict: 'no detectable effect',
    },
  },
};

describe('distillation summary', () => {
  it('keeps each effect with its interval, arms and verdict, and the recipe', () => {
    const r = regimeSummary('10 %', [steps('val'), steps('test')], report, { odEdr: true, reachedRate: false });
    expect(r.trainingSeeds).toEqual([1, 2, 3]);
    expect(r.trainFrac).toBe(0.1);
    expect(r.recipe.window).toBe(6);
    expect(r.steps.test?.effects.decisionNll).toMatchObject({
      mean: -0.02,
      ci95: [-0.023, -0.017],
      verdict: 'helps',
      lowerIsBetter: true,
      vanilla: 0.5,
      distilled: 0.48,
    });
    expect(r.steps.val?.effects.decisionAcc.verdict).toBe('no detectable effect');
    const g = r.generation.test!;
    expect(g.nOd).toBe(40);
    expect(g.effects.odEdr).toMatchObject({ verdict: 'hurts', vanilla: 0.45, distilled: 0.5 });
    expect(g.effects.reachedRate.ci95.every(Number.isNaN)).toBe(true);
    expect(g.oracleFloor).toEqual({ distanceJSD: 0.1, durationJSD: 0.05, radiusJSD: 0.08 });
    expect(r.generation.train).toBeUndefined();
  });

  it('adds the val OD report, the split an arm is chosen on, beside train and test', () => {
    const val = { trainingSeeds: [1, 2, 3], splits: { val: { ...report.splits.test, nOd: 25 } } };
    const r = regimeSummary('full', [steps('test')], report, { odEdr: true }, { valReport: val });
    expect(r.generation.val?.nOd).toBe(25);
    expect(r.generation.val?.effects.odEdr.verdict).toBe('hurts');
    expect(r.generation.test?.nOd).toBe(40);
    const wrong = { ...val, trainingSeeds: [1, 2, 4] };
    expect(() => regimeSummary('x', [steps('test')], null, {}, { valReport: wrong })).toThrow(/the val paired-report's seeds/);
  });

  it('refuses outputs that pair different seeds', () => {
    expect(() => regimeSummary('x', [steps('val'), steps('test', [1, 2, 4])], null, {})).toThrow(/different seeds/);
    expect(() => regimeSummary('x', [steps('test', [1, 2])], report, {})).toThrow(/the paired-report's seeds/);
    expect(() => regimeSummary('x', [], null, {})).toThrow(/no paired-steps/);
    expect(() => regimeSummary('x', [{ split: 'test' }], null, {})).toThrow(/not an eval paired-steps output/);
  });

  it('names the city the outputs come from, and refuses outputs from two cities', () => {
    const sf = (split: 'val' | 'test') => ({ ...steps(split), dataset: 'sf' });
    expect(regimeSummary('SF', [sf('val'), sf('test')], { ...report, dataset: 'sf' }, {}).dataset).toBe('sf');
    expect(regimeSummary('old', [steps('test')], null, {}).dataset).toBeUndefined();
    expect(() => regimeSummary('x', [sf('val'), { ...steps('test'), dataset: 'porto' }], null, {})).toThrow(
      /different datasets \(sf, porto\)/,
    );
    expect(() => regimeSummary('x', [sf('test')], { ...report, dataset: 'porto' }, {})).toThrow(/different datasets/);
  });

  it('keeps a teacherless comparison (transfer, zero-shot) free of a distillation recipe', () => {
    const { lambda: _l, tau: _t, window: _w, ...budget } = recipe;
    const transfer = (split: 'val' | 'test') => ({ ...steps(split), recipe: { mode: 'vanilla', ...budget } });
    const r = regimeSummary('25 %', [transfer('test')], null, {});
    expect(r.recipe.mode).toBe('vanilla');
    expect(r.recipe.lambda).toBeNaN();
    expect(r.recipe.epochs).toBe(12);
    expect(regimeSummary('old', [steps('test')], null, {}).recipe.mode).toBeUndefined();
  });

  it('names the arms when asked, and refuses a file whose arms are unnamed', () => {
    const r = regimeSummary('25 %', [steps('test')], null, {}, { arms: { base: 'scratch', treated: 'transfer' } });
    const file = { schema: DISTILLATION_SCHEMA, created: 'now', command: 'c', regimes: [r] };
    expect(parseDistillationSummary(JSON.parse(JSON.stringify(file))).regimes[0].arms).toEqual({ base: 'scratch', treated: 'transfer' });
    expect(() => parseDistillationSummary({ ...file, regimes: [{ ...r, arms: { base: 'scratch' } }] })).toThrow(
      /25 %: arms must name a base and a treated arm/,
    );
  });

  it('reads a written summary back and rejects other files', () => {
    const s = { schema: DISTILLATION_SCHEMA, created: 'now', command: 'c', regimes: [regimeSummary('full', [steps('test')], null, {})] };
    expect(parseDistillationSummary(JSON.parse(JSON.stringify(s))).regimes[0].label).toBe('full');
    expect(() => parseDistillationSummary({ schema: 'other' })).toThrow(/not a distillation summary/);
    expect(() => parseDistillationSummary({ schema: DISTILLATION_SCHEMA, regimes: [] })).toThrow(/no regimes/);
  });

  it('labels every group by the one rule, from the intervals, whatever an older file says', () => {
    const r = regimeSummary('full', [steps('test')], report, { odEdr: true, reachedRate: false });
    // Teacher-forced: NLL helps, accuracy no detectable effect → helps; generation: EDR hurts → hurts.
    expect(r.steps.test?.verdict).toBe('helps');
    expect(r.generation.test?.verdict).toBe('hurts');
    expect(regimeTestSummary(r)).toEqual({ verdict: 'mixed', helps: ['decisionNll'], hurts: ['odEdr'] });

    // An older file: a majority vote over two metrics ("no detectable effect" on a tie) and a stale metric label.
    const old = JSON.parse(JSON.stringify({ schema: DISTILLATION_SCHEMA, created: 'then', command: 'c', regimes: [r] })) as {
      regimes: { steps: { test: { verdict: string; effects: Record<string, { verdict: string }> } } }[];
    };
    old.regimes[0].steps.test.verdict = 'no detectable effect';
    old.regimes[0].steps.test.effects.decisionAcc.verdict = 'helps';
    const back = parseDistillationSummary(old).regimes[0];
    expect(back.steps.test?.verdict).toBe('helps');
    expect(back.steps.test?.effects.decisionAcc.verdict).toBe('no detectable effect');
    expect(back.steps.test?.effects.decisionNll).toMatchObject({ verdict: 'helps', vanilla: 0.5, distilled: 0.48 });
    expect(back.generation.test?.nOd).toBe(40);
    expect(regimeTestSummary(back).verdict).toBe('mixed');
  });

  it('orders a block: teacher-forced, then the primary generation metrics, then the rest', () => {
    const e = { mean: 0, ci95: [0, 0] as [number, number], verdict: 'no detectable effect' as const, lowerIsBetter: true };
    const keys = orderedEffects({ odEdr: e, distanceJSD: e, custom: e, odDtwKm: e, reachedRate: e }).map(([k]) => k);
    expect(keys).toEqual(['reachedRate', 'odDtwKm', 'odEdr', 'distanceJSD', 'custom']);
  });
});
