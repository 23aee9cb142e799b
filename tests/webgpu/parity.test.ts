// The app's WebGPU backend (tfjs-backend-webgpu) in Node, on Dawn over SwiftShader's Vulkan (see
// src/cli/common/dawn.ts), against wasm on the same seeds and data: what the e2e parity specs check
// through the page, caught here in seconds. On the grid-town fixture (120 roads), as those specs:
//   - a tiny teacher and a distilled student taught by it (teacher inference, KL, frozen encoders)
//     take two optimiser steps each: the same losses to 1e-3 (the second after an update, so the
//     gradients and AdamW too), and the tuning worker's search runs two trials (vanilla, distilled)
//     to the same val NLLs — e2e/parityTrain.spec.ts;
//   - the teaching view's numbers for val trips (the teach worker's explainTrip: teacher
//     probabilities, student logits, surprisal; a synchronous read once made the teacher's uniform
//     zeros on WebGPU) — e2e/parity.spec.ts;
//   - beam search from those students: the same routes and log-probs — e2e/parityEval.spec.ts;
//   - a destroyed device is reported as lost, and the run's last save resumes on wasm —
//     e2e/deviceLoss.spec.ts's worker half.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useDawnGpu } from '../../src/cli/common/dawn';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { selectBackend } from '../../src/lib/runtime/backend';
import { nodeWasmDir } from '../../src/lib/runtime/node';
import { openSession, type SessionSetup } from '../../src/lib/train/openSession';
import { TrainingSession } from '../../src/lib/train/session';
import { TeacherSession } from '../../src/lib/train/teacherSession';
import { loadTeacher } from '../../src/lib/checkpoint/loadModel';
import { loadStudentScorer } from '../../src/lib/eval/protocol';
import { generateRoutes, type GenOD } from '../../src/lib/generate/generator';
import { explainTrip } from '../../src/lib/teach/explain';
import { DEFAULT_SEARCH, TuningSearch } from '../../src/lib/tune/search';
import { SessionTrialRunner } from '../../src/lib/tune/sessionRunner';
import { normaliseHyper } from '../../src/lib/train/sessionHyper';
import { destroyGpuDevice, watchGpuDevice } from '../../workers/gpuWatch';
import type { Dataset } from '../../src/lib/data/types';
import type { Derived } from '../../src/lib/data/derivedTypes';
import { TINY_STUDENT } from '../models/studentFixture';
import { flatAdamWCalls } from '../../src/lib/train/flatAdamW';
import { generationSearch } from '../../bench/suites/suites';

const GRID = join(__dirname, '../../e2e/fixtures/grid-town');
// e2e/parityTrain.spec.ts's settings (its URL query).
const TEACHER = { layers: 1, heads: 2, embd: 16, block: 16, dropout: 0, batch: 2, epochs: 1, seed: 5 };
const STUDENT = { mode: 'distilled' as const, batch: 2, epochs: 1, freezeEncoders: true, maxLen: 16, seed: 5 };
const SKIP = process.env.TRAJDISTILL_DAWN_SKIP;

type Backend = 'wasm' | 'webgpu';

async function use(name: Backend): Promise<void> {
  const info = await selectBackend({ preferred: name, order: [name], wasmPaths: nodeWasmDir() });
  if (info.name !== name) throw new Error(`backend ${name} did not start: ${JSON.stringify(info.tried)}`);
}

interface Run {
  teacherLosses: number[];
  studentLosses: number[];
  /** The distillation term of each student step: the teacher did take part. */
  kl: number[];
  teacherBytes: Uint8Array;
  studentBytes: Uint8Array;
  /** Teacher and student updates through the concatenated AdamW (flatAdamW.ts): WebGPU's path, not wasm's. */
  flatUpdates: [number, number];
}

