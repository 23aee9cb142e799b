import { describe, expect, it } from 'vitest';
import { summarizeArm, summarizeRun, type RunLogLike } from '../../src/lib/train/runLogSummary';
import { scheduleMarkdown } from '../../src/cli/study/studySchedule';

const epoch = (i: number, extra: Partial<RunLogLike['epochs'][number]> = {}) => ({
  epoch: i,
  seconds: 360,
  steps: 100,
  step: 100 * (i + 1),
  ...extra,
});

describe('runLogSummary', () => {
  it('reads the lr a log records at its last epoch', () => {
    const log: RunLogLike = {
      seed: 1,
      hyper: { lr: 1e-3, epochs: 2 },
      epochs: [epoch(0, { lr: 8e-4 }), epoch(1, { lr: 0 })],
      bestEpoch: 1,
      valNllDecision: 0.3,
    };
    expect(summarizeRun(log)).toEqual({
      seed: 1,
      epochsRun: 2,
      epochBudget: 2,
      bestEpoch: 1,
      valNll: 0.3,
      lrEndShare: 0,
      annealed: true,
      lrFrom: 'log',
      coreHours: 0.2,
    });
  });
  it('recomputes it from the schedule for an older log: a patience stop at 8 of 40 epochs is far from annealed', () => {
    // 40-epoch budget, warm-up 4 epochs, stopped after 8: the cosine has gone 4/36 of its way.
    const log: RunLogLike = {
      seed: 16,
      hyper: { lr: 1e-3, epochs: 40, patience: 3 },
      epochs: Array.from({ length: 8 }, (_, i) => epoch(i)),
      bestEpoch: 4,
      valNllDecision: 0.3578,
    };
    const r = summarizeRun(log);
    expect(r.lrFrom).toBe('schedule');
    expect(r.lrEndShare).toBeCloseTo(0.5 * (1 + Math.cos((Math.PI * 4) / 36)), 10);
    expect(r.annealed).toBe(false);
  });
  it('gives the seed spread of an arm and refuses a run without a val NLL', () => {
    const run = (seed: number, nll: number): RunLogLike => ({
      seed,
      hyper: { lr: 1e-3, epochs: 1 },
      epochs: [epoch(0, { lr: 0 })],
      bestEpoch: 0,
      valNllDecision: nll,
    });
    const s = summarizeArm([run(2, 0.3), run(1, 0.28), run(3, 0.32)]);
    expect(s.runs.map((r) => r.seed)).toEqual([1, 2, 3]);
    expect(s.meanValNll).toBeCloseTo(0.3, 12);
    expect(s.sdValNll).toBeCloseTo(0.02, 12);
    expect(s.annealed).toBe(3);
    expect(() => summarizeArm([{ ...run(4, 0), valNllDecision: null }])).toThrow(/seed 4: no val decision NLL/);
    const md = scheduleMarkdown([{ label: 'arm', summary: s }]);
    expect(md).toMatch(
      /\| arm \| 1, 2, 3 \| 0\.2800 \(1\/1\), 0\.3000 \(1\/1\), 0\.3200 \(1\/1\) \| 0\.3000 \| 0\.0200 \| 0, 0, 0 \| 0\.10 \|/,
    );
    // Every lr here is the log's own: no figure is marked, so no footnote explains a mark.
    expect(md).not.toContain('recomputed');
    const old = summarizeArm([{ ...run(5, 0.3), epochs: [epoch(0)] }]);
    expect(scheduleMarkdown([{ label: 'old', summary: old }])).toMatch(/\| 0\* \|[\s\S]*\* recomputed from the schedule/);
  });
});
