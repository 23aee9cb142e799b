import { describe, it, expect, beforeAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as checkpointModule from '../../src/lib/checkpoint/checkpoint';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/lib/checkpoint/checkpoint';
import { openSession, readRunCheckpoint, type SessionSetup } from '../../src/lib/train/openSession';
import { TrainingSession } from '../../src/lib/train/session';
import { TeacherSession } from '../../src/lib/train/teacherSession';
import { TrainRun } from '../../src/lib/train/trainRun';
import type { KeyValueStore } from '../../src/lib/train/savedRuns';
import type { TrainRunEvents, TrainState } from '../../src/lib/train/trainRunTypes';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';
import { memoryStore } from './memoryStore';
import type { ValCheckOptions, ValPoint } from '../../src/lib/train/valCheck';

// Every decode of a checkpoint goes through this spy (the session and the loaders import it too).
vi.mock('../../src/lib/checkpoint/checkpoint', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/lib/checkpoint/checkpoint')>();
  return { ...mod, decodeCheckpoint: vi.fn(mod.decodeCheckpoint) };
});
const decodeSpy = vi.mocked(checkpointModule.decodeCheckpoint);

const STUDENT = { mode: 'vanilla' as const, batch: 16, microBatch: 8, epochs: 2, seed: 3 };
const TEACHER = { layers: 1, heads: 2, embd: 8, block: 32, dropout: 0, batch: 8, epochs: 2, seed: 3, lr: 5e-3 };