/** parityTrain's sequence on one backend: two teacher steps, its best teacher, two distilled steps. */
async function train(backend: Backend, ds: Dataset, derived: Derived): Promise<Run> {
  await use(backend);
  const setup: SessionSetup = { dataset: ds, derived, backendName: backend, minEmitMs: 0, studentConfig: TINY_STUDENT };
  const t = openSession(setup, { kind: 'teacher', hyper: TEACHER }).session as TeacherSession;
  const flatTeacher0 = flatAdamWCalls();
  const teacherLosses = [(await t.step())!.loss, (await t.step())!.loss];
  const flatTeacherUpdates = flatAdamWCalls() - flatTeacher0;
  const teacherBytes = (await t.save({ best: true, optimizer: false })).bytes;
  t.dispose();
  const teacher = loadTeacher(teacherBytes, derived).model;
  const s = openSession({ ...setup, teacher }, { kind: 'student', hyper: STUDENT }).session as TrainingSession;
  const flat0 = flatAdamWCalls();
  const steps = [(await s.step())!, (await s.step())!];
  const flatUpdates = flatAdamWCalls() - flat0;
  const studentLosses = steps.map((m) => m.total);
  const kl = steps.map((m) => m.kl);
  const studentBytes = (await s.save()).bytes;
  s.dispose();
  teacher.dispose();
  return { teacherLosses, studentLosses, kl, teacherBytes, studentBytes, flatUpdates: [flatTeacherUpdates, flatUpdates] };
}

/** The teaching view's numbers (the teach worker's explainTrip) for val trips: teacher probabilities, student logits, surprisal. */
async function teachNumbers(
  backend: Backend,
  run: Run,
  ds: Dataset,
  derived: Derived,
): Promise<{ teacher: number[]; student: number[]; surprisal: number[] }> {
  await use(backend);
  const teacher = loadTeacher(run.teacherBytes, derived).model;
  const m = loadStudentScorer(run.studentBytes, ds.network, derived);
  const out = { teacher: [] as number[], student: [] as number[], surprisal: [] as number[] };
  try {
    for (const trip of ds.splits.val.slice(0, 2)) {
      const exp = await explainTrip(m.ctx, { teacher, vanilla: null, distilled: m.student }, trip, { window: 7 });
      for (const st of exp.steps) {
        out.teacher.push(...st.teacherRaw);
        out.student.push(...(st.distilled ?? []));
      }
      out.surprisal.push(...exp.surprisal);
    }
  } finally {
    m.dispose();
    teacher.dispose();
  }
  return out;
}

/** The tuning worker's search with the Tune panel's settings: trial 0 (vanilla) and trial 1 (distilled), one epoch each. */
async function tuneValues(backend: Backend, run: Run, ds: Dataset, derived: Derived): Promise<(number | null)[]> {
  await use(backend);
  const teacher = loadTeacher(run.teacherBytes, derived).model;
  const states = new Map<number, Uint8Array>();
  const store = {
    load: async (t: number) => states.get(t) ?? null,
    save: async (t: number, b: Uint8Array) => void states.set(t, b),
    remove: async (t: number) => void states.delete(t),
  };
  const settings = { ...DEFAULT_SEARCH, minBudget: 1, maxBudget: 1 };
  const base = normaliseHyper({ batch: 16, microBatch: 16, maxLen: 16, trainFrac: 0.1, seed: 42 });
  const runner = new SessionTrialRunner({ dataset: ds, derived, teacher, base, maxBudget: 1, store, studentConfig: TINY_STUDENT });
  try {
    const trials = await new TuningSearch(settings, { dataset: derived.fingerprint }, [], async () => {}).run(2, runner);
    return trials.map((t) => t.value);
  } finally {
    runner.dispose();
    teacher.dispose();
  }
}

function odsOf(ds: Dataset): GenOD[] {
  return ds.splits.test
    .filter((t) => t.roads.length >= 3)
    .slice(0, 3)
    .map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1], startTime: t.times[0] }));
}

