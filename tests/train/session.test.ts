import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  MetricThrottle,
  TrainingSession,
  type SessionMetrics,
  type SessionState,
  type SessionEpochRecord,
} from '../../src/lib/train/session';
import { normaliseHyper } from '../../src/lib/train/sessionHyper';
import { TeacherModel } from '../../src/lib/models/teacher';
import { encodeCheckpoint, decodeCheckpoint } from '../../src/lib/checkpoint/checkpoint';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

const sample = (step: number, ce: number) => ({
  step,
  epoch: 0,
  ce,
  kl: 0,
  time: 1,
  total: ce + 1,
  trainAcc: 0.5,
  lr: 1e-3,
  gradNorm: 1,
  trips: 4,
});

describe('MetricThrottle', () => {
  it('emits at a bounded rate and aggregates the steps in between', () => {
    let t = 0;
    const th = new MetricThrottle(100, () => t);
    const out = [];
    // 1000 steps, one per millisecond: at most one record per 100 ms may leave.
    for (let i = 1; i <= 1000; i++) {
      t = i;
      const r = th.add(sample(i, i));
      if (r) out.push(r);
    }
    const rest = th.flush();
    if (rest) out.push(rest);
    expect(out.length).toBeGreaterThanOrEqual(9);
    expect(out.length).toBeLessThanOrEqual(11);
    // Every step is counted exactly once.
    expect(out.reduce((a, r) => a + r.samples, 0)).toBe(1000);
    // Consecutive emits are ≥ 100 ms apart: the samples between them are ≥ 100 (1 step per ms).
    for (const r of out.slice(1, -1)) expect(r.samples).toBeGreaterThanOrEqual(100);
    // Aggregates are means: the second record averages steps (first.step, second.step].
    const [a, b] = out;
    const lo = a.step + 1;
    const hi = b.step;
    expect(b.ce).toBeCloseTo((lo + hi) / 2, 6);
    expect(b.total).toBeCloseTo((lo + hi) / 2 + 1, 6);
    expect(b.step).toBe(hi);
    // Throughput from the clock: 100 steps in 100 ms → 1000 steps/s, 4 trips each.
    expect(b.stepsPerSec).toBeCloseTo(1000, 0);
    expect(b.tripsPerSec).toBeCloseTo(4000, 0);
    expect(th.flush()).toBeNull();
  });

  it('skips non-finite losses in the means but counts the step', () => {
    let t = 0;
    const th = new MetricThrottle(1000, () => t);
    th.add(sample(1, 2)); // first emit is immediate
    th.add(sample(2, NaN));
    th.add(sample(3, 4));
    t = 5;
    const r = th.flush();
    expect(r?.samples).toBe(2);
    expect(r?.ce).toBe(4);
    expect(r?.step).toBe(3);
  });
});

