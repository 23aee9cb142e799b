import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TrainRun } from '../../src/lib/train/trainRun';
import type { TrainRunEvents } from '../../src/lib/train/trainRunTypes';
import type { ValPoint } from '../../src/lib/train/valCheck';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';
import { memoryStore } from './memoryStore';

// A fine-tune's early val points are on the whole val set (fineTune.ts FINE_TUNE_VAL_CHECK), the set
// the shipped students' chart lines were measured on, so its first point sits on the vanilla line;
// a run from random weights keeps the worker's subset. Issue 66: the subset started 0.027 above it.
describe('TrainRun val checks per run', () => {
  let city: SynthCity;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 48, 16, 4);
  });

  it("a fine-tune checks the whole val set; the next fresh run the worker's subset again", async () => {
    const points: ValPoint[] = [];
    const events: TrainRunEvents = {
      state: () => {},
      metrics: () => {},
      epoch: () => {},
      teacherMetrics: () => {},
      teacherEpoch: () => {},
      saved: () => {},
      probe: () => {},
      error: (m) => {
        throw new Error(m);
      },
      stepProgress: () => {},
      valPoint: (p) => void points.push(p),
      workers: () => {},
    };
    const run = new TrainRun({
      events,
      store: memoryStore(),
      studentConfig: TINY_STUDENT,
      minEmitMs: 0,
      valCheck: { everySteps: 1, trips: 2 },
    });
    await run.attach({ dataset: city.ds, derived: city.derived, backendName: 'cpu', shippedTeacher: { bytes: null } });
    const hyper = { mode: 'vanilla' as const, batch: 8, microBatch: 8, epochs: 1, seed: 1 };
    await run.configure('student', hyper);
    await run.step();
    const start = await run.exportCheckpoint(false);
    expect(points.at(-1)).toMatchObject({ step: 1, trips: 2, whole: false });

    await run.fineTune(new Uint8Array(start.bytes), 'start.safetensors', hyper, { everySteps: 1, trips: 0 });
    await run.step();
    expect(points.at(-1)).toMatchObject({ step: 1, trips: city.ds.splits.val.length, whole: true });

    await run.configure('student', hyper);
    await run.step();
    expect(points.at(-1)).toMatchObject({ step: 1, trips: 2, whole: false });
  });
});
