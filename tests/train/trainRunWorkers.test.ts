import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ExchangeHub } from '../../src/lib/train/dataParallel';
import type { StartGradHelpers } from '../../src/lib/train/gradHelpers';
import { openSession } from '../../src/lib/train/openSession';
import type { SessionEpochRecord } from '../../src/lib/train/session';
import { TrainingSession } from '../../src/lib/train/session';
import { TrainRun } from '../../src/lib/train/trainRun';
import type { TrainRunEvents, TrainState } from '../../src/lib/train/trainRunTypes';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';
import { memoryStore } from './memoryStore';

// TrainRun's data-parallel workers, with in-process helpers standing in for the browser's Web
// Workers (workers/gradHelpers.ts): each opens the run from rank 0's checkpoint bytes and steps on
// its shard, as trainGradWorker.ts does. A run on 2 workers ends where the run on 1 does; a helper
// that fails pauses the run, which goes on with 1 worker without losing a batch.

const STUDENT = { mode: 'vanilla' as const, batch: 16, microBatch: 8, epochs: 1, seed: 3, lr: 2e-3 };

describe('TrainRun on several workers', () => {
  let city: SynthCity;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 48, 16, 4);
  });

  /** In-process helpers; `failAfter`: helper 1 fails after that many of its steps. */
  function helpers(failAfter = Infinity): { start: StartGradHelpers; started: number[] } {
    const started: number[] = [];
    const start: StartGradHelpers = (r) => {
      started.push(r.size);
      const hub = new ExchangeHub(r.size);
      const sessions: TrainingSession[] = [];
      for (let rank = 1; rank < r.size; rank++) {
        const { session } = openSession(
          { dataset: city.ds, derived: city.derived, studentConfig: TINY_STUDENT, backendName: r.backendName },
          { kind: 'student', hyper: r.hyper, from: { bytes: r.checkpoint, name: 'rank 0' } },
        );
        if (!(session instanceof TrainingSession)) throw new Error('not a student');
        session.trainer.dataParallel = hub.endpoint(rank);
        sessions.push(session);
        void (async () => {
          let n = 0;
          while (!session.trainer.done) {
            if (n++ >= failAfter) {
              const e = new Error(`helper ${rank}: out of memory`);
              r.onFailure(e);
              hub.fail(e);
              return;
            }
            await session.trainer.stepAsync();
          }
        })().catch(() => undefined);
      }
      return Promise.resolve({
        exchange: hub.endpoint(0),
        close: () => {
          hub.fail(new Error('closed'));
          for (const s of sessions) s.dispose();
        },
      });
    };
    return { start, started };
  }

  async function train(workers: number, gradHelpers: StartGradHelpers) {
    const states: { s: TrainState; reason?: string }[] = [];
    const inUse: { n: number; reason?: string }[] = [];
    const epochs: SessionEpochRecord[] = [];
    const errors: string[] = [];
    let settle: () => void = () => {};
    const events: TrainRunEvents = {
      state: (s, reason) => {
        states.push({ s, reason });
        if (s === 'done' || s === 'paused') settle();
      },
      metrics: () => {},
      epoch: (r) => void epochs.push(r),
      teacherMetrics: () => {},
      teacherEpoch: () => {},
      saved: () => {},
      probe: () => {},
      error: (m) => void errors.push(m),
      stepProgress: () => {},
      valPoint: () => {},
      workers: (n, reason) => void inUse.push({ n, reason }),
    };
    const run = new TrainRun({ events, store: memoryStore(), studentConfig: TINY_STUDENT, minEmitMs: 0, gradHelpers });
    await run.attach({ dataset: city.ds, derived: city.derived, backendName: 'cpu', shippedTeacher: { bytes: null } });
    await run.configure('student', STUDENT);
    const halted = (): Promise<void> => new Promise<void>((r) => (settle = r));
    const first = halted();
    await run.start(workers);
    await first;
    return { run, states, inUse, epochs, errors, halted };
  }

  it('2 workers end the epoch where 1 worker does (float tolerance), and say 2 workers', async () => {
    const one = await train(1, helpers().start);
    const h = helpers();
    const two = await train(2, h.start);
    expect(h.started).toEqual([2]);
    expect(one.inUse.at(-1)?.n).toBe(1);
    expect(two.inUse.at(-1)?.n).toBe(2);
    expect(two.states.at(-1)?.s).toBe('done');
    const [a, b] = [one.epochs[0], two.epochs[0]];
    expect(b.steps).toBe(a.steps);
    expect(b.total).toBeCloseTo(a.total, 5);
    expect(b.valNllDecision ?? NaN).toBeCloseTo(a.valNllDecision ?? NaN, 5);
    expect(b.valAccDecision).toBe(a.valAccDecision);
    expect(two.errors).toEqual([]);
  });

  it('a helper that fails pauses the run with the reason; it goes on with 1 worker and loses no batch', async () => {
    const one = await train(1, helpers().start);
    const two = await train(2, helpers(1).start);
    const last = two.states.at(-1);
    expect(last?.s).toBe('paused');
    expect(last?.reason).toMatch(/gradient helper worker failed \(helper 1: out of memory\).*goes on with 1 worker/);
    expect(two.inUse.at(-1)).toMatchObject({ n: 1 });
    expect(two.errors.some((e) => e.includes('out of memory'))).toBe(true);
    const done = two.halted();
    await two.run.start(1);
    await done;
    expect(two.states.at(-1)?.s).toBe('done');
    expect(two.epochs[0].steps).toBe(one.epochs[0].steps);
    expect(two.epochs[0].total).toBeCloseTo(one.epochs[0].total, 4);
  });
});