describe('TrainingSession', () => {
  let city: SynthCity;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 48, 16, 4);
  });

  function makeSession(extra: { hyper?: object; teacher?: TeacherModel; yieldFn?: () => Promise<void> } = {}) {
    const states: SessionState[] = [];
    const metrics: SessionMetrics[] = [];
    const epochs: SessionEpochRecord[] = [];
    const session = new TrainingSession({
      dataset: city.ds,
      derived: city.derived,
      teacher: extra.teacher,
      hyper: { mode: 'vanilla', batch: 16, microBatch: 8, epochs: 2, seed: 3, ...extra.hyper },
      studentConfig: TINY_STUDENT,
      minEmitMs: 0,
      yieldFn: extra.yieldFn,
      events: {
        state: (s) => states.push(s),
        metrics: (m) => metrics.push(m),
        epoch: (r) => {
          epochs.push(r);
        },
      },
    });
    return { session, states, metrics, epochs };
  }

  it('steps, pauses, resumes and finishes; the tensor count stays flat', async () => {
    let ticks = 0;
    let pauseAt = -1;
    const { session, states, metrics, epochs } = makeSession({
      yieldFn: async () => {
        ticks++;
        await new Promise((r) => setTimeout(r, 0));
      },
    });
    expect(session.state).toBe('idle');
    await session.step();
    expect(session.steps).toBe(1);
    expect(session.state).toBe('paused');
    expect(metrics.at(-1)?.step).toBe(1);
    const tensorsAfterFirst = tf.memory().numTensors;

    const run = session.start();
    expect(session.state).toBe('running');
    while (ticks < 2) await new Promise((r) => setTimeout(r, 0));
    await session.pause();
    await run;
    expect(session.state).toBe('paused');
    pauseAt = session.steps;
    expect(pauseAt).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(session.steps).toBe(pauseAt); // paused means no steps

    await session.step();
    expect(session.steps).toBe(pauseAt + 1);
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);

    await session.resume();
    expect(session.state).toBe('done');
    const per = session.trainer.stepsInEpoch;
    expect(session.steps).toBe(2 * per);
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1]);
    for (const e of epochs) {
      expect(e.valAcc).toBeGreaterThanOrEqual(0);
      expect(e.valChanceAcc).toBeGreaterThan(0);
    }
    expect(metrics.at(-1)?.step).toBe(2 * per);
    expect(metrics.at(-1)?.valAcc).toBe(epochs[1].valAcc);
    // A save names the best epoch's val decision accuracy, the charts' and reports' accuracy.
    const { summary } = await session.save();
    const best = epochs.find((e) => e.epoch === session.trainer.bestEpoch);
    expect(best?.valAccDecision).toBeGreaterThan(0);
    expect(summary.bestDecisionAcc).toBe(best?.valAccDecision);
    expect(states).toEqual(['paused', 'running', 'paused', 'running', 'done']);
    expect(await session.step()).toBeNull(); // done: no more steps
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    session.dispose();
  });

  it('stop ends the run for good', async () => {
    const { session, states } = makeSession();
    const run = session.start();
    await session.stop();
    await run;
    const n = session.steps;
    expect(session.state).toBe('stopped');
    await session.start();
    expect(await session.step()).toBeNull();
    expect(session.steps).toBe(n);
    expect(states).toEqual(['running', 'stopped']);
    session.dispose();
  });

  it('round-trips a checkpoint and refuses one for another size or network', async () => {
    const a = makeSession().session;
    await a.step();
    await a.step();
    const bytes = a.checkpointBytes();
    const wa = a.student.getWeights();

    const b = makeSession().session;
    const ck = b.loadCheckpoint(bytes);
    expect(ck.training.step).toBe(2);
    expect(b.steps).toBe(2);
    const wb = b.student.getWeights();
    for (const k of Object.keys(wa)) expect(Array.from(wb[k])).toEqual(Array.from(wa[k]));

    const bigger = new TrainingSession({
      dataset: city.ds,
      derived: city.derived,
      hyper: { mode: 'vanilla' },
      studentConfig: { ...TINY_STUDENT, navDim: 32 },
    });
    expect(() => bigger.loadCheckpoint(bytes)).toThrow(/different model size\/config: navDim/);

    const foreign = decodeCheckpoint(bytes);
    foreign.fingerprint = '0000000000000000';
    expect(() => b.loadCheckpoint(encodeCheckpoint(foreign))).toThrow(/different road network/);
    for (const s of [a, b, bigger]) s.dispose();
  });

  it('a run resumed from its state after an epoch ends with the same weights as one never stopped', async () => {
    const straight = makeSession({ hyper: { epochs: 3 } });
    await straight.session.start();
    const whole = straight.session.student.getWeights();

    // The CLI saves the whole state when an epoch ends (<out>.partial) and a new process loads it.
    const first = makeSession({ hyper: { epochs: 3 } });
    let bytes: Uint8Array | null = null;
    while (first.epochs.length < 1) await first.session.step();
    bytes = first.session.checkpointBytes();
    const resumed = makeSession({ hyper: { epochs: 3 } });
    resumed.session.loadCheckpoint(bytes);
    await resumed.session.start();
    expect(resumed.session.steps).toBe(straight.session.steps);
    const after = resumed.session.student.getWeights();
    for (const k of Object.keys(whole)) expect(Array.from(after[k]), k).toEqual(Array.from(whole[k]));
    expect(resumed.epochs.map((e) => e.valNllDecision)).toEqual(straight.epochs.slice(1).map((e) => e.valNllDecision));
    for (const s of [straight, first, resumed]) s.session.dispose();
  });

  it('distilled mode needs a teacher and reports a KL term', async () => {
    expect(() => makeSession({ hyper: { mode: 'distilled' } })).toThrow(/teacher/);
    const V = city.derived.grid.vocabSize;
    const teacher = new TeacherModel({ vocabSize: V, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, collapse: false }, 1);
    teacher.setTrainable(false);
    const { session, metrics } = makeSession({ teacher, hyper: { mode: 'distilled', lambda: 0.5, tau: 2, window: 3 } });
    await session.step();
    expect(metrics[0].kl).toBeGreaterThan(0);
    expect(metrics[0].total).toBeGreaterThan(metrics[0].ce);
    session.dispose();
    teacher.dispose();
  });

  it('normaliseHyper clamps values the trainer would reject', () => {
    const h = normaliseHyper({ batch: 0, microBatch: 999, epochs: -1, tau: 0, lambda: -1, window: 0.2 });
    expect(h.batch).toBeGreaterThanOrEqual(1);
    expect(h.microBatch).toBeLessThanOrEqual(h.batch);
    expect(h.epochs).toBeGreaterThanOrEqual(1);
    expect(h.tau).toBeGreaterThan(0);
    expect(h.lambda).toBe(0);
    expect(h.window).toBeGreaterThanOrEqual(1);
  });

  it("normaliseHyper keeps only known keys: a checkpoint's extra `weights` note is not a setting", () => {
    const form = normaliseHyper({ lambda: 0.5, epochs: 8 });
    const fromCheckpoint = normaliseHyper({ ...form, weights: 'best epoch 3' } as Parameters<typeof normaliseHyper>[0]);
    expect(JSON.stringify(fromCheckpoint)).toBe(JSON.stringify(form));
  });
});
