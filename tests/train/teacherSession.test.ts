import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TeacherSession, teacherHyperOf, type TeacherSessionEpoch, type TeacherSessionMetrics } from '../../src/lib/train/teacherSession';
import { normaliseTeacherHyper } from '../../src/lib/train/teacherHyper';
import type { SessionState } from '../../src/lib/train/runLoop';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/lib/checkpoint/checkpoint';
import { loadTeacher } from '../../src/lib/checkpoint/loadModel';
import { makeCity, type SynthCity } from '../models/studentFixture';

const TINY = { layers: 1, heads: 2, embd: 8, block: 32, dropout: 0, batch: 8, epochs: 2, seed: 3, lr: 5e-3 };

describe('TeacherSession', () => {
  let city: SynthCity;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 48, 16, 4);
  });

  function makeSession(hyper: object = {}) {
    const states: SessionState[] = [];
    const metrics: TeacherSessionMetrics[] = [];
    const epochs: TeacherSessionEpoch[] = [];
    const session = new TeacherSession({
      dataset: city.ds,
      derived: city.derived,
      hyper: { ...TINY, ...hyper },
      minEmitMs: 0,
      events: { state: (s) => states.push(s), metrics: (m) => metrics.push(m), epoch: (r) => void epochs.push(r) },
    });
    return { session, states, metrics, epochs };
  }

  it('steps, runs to the end with train/val perplexity per epoch', async () => {
    const { session, states, metrics, epochs } = makeSession();
    await session.step();
    expect(session.steps).toBe(1);
    expect(session.state).toBe('paused');
    expect(metrics[0].perplexity).toBeCloseTo(Math.exp(metrics[0].loss), 6);
    // A fresh model predicts roughly uniformly over the vocabulary.
    expect(metrics[0].perplexity).toBeGreaterThan(city.derived.grid.vocabSize / 4);
    await session.start();
    expect(session.state).toBe('done');
    expect(states.at(-1)).toBe('done');
    expect(session.steps).toBe(2 * session.stepsPerEpoch);
    expect(epochs).toHaveLength(2);
    expect(epochs[1].valPerplexity).toBeLessThan(epochs[0].valPerplexity);
    expect(epochs[1].trainPerplexity).toBeCloseTo(Math.exp(epochs[1].trainLoss), 6);
    expect(epochs[1].step).toBe(session.steps);
    expect(await session.step()).toBeNull(); // done: no more steps
    session.dispose();
  });

  it('a checkpoint resumes the run where it stopped; another network or kind is refused with the reason', async () => {
    const a = makeSession().session;
    await a.step();
    await a.step();
    const bytes = await a.checkpointBytes();
    const ck = decodeCheckpoint(bytes);
    expect(ck.kind).toBe('teacher');
    expect(ck.training.step).toBe(2);

    // A session rebuilt from the checkpoint's own settings takes it and continues like the original.
    const b = makeSession(teacherHyperOf(ck)).session;
    b.loadCheckpoint(bytes);
    expect(b.steps).toBe(2);
    const ma = await a.step();
    const mb = await b.step();
    expect(mb?.loss).toBeCloseTo(ma?.loss ?? NaN, 4);

    const bigger = makeSession({ embd: 16 }).session;
    expect(() => bigger.loadCheckpoint(bytes)).toThrow(/different model size\/config: nEmbd: 8 vs 16/);
    const foreign = decodeCheckpoint(bytes);
    foreign.fingerprint = '0000000000000000';
    expect(() => b.loadCheckpoint(encodeCheckpoint(foreign))).toThrow(/different road network/);

    // The trained teacher is usable for distillation (frozen, same vocabulary).
    const frozen = loadTeacher(await a.checkpointBytes({ best: true, optimizer: false }), city.derived).model;
    expect(frozen.paramCount).toBe(a.model.paramCount);
    frozen.dispose();
    for (const s of [a, b, bigger]) s.dispose();
  });

  it('normaliseTeacherHyper clamps values the trainer would reject', () => {
    const h = normaliseTeacherHyper({ batch: 0, epochs: -1, lr: -1, heads: 3, embd: 16, anchor: 'x' as 'end' });
    expect(h.batch).toBeGreaterThanOrEqual(1);
    expect(h.epochs).toBeGreaterThanOrEqual(1);
    expect(h.lr).toBeGreaterThan(0);
    expect(h.embd % h.heads).toBe(0);
    expect(h.anchor).toBe('centroid');
  });
});
