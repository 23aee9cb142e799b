import { describe, it, expect } from 'vitest';
import { MetricSeries, type MetricColumns } from '../../src/lib/train/chartSeries';
import type { EpochRecord } from '../../src/lib/train/studentTrainer';

const epoch = (e: number, acc: number): EpochRecord & { step: number } => ({
  epoch: e,
  steps: 10,
  step: 10 * (e + 1),
  seconds: 1,
  ce: 0.5,
  kl: 0,
  time: 0.1,
  total: 0.6,
  trainAcc: 0.9,
  valAcc: 0.93,
  valChanceAcc: 0.7,
  valCe: 0.4,
  valSteps: 100,
  valAccDecision: acc,
  valChanceAccDecision: 0.48,
  valNllDecision: 0.33,
  decisionSteps: 40,
});

describe('the accuracy chart', () => {
  it('plots val decision accuracy (epoch ends, then the val subset) and its chance level, then the reference lines: no all-step accuracy', () => {
    const s = new MetricSeries();
    s.pushEpoch(epoch(0, 0.81));
    s.pushEpoch(epoch(1, 0.86));
    const cols = s.accData([0.878, null]);
    const [step, dec, sub, chance, vanillaRef, distilledRef] = cols;
    expect(cols).toHaveLength(6);
    expect(step).toEqual([10, 20]);
    expect(dec).toEqual([0.81, 0.86]);
    expect(sub).toEqual([null, null]);
    expect(chance).toEqual([0.48, 0.48]);
    expect(vanillaRef).toEqual([0.878, 0.878]);
    expect(distilledRef).toEqual([null, null]);
    // The all-step figures (0.93 here) are nowhere in the chart.
    expect(cols.flat()).not.toContain(0.93);
  });

  it("plots val decision NLL at epoch ends, then the shipped models' NLL as reference lines; kept across save and restore", () => {
    const s = new MetricSeries();
    s.pushEpoch({ ...epoch(0, 0.81), valNllDecision: 0.41 });
    s.pushEpoch({ ...epoch(1, 0.86), valNllDecision: 0.37 });
    s.pushEpoch({ ...epoch(2, 0.86), valNllDecision: NaN });
    const [step, nll, , vanillaRef, distilledRef] = s.nllData([0.3218, 0.3152]);
    expect(step).toEqual([10, 20, 30]);
    expect(nll).toEqual([0.41, 0.37, null]);
    expect(vanillaRef).toEqual([0.3218, 0.3218, 0.3218]);
    expect(distilledRef).toEqual([0.3152, 0.3152, 0.3152]);
    const back = new MetricSeries();
    expect(back.restore(s.columns())).toBe(true);
    expect(back.nllData()[1]).toEqual([0.41, 0.37, null]);
    // Replayed epochs (a checkpoint's history) bring their NLL too; a metrics point has none.
    const replay = new MetricSeries();
    replay.pushEpoch({ ...epoch(0, 0.81), valNllDecision: 0.5 }, true);
    expect(replay.nllData()[1]).toEqual([0.5]);
  });

  it('restores a chart saved before decision accuracy was kept, with empty points for it', () => {
    const old: MetricColumns = {
      step: [5],
      ce: [1],
      kl: [0],
      time: [0],
      total: [1],
      trainAcc: [0.8],
      valAcc: [0.9],
      chance: [0.7],
      chanceLevel: 0.7,
    };
    const s = new MetricSeries();
    expect(s.restore(old)).toBe(true);
    expect(s.accData()[1]).toEqual([null]);
    expect(s.columns().valDecAcc).toEqual([null]);
    expect(s.nllData()[1]).toEqual([null]);
  });

  it('plots early val points (the val subset) at their steps, in one row with the step metrics, kept across save and restore', () => {
    const s = new MetricSeries();
    const metrics = (step: number) =>
      ({ step, epoch: 0, ce: 1, kl: 0.1, time: 0.2, total: 1.3, trainAcc: 0.8 }) as unknown as Parameters<MetricSeries['pushMetrics']>[0];
    const point = (step: number, nll: number) => ({
      step,
      epoch: 0,
      trips: 64,
      whole: false,
      valAccDecision: 0.7,
      valNllDecision: nll,
      valChanceAccDecision: 0.45,
      seconds: 2,
    });
    s.pushMetrics(metrics(4));
    s.pushValPoint(point(5, 0.6));
    s.pushMetrics(metrics(5)); // the throttle released step 5 after its val point: same row
    s.pushValPoint(point(10, 0.5));
    const [step, full, sub] = s.nllData();
    expect(step).toEqual([4, 5, 10]);
    expect(full).toEqual([null, null, null]);
    expect(sub).toEqual([null, 0.6, 0.5]);
    expect(s.lossData()[1]).toEqual([1.3, 1.3, null]);
    expect(s.accData()[2]).toEqual([null, 0.7, 0.7]);
    // The subset's chance level stands in until an epoch end gives the whole set's.
    expect(s.accData()[3]).toEqual([0.45, 0.45, 0.45]);
    const back = new MetricSeries();
    expect(back.restore(s.columns())).toBe(true);
    expect(back.nllData()[2]).toEqual([null, 0.6, 0.5]);
  });
});