describe('openSession', () => {
  let city: SynthCity;
  let setup: SessionSetup;
  let studentBytes: Uint8Array;
  let teacherBytes: Uint8Array;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 48, 16, 4);
    setup = { dataset: city.ds, derived: city.derived, studentConfig: TINY_STUDENT, minEmitMs: 0 };
    const s = openSession(setup, { kind: 'student', hyper: { ...STUDENT, lr: 2e-3 } }).session;
    await s.step();
    await s.step();
    studentBytes = (await s.save()).bytes;
    s.dispose();
    const t = openSession(setup, { kind: 'teacher', hyper: TEACHER }).session;
    await t.step();
    teacherBytes = (await t.save()).bytes;
    t.dispose();
  });

  it('opens a fresh run of either kind, with the settings given', () => {
    const s = openSession(setup, { kind: 'student', hyper: STUDENT });
    expect(s.session).toBeInstanceOf(TrainingSession);
    expect(s.checkpoint).toBeNull();
    expect(s.session.steps).toBe(0);
    expect(s.session.hyper).toMatchObject(STUDENT);
    const t = openSession(setup, { kind: 'teacher', hyper: TEACHER });
    expect(t.session).toBeInstanceOf(TeacherSession);
    for (const o of [s, t]) o.session.dispose();
  });

  it('continues a checkpoint with its own settings, decoding it exactly once', () => {
    decodeSpy.mockClear();
    const o = openSession(setup, {
      kind: 'student',
      hyper: { ...STUDENT, lr: 9e-4 },
      from: { bytes: studentBytes, name: 'a.safetensors' },
    });
    expect(decodeSpy).toHaveBeenCalledTimes(1);
    expect(o.session.steps).toBe(2);
    expect(o.checkpoint?.training.step).toBe(2);
    // The file's settings win over the base ones (its schedule continues).
    expect(o.session.hyper.lr).toBe(2e-3);
    expect(o.session.state).toBe('idle');
    o.session.dispose();

    decodeSpy.mockClear();
    const t = openSession(setup, { kind: 'teacher', hyper: {}, from: { bytes: teacherBytes, name: 't.safetensors' } });
    expect(decodeSpy).toHaveBeenCalledTimes(1);
    expect(t.session).toBeInstanceOf(TeacherSession);
    expect(t.session.steps).toBe(1);
    t.session.dispose();
  });

  it('refuses a file that is not a checkpoint, or of the other kind, with one message; the old run is kept', () => {
    const old = openSession(setup, { kind: 'student', hyper: STUDENT }).session;
    const tensors = tf.memory().numTensors;
    decodeSpy.mockClear();
    const garbage = new TextEncoder().encode('this is a csv file, not a checkpoint at all');
    expect(() => openSession(setup, { kind: 'student', hyper: STUDENT, from: { bytes: garbage, name: 'x.csv' }, replaces: old })).toThrow(
      /^not a TrajDistill checkpoint \(wrong file signature/,
    );
    expect(() =>
      openSession(setup, { kind: 'student', hyper: STUDENT, from: { bytes: teacherBytes, name: 't.safetensors' }, replaces: old }),
    ).toThrow(/^t\.safetensors holds a teacher model; student mode needs a student checkpoint$/);
    expect(() =>
      openSession(setup, { kind: 'teacher', hyper: TEACHER, from: { bytes: studentBytes, name: 's.safetensors' }, replaces: old }),
    ).toThrow(/^s\.safetensors holds a student model; teacher mode needs a teacher checkpoint$/);
    expect(() =>
      openSession(setup, {
        kind: 'student',
        hyper: STUDENT,
        from: { bytes: teacherBytes, name: 't.safetensors', use: 'transfer' },
        replaces: old,
      }),
    ).toThrow(/^t\.safetensors holds a teacher model; a transfer starts from a student checkpoint$/);
    expect(decodeSpy).toHaveBeenCalledTimes(4);
    // Nothing was built, nothing was freed.
    expect(tf.memory().numTensors).toBe(tensors);
    expect(old.state).toBe('idle');
    old.dispose();
  });

  it('refuses a checkpoint for another network after replacing the old run, and frees what it built', () => {
    const foreign = decodeCheckpoint(studentBytes);
    foreign.fingerprint = '0000000000000000';
    const bytes = encodeCheckpoint(foreign);
    const before = tf.memory().numTensors;
    const old = openSession(setup, { kind: 'student', hyper: STUDENT }).session;
    const dispose = vi.fn(() => old.dispose());
    decodeSpy.mockClear();
    expect(() =>
      openSession(setup, { kind: 'student', hyper: STUDENT, from: { bytes, name: 'f.safetensors' }, replaces: { dispose } }),
    ).toThrow(/different road network/);
    expect(decodeSpy).toHaveBeenCalledTimes(1);
    expect(dispose).toHaveBeenCalledTimes(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a distilled student without a teacher before touching the old run', () => {
    const dispose = vi.fn();
    expect(() => openSession(setup, { kind: 'student', hyper: { ...STUDENT, mode: 'distilled' }, replaces: { dispose } })).toThrow(
      'distilled mode needs a teacher checkpoint, which is not loaded',
    );
    expect(dispose).not.toHaveBeenCalled();
  });

  it("starts a fresh run from a checkpoint's weights (fine-tune): its own settings, a fresh optimiser, step 0", async () => {
    const o = openSession(setup, {
      kind: 'student',
      hyper: { ...STUDENT, lr: 9e-4, epochs: 3 },
      from: { bytes: studentBytes, name: 's.safetensors', use: 'init' },
    });
    const s = o.session as TrainingSession;
    expect(s.steps).toBe(0);
    expect(s.hyper.lr).toBe(9e-4);
    expect(s.hyper.epochs).toBe(3);
    const file = decodeCheckpoint(studentBytes);
    const mine = decodeCheckpoint((await s.save({ optimizer: true })).bytes);
    for (const [name, w] of Object.entries(file.weights)) expect(Array.from(mine.weights[name].data)).toEqual(Array.from(w.data));
    expect(mine.training.step).toBe(0);
    expect(mine.training.epoch).toBe(0);
    // Fresh moments: all zero (the file's are not).
    const moments = Object.entries(mine.weights).filter(([n]) => n.startsWith('optimizer.exp_avg.'));
    for (const [, m] of moments) expect(m.data.every((v) => v === 0)).toBe(true);
    s.dispose();
  });

  it("fine-tunes on the file's inputs: a student with route features goes on with them", async () => {
    const rf = openSession(setup, { kind: 'student', hyper: { ...STUDENT, routeFeatures: true } }).session as TrainingSession;
    await rf.step();
    const bytes = (await rf.save()).bytes;
    rf.dispose();
    const o = openSession(setup, {
      kind: 'student',
      hyper: { ...STUDENT, routeFeatures: false, lr: 9e-4 },
      from: { bytes, name: 'rf.safetensors', use: 'init' },
    });
    const s = o.session as TrainingSession;
    expect(s.hyper.routeFeatures).toBe(true);
    expect(s.hyper.routes).toBe(false);
    expect(s.hyper.lr).toBe(9e-4);
    await s.step();
    s.dispose();
    // A file without route features keeps them off, whatever the form asked.
    const plain = openSession(setup, {
      kind: 'student',
      hyper: { ...STUDENT, routeFeatures: true },
      from: { bytes: studentBytes, name: 's.safetensors', use: 'init' },
    });
    expect((plain.session as TrainingSession).hyper.routeFeatures).toBe(false);
    plain.session.dispose();
  });

  it('refuses a fine-tune from a checkpoint of another size or network, or of a teacher, with the reason', () => {
    const bigger = decodeCheckpoint(studentBytes);
    bigger.config = { ...(bigger.config as object), timeDim: 16 };
    expect(() =>
      openSession(setup, {
        kind: 'student',
        hyper: STUDENT,
        from: { bytes: encodeCheckpoint(bigger), name: 'b.safetensors', use: 'init' },
      }),
    ).toThrow(/timeDim/);
    const foreign = decodeCheckpoint(studentBytes);
    foreign.fingerprint = '0000000000000000';
    expect(() =>
      openSession(setup, {
        kind: 'student',
        hyper: STUDENT,
        from: { bytes: encodeCheckpoint(foreign), name: 'f.safetensors', use: 'init' },
      }),
    ).toThrow(/different road network/);
    expect(() =>
      openSession(setup, { kind: 'student', hyper: STUDENT, from: { bytes: teacherBytes, name: 't.safetensors', use: 'init' } }),
    ).toThrow(/^t\.safetensors holds a teacher model; a fine-tune starts from a student checkpoint$/);
  });

  it('readRunCheckpoint decodes and checks the kind', () => {
    expect(readRunCheckpoint(studentBytes, 'a', 'student').kind).toBe('student');
    expect(() => readRunCheckpoint(new Uint8Array(4), 'a', 'student')).toThrow('not a checkpoint: only 4 bytes');
  });
});

