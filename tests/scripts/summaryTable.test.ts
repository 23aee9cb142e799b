// scripts/summary-table.ts prints the README's seed-paired table from a summary file: each cell is
// the effect with its interval, bold only when the interval excludes 0; absent parts print "–".
import { describe, expect, it } from 'vitest';
import { effectCell, summaryTable } from '../../scripts/summary-table';
import { DISTILLATION_SCHEMA, type DistillationSummary, type SummaryBlock } from '../../src/lib/eval/distillationSummary';

const effect = (mean: number, ci95: [number, number], lowerIsBetter: boolean, vanilla?: number, distilled?: number) => ({
  mean,
  ci95,
  lowerIsBetter,
  verdict: (ci95[1] < 0
    ? lowerIsBetter
      ? 'helps'
      : 'hurts'
    : ci95[0] > 0
      ? lowerIsBetter
        ? 'hurts'
        : 'helps'
      : 'no detectable effect') as 'helps' | 'hurts' | 'no detectable effect',
  vanilla,
  distilled,
});
const block = (effects: SummaryBlock['effects']): SummaryBlock => ({ what: 'x', effects, verdict: 'no detectable effect' });

describe('summary-table', () => {
  it('formats an effect with its interval, in bold only when the interval excludes 0', () => {
    expect(effectCell(effect(-0.01437, [-0.0208, -0.00794], true), 4)).toBe('**−0.0144 [−0.0208, −0.0079]**');
    expect(effectCell(effect(0.21, [-0.52, 0.94], true), 2)).toBe('+0.21 [−0.52, +0.94]');
    expect(effectCell(undefined, 2)).toBe('–');
  });

  it('prints one row per regime with both arms’ reached rates, the baseline DTW and the verdicts', () => {
    const s: DistillationSummary = {
      schema: DISTILLATION_SCHEMA,
      created: 'now',
      command: 'c',
      regimes: [
        {
          label: 'SF, arm d',
          dataset: 'sf',
          trainFrac: 1,
          trainingSeeds: [1, 2, 3, 4, 5],
          recipe: { lambda: 0.1, tau: 3, window: 8, epochs: 40, patience: 3, maxLen: 512 },
          steps: { test: block({ decisionNll: effect(-0.02, [-0.03, -0.01], true), decisionAcc: effect(0.001, [-0.01, 0.012], false) }) },
          generation: {
            test: {
              ...block({
                reachedRate: effect(-0.004, [-0.01, 0.002], false, 1, 0.996),
                odDtwKm: effect(0.5, [0.1, 0.9], true, 3.25, 3.75),
              }),
              nOd: 10,
              oracleFloor: {},
            },
          },
        },
      ],
    };
    const lines = summaryTable(s).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe(
      '| SF, arm d | **−0.0200 [−0.0300, −0.0100]** | +0.0010 [−0.0100, +0.0120] | 100 / 99.60 % | **+0.50 [+0.10, +0.90]** | – | – | 3.25 / – | helps; hurts |',
    );
  });
});
