import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  assertCompatible,
  decodeCheckpoint,
  encodeCheckpoint,
  loadIntoVariables,
  weightsFromVariables,
  type Checkpoint,
} from '../../src/lib/checkpoint/checkpoint';
import { canonicalName } from '../../src/lib/features/variableNames';
import { AdamW, DEFAULT_OPTIM } from '../../src/lib/train/optim';
import { TeacherModel, type TeacherConfig } from '../../src/lib/models/teacher';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cfg: TeacherConfig = { vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0.1, collapse: false };

function makeCheckpoint(): { ck: Checkpoint<TeacherConfig>; model: TeacherModel; opt: AdamW } {
  const model = new TeacherModel(cfg, 4);
  const opt = new AdamW(model.variables, { ...DEFAULT_OPTIM, warmupSteps: 0, totalSteps: 10 });
  const { value, grads } = tf.variableGrads(() => model.loss([[12, 1, 2, 3, 11]]), model.variables);
  opt.step(grads);
  tf.dispose([value, grads]);
  const ck: Checkpoint<TeacherConfig> = {
    kind: 'teacher',
    config: cfg,
    fingerprint: 'net-aaaa',
    training: { epoch: 3, step: 1, optimizer: opt.getState(), extra: { bestEpoch: 2 } },
    hyper: { lr: 1e-3, seed: 7 },
    created: '2025-01-01T00:00:00.000Z',
    weights: weightsFromVariables(model.variables),
  };
  return { ck, model, opt };
}

describe('checkpoint format', () => {
  it('round-trips bytes: header, weights and optimiser state', () => {
    const { ck, model, opt } = makeCheckpoint();
    const bytes = encodeCheckpoint(ck);
    const back = decodeCheckpoint(bytes);
    expect(back.kind).toBe('teacher');
    expect(back.config).toEqual(cfg);
    expect(back.fingerprint).toBe('net-aaaa');
    expect(back.training.epoch).toBe(3);
    expect(back.training.extra).toEqual({ bestEpoch: 2 });
    expect(back.hyper).toEqual({ lr: 1e-3, seed: 7 });
    expect(back.created).toBe(ck.created);
    expect(Object.keys(back.weights).sort()).toEqual(Object.keys(ck.weights).sort());
    for (const k of Object.keys(ck.weights)) {
      expect(back.weights[k].shape).toEqual(ck.weights[k].shape);
      expect(Array.from(back.weights[k].data)).toEqual(Array.from(ck.weights[k].data));
    }
    expect(back.training.optimizer?.step).toBe(1);
    const m = ck.training.optimizer!.m['teacher/wte'];
    expect(Array.from(back.training.optimizer!.m['teacher/wte'])).toEqual(Array.from(m));
    // Re-encoding gives identical bytes; decoding from an unaligned view works.
    expect(encodeCheckpoint(back)).toEqual(bytes);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeCheckpoint(shifted.subarray(3)).weights['teacher/wte'].data[0]).toBe(ck.weights['teacher/wte'].data[0]);

    // Loads into a second live instance ("teacher/...#2" names) and restores its optimiser.
    const model2 = new TeacherModel(cfg, 99);
    expect(canonicalName(model2.variables[0].name)).toBe('teacher/wte');
    loadIntoVariables(model2.variables, back.weights);
    expect(Array.from(model2.wte.dataSync())).toEqual(Array.from(model.wte.dataSync()));
    const opt2 = new AdamW(model2.variables, { ...DEFAULT_OPTIM, warmupSteps: 0, totalSteps: 10 });
    opt2.setState(back.training.optimizer!);
    expect(opt2.stepCount).toBe(1);
    opt.dispose();
    opt2.dispose();
    model.dispose();
    model2.dispose();
  });

  it('refuses a checkpoint for another road network, naming both fingerprints', () => {
    const { ck, model, opt } = makeCheckpoint();
    const back = decodeCheckpoint(encodeCheckpoint(ck));
    expect(() => assertCompatible(back, { kind: 'teacher', fingerprint: 'net-bbbb', config: cfg })).toThrow(
      /different road network.*net-aaaa.*net-bbbb/,
    );
    expect(() => assertCompatible(back, { kind: 'teacher', fingerprint: 'net-aaaa', config: cfg })).not.toThrow();
    // Dropout does not change the weights' meaning: ignored by default.
    expect(() => assertCompatible(back, { kind: 'teacher', fingerprint: 'net-aaaa', config: { ...cfg, dropout: 0 } })).not.toThrow();
    opt.dispose();
    model.dispose();
  });

  it('refuses a different model size, naming the differing keys, and the wrong kind', () => {
    const { ck, model, opt } = makeCheckpoint();
    const other = { ...cfg, nLayer: 4, nEmbd: 32 };
    let msg = '';
    try {
      assertCompatible(ck, { kind: 'teacher', fingerprint: 'net-aaaa', config: other });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/model size/);
    expect(msg).toMatch(/nLayer: 1 vs 4/);
    expect(msg).toMatch(/nEmbd: 8 vs 32/);
    expect(msg).not.toMatch(/nHead/);
    expect(() => assertCompatible(ck, { kind: 'student', fingerprint: 'net-aaaa', config: cfg })).toThrow(/teacher.*student/);
    // Shape check when loading weights directly.
    const big = new TeacherModel({ ...cfg, nEmbd: 16 }, 1);
    expect(() => loadIntoVariables(big.variables, ck.weights)).toThrow(/shape/);
    big.dispose();
    opt.dispose();
    model.dispose();
  });

  it('refuses truncated, corrupted and foreign bytes with a clear error', () => {
    const { ck, model, opt } = makeCheckpoint();
    const bytes = encodeCheckpoint(ck);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 40))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 5))).toThrow(/not a checkpoint/);
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 7] ^= 0xff;
    expect(() => decodeCheckpoint(corrupt)).toThrow(/corrupt/);
    const foreign = new TextEncoder().encode('{"weights": []} not a checkpoint at all');
    expect(() => decodeCheckpoint(foreign)).toThrow(/signature/);
    opt.dispose();
    model.dispose();
  });
});