describe('TrainRun', () => {
  let city: SynthCity;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 48, 16, 4);
  });

  function makeRun(store: KeyValueStore = memoryStore(), valCheck?: ValCheckOptions) {
    const states: TrainState[] = [];
    const saved: string[][] = [];
    const errors: string[] = [];
    const events: TrainRunEvents = {
      state: (s) => void states.push(s),
      metrics: () => {},
      epoch: () => {},
      teacherMetrics: () => {},
      teacherEpoch: () => {},
      saved: (_k, runs) => void saved.push(runs.map((r) => r.id)),
      probe: () => {},
      error: (m) => void errors.push(m),
      stepProgress: () => {},
      workers: () => {},
      valPoint: (p) => void valPoints.push(p),
    };
    const valPoints: ValPoint[] = [];
    const run = new TrainRun({ events, store, studentConfig: TINY_STUDENT, minEmitMs: 0, valCheck });
    return { run, states, saved, errors, valPoints };
  }

  it('scores the fixed val subset every N steps before the first epoch ends, into the chart', async () => {
    const { run, valPoints, errors } = makeRun(memoryStore(), { everySteps: 2, trips: 3 });
    await run.attach({ dataset: city.ds, derived: city.derived, backendName: 'cpu', shippedTeacher: { bytes: null } });
    const cfg = await run.configure('student', { ...STUDENT, batch: 4, microBatch: 4 });
    expect(cfg.stepsPerEpoch).toBeGreaterThan(4);
    for (let i = 0; i < 4; i++) await run.step();
    expect(valPoints.map((p) => [p.step, p.epoch, p.trips, p.whole])).toEqual([
      [1, 0, 3, false],
      [2, 0, 3, false],
      [4, 0, 3, false],
    ]);
    for (const p of valPoints) {
      expect(Number.isFinite(p.valNllDecision)).toBe(true);
      expect(p.valAccDecision).toBeGreaterThanOrEqual(0);
    }
    expect(errors).toEqual([]);
  });

  it('configures, steps, autosaves into one slot, and resumes the saved run in a new TrainRun', async () => {
    const store = memoryStore();
    const a = makeRun(store);
    const run = a.run;
    const ready = await run.attach({ dataset: city.ds, derived: city.derived, backendName: 'cpu', shippedTeacher: { bytes: null } });
    expect(ready.dataset.train).toBe(city.ds.splits.train.length);
    expect(ready.dataset.teacher.loaded).toBe(false);
    const cfg = await run.configure('student', STUDENT);
    expect(cfg.kind).toBe('student');
    await run.step();
    await run.step();
    const out = await run.exportCheckpoint(false);
    expect(out.name).toMatch(/^student-vanilla-[0-9a-f]{8}-s2\.safetensors$/);

    const second = makeRun(store);
    const b = second.run;
    const readyB = await b.attach({ dataset: city.ds, derived: city.derived, backendName: 'cpu', shippedTeacher: { bytes: null } });
    expect(readyB.saved.student).toHaveLength(1);
    const loaded = await b.resumeSaved('student');
    expect(loaded.step).toBe(2);
    expect(loaded.runId).toBe(readyB.saved.student[0].id);
    expect(loaded.state).toBe('paused');
    // Refused uploads say why and leave the run usable.
    await expect(b.loadCheckpoint(new Uint8Array(3), 'x.safetensors', 'student')).rejects.toThrow('not a checkpoint: only 3 bytes');
    await expect(b.loadCheckpoint(new Uint8Array(out.bytes), 'y.safetensors', 'teacher')).rejects.toThrow(
      'y.safetensors holds a student model; teacher mode needs a teacher checkpoint',
    );
    const again = await b.loadCheckpoint(new Uint8Array(out.bytes), 'y.safetensors', 'student');
    expect(again.step).toBe(2);
    expect(a.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });

  it('refuses calls before attach, and everything after a GPU failure', async () => {
    const { run, states } = makeRun();
    await expect(run.configure('student', STUDENT)).rejects.toThrow('the worker is not initialised yet');
    await run.attach({ dataset: city.ds, derived: city.derived, backendName: 'cpu', shippedTeacher: { url: 'nowhere', bytes: null } });
    run.deviceFailed('lost');
    expect(states.at(-1)).toBe('paused');
    await expect(run.step()).rejects.toThrow(/the GPU failed \(lost\)/);
  });
});