async function routesOf(
  backend: Backend,
  bytes: Uint8Array,
  ds: Dataset,
  derived: Derived,
): Promise<{ roads: number[][]; logProbs: number[] }> {
  await use(backend);
  const m = loadStudentScorer(bytes, ds.network, derived);
  try {
    const routes = await generateRoutes(m.scorer, odsOf(ds), { ...generationSearch(derived, { beam: 2 }), method: 'beam' });
    return { roads: routes.map((r) => r.roads), logProbs: routes.map((r) => r.logProb) };
  } finally {
    m.dispose();
  }
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

describe.skipIf(!!SKIP)(`WebGPU (Dawn on SwiftShader) against wasm${SKIP ? ` — skipped: ${SKIP}` : ''}`, () => {
  let ds: Dataset;
  let derived: Derived;
  let wasm: Run;
  let gpu: Run;

  beforeAll(async () => {
    const dawn = await useDawnGpu();
    if (!dawn.ok) throw new Error(dawn.reason);
    ({ dataset: ds, derived } = await loadDatasetWithDerived(GRID));
    wasm = await train('wasm', ds, derived);
    gpu = await train('webgpu', ds, derived);
  }, 300_000);

  it('a teacher and a distilled student take two steps with the same losses (to 1e-3)', () => {
    for (const v of [...wasm.teacherLosses, ...wasm.studentLosses, ...gpu.teacherLosses, ...gpu.studentLosses])
      expect(v).toBeGreaterThan(0);
    expect(maxAbsDiff(gpu.teacherLosses, wasm.teacherLosses)).toBeLessThan(1e-3);
    expect(maxAbsDiff(gpu.studentLosses, wasm.studentLosses)).toBeLessThan(1e-3);
    for (const v of [...wasm.kl, ...gpu.kl]) expect(v).toBeGreaterThan(0);
    expect(maxAbsDiff(gpu.kl, wasm.kl)).toBeLessThan(1e-3);
    // AdamW: the concatenated update on WebGPU; on wasm the composed one (teacher) and one JS kernel
    // per variable (student).
    expect([wasm.flatUpdates, gpu.flatUpdates]).toEqual([
      [0, 0],
      [2, 2],
    ]);
  });

  it("the teaching view's teacher and student numbers are the same, not uniform zeros", async () => {
    const a = await teachNumbers('wasm', wasm, ds, derived);
    const b = await teachNumbers('webgpu', wasm, ds, derived);
    expect(a.teacher.length).toBeGreaterThan(4);
    expect(a.student.length).toBe(a.teacher.length);
    // Not uniform: the zeros of a synchronous read would renormalise to 1/C everywhere.
    expect(Math.max(...b.teacher) - Math.min(...b.teacher)).toBeGreaterThan(1e-3);
    for (const k of ['teacher', 'student', 'surprisal'] as const) expect(maxAbsDiff(b[k], a[k])).toBeLessThan(1e-3);
  }, 300_000);

  it('two tuning trials (vanilla, distilled) reach the same val decision NLL', async () => {
    const a = await tuneValues('wasm', wasm, ds, derived);
    const b = await tuneValues('webgpu', wasm, ds, derived);
    expect(a).toHaveLength(2);
    for (const v of [...a, ...b]) expect(v).toBeGreaterThan(0);
    expect(maxAbsDiff(b as number[], a as number[])).toBeLessThan(1e-3);
  }, 300_000);

  it("beam search gives the same routes and log-probs (the student's scores at every step)", async () => {
    const a = await routesOf('wasm', wasm.studentBytes, ds, derived);
    const b = await routesOf('webgpu', wasm.studentBytes, ds, derived);
    expect(a.roads.every((r) => r.length >= 2)).toBe(true);
    expect(b.roads).toEqual(a.roads);
    expect(maxAbsDiff(b.logProbs, a.logProbs)).toBeLessThan(1e-3);
  }, 300_000);

  it('a destroyed device is reported as lost, and the last save resumes on wasm', async () => {
    await use('webgpu');
    const setup: SessionSetup = { dataset: ds, derived, backendName: 'webgpu', minEmitMs: 0, studentConfig: TINY_STUDENT };
    const s = openSession(setup, { kind: 'student', hyper: { ...STUDENT, mode: 'vanilla' } }).session;
    await s.step();
    const saved = (await s.save()).bytes;
    const lost = new Promise<string>((resolve) => expect(watchGpuDevice(resolve)).toBe(true));
    expect(destroyGpuDevice()).toBe(true);
    expect(await lost).toMatch(/^the GPU device was lost/);
    tf.removeBackend('webgpu');
    await use('wasm');
    const resumed = openSession({ ...setup, backendName: 'wasm' }, { kind: 'student', hyper: {}, from: { bytes: saved, name: 'autosave' } })
      .session as TrainingSession;
    expect(resumed).toBeInstanceOf(TrainingSession);
    expect(resumed.steps).toBe(1);
    expect((await resumed.step())!.total).toBeGreaterThan(0);
    expect(resumed.steps).toBe(2);
    resumed.dispose();
  }, 300_000);
});
