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
  it('plots val decision accuracy and its chance level first, then all-step accuracy and the reference lines', () => {
    const s = new MetricSeries();
    s.pushEpoch(epoch(0, 0.81));
    s.pushEpoch(epoch(1, 0.86));
    const [step, dec, chance, , all, vanillaRef, distilledRef] = s.accData([0.878, null]);
    expect(step).toEqual([10, 20]);
    expect(dec).toEqual([0.81, 0.86]);
    expect(chance).toEqual([0.48, 0.48]);
    expect(all).toEqual([0.93, 0.93]);
    expect(vanillaRef).toEqual([0.878, 0.878]);
    expect(distilledRef).toEqual([null, null]);
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
  });
});
