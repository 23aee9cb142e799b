import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { SAVE_EACH_STEP_OVER_MS, TrainRun } from '../../src/lib/train/trainRun';
import type { TrainRunEvents, TrainState } from '../../src/lib/train/trainRunTypes';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';
import { memoryStore } from './memoryStore';

// On a slow backend every step is saved as it ends, so "Continue on wasm" (a fresh worker that
// resumes the run's slot) goes on at the step the page shows; on a fast one the minute's autosave
// is enough and steps are not saved one by one.
describe('TrainRun autosaves', () => {
  let city: SynthCity;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 48, 16, 4);
  });

  /** Trains one epoch with a clock that moves `msPerRead` each time it is read; the steps of the saves. */
  async function savedSteps(msPerRead: number): Promise<{ steps: number[]; total: number }> {
    let t = 0;
    const steps: number[] = [];
    let settle: () => void = () => {};
    const events: TrainRunEvents = {
      state: (s: TrainState) => {
        if (s === 'done' || s === 'paused') settle();
      },
      metrics: () => {},
      epoch: () => {},
      teacherMetrics: () => {},
      teacherEpoch: () => {},
      saved: (_kind, runs, current) => {
        const step = runs.find((r) => r.id === current)?.step;
        if (step !== undefined && steps.at(-1) !== step) steps.push(step);
      },
      probe: () => {},
      error: (m) => {
        throw new Error(m);
      },
      stepProgress: () => {},
      valPoint: () => {},
      workers: () => {},
    };
    const now = (): number => (t += msPerRead);
    const run = new TrainRun({ events, store: memoryStore(), studentConfig: TINY_STUDENT, minEmitMs: 0, now });
    await run.attach({ dataset: city.ds, derived: city.derived, backendName: 'cpu', shippedTeacher: { bytes: null } });
    const c = await run.configure('student', { mode: 'vanilla', batch: 8, microBatch: 8, epochs: 1, seed: 1 });
    const done = new Promise<void>((r) => (settle = r));
    await run.start(1);
    await done;
    return { steps, total: c.stepsPerEpoch };
  }

  it('saves after every step slower than SAVE_EACH_STEP_OVER_MS', async () => {
    const { steps, total } = await savedSteps(SAVE_EACH_STEP_OVER_MS);
    expect(total).toBeGreaterThanOrEqual(4);
    // Every step from the first to the last but one is saved between steps; the epoch's end saves the last.
    expect(steps).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('saves fast steps only after the first one and at the epoch end', async () => {
    const { steps, total } = await savedSteps(1);
    expect(steps).toEqual([1, total]);
  });
});
