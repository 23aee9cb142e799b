// Every training speed lever leaves the recipe and the maths unchanged. The same
// trainer settings with all levers off, all on, and each alone give the same losses (1e-5) and
// gradient norms step after step; the fused GATv2 kernel matches the composed ops in value and
// gradient, on cpu and on wasm.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_OFF, TRAINING_LEVERS_ON, TRAINING_LEVER_NAMES, type TrainingLevers } from '../../src/lib/train/trainingLevers';
import { applyGatV2, gatV2Params, ParamStore, prepareGatGraph } from '../../src/lib/models/layers';
import { fusedGatAvailable, fusedGatSimdCalls } from '../../src/lib/models/fusedGat';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

let city: SynthCity;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 40, 16, 4);
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Losses and gradient norms of `steps` optimiser steps (two epochs of uneven batches). */
function run(levers: TrainingLevers, steps: number, microBatch = 12): Array<{ ce: number; time: number; total: number; gradNorm: number }> {
  const t = new StudentTrainer({
    network: city.net,
    derived: city.derived,
    // Trips of different lengths, so batches are padded and packRows has work to do.
    train: city.ds.splits.train,
    studentConfig: TINY_STUDENT,
    options: { batchSize: 12, microBatch, epochs: 4, lr: 5e-3, warmupRatio: 0, seed: 3, ...levers },
  });
  try {
    const out = [];
    for (let i = 0; i < steps; i++) {
      const m = t.step();
      out.push({ ce: m.ce, time: m.time, total: m.total, gradNorm: m.gradNorm });
    }
    return out;
  } finally {
    t.dispose();
  }
}

function expectSame(a: ReturnType<typeof run>, b: ReturnType<typeof run>): void {
  expect(a.length).toBe(b.length);
  a.forEach((s, i) => {
    for (const k of ['ce', 'time', 'total', 'gradNorm'] as const) {
      expect(Math.abs(s[k] - b[i][k]), `step ${i} ${k}: ${s[k]} vs ${b[i][k]}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(s[k])));
    }
  });
}

describe('training levers', () => {
  it('give the same losses and gradient norms with all levers off, all on and each alone', () => {
    const steps = 5;
    const off = run(TRAINING_LEVERS_OFF, steps);
    expect(off.every((s) => Number.isFinite(s.total) && s.total > 0)).toBe(true);
    expectSame(off, run(TRAINING_LEVERS_ON, steps));
    for (const name of TRAINING_LEVER_NAMES) expectSame(off, run({ ...TRAINING_LEVERS_OFF, [name]: true }, steps));
  });

  it('really change the computation (the fused kernels run; dense layers see only real positions)', async () => {
    const kernels = async (levers: TrainingLevers) => {
      const t = new StudentTrainer({
        network: city.net,
        derived: city.derived,
        train: city.ds.splits.train,
        studentConfig: TINY_STUDENT,
        options: { batchSize: 12, microBatch: 12, epochs: 1, seed: 3, ...levers },
      });
      try {
        t.step();
        const info = await tf.profile(() => void t.step());
        return info.kernels;
      } finally {
        t.dispose();
      }
    };
    const off = await kernels(TRAINING_LEVERS_OFF);
    const on = await kernels(TRAINING_LEVERS_ON);
    expect(off.some((k) => k.name === 'TrajDistillGatV2')).toBe(false);
    expect(on.some((k) => k.name === 'TrajDistillGatV2')).toBe(true);
    expect(on.some((k) => k.name === 'TrajDistillGatV2Grad')).toBe(true);
    expect(off.some((k) => k.name === 'TrajDistillAdamW')).toBe(false);
    expect(on.some((k) => k.name === 'TrajDistillAdamW')).toBe(true);
    // The qkv matmul ([rows, D]·[D, 3D]) runs on fewer rows when padding is skipped.
    const D = TINY_STUDENT.roadIdDim + 4 * TINY_STUDENT.roadFeatDim + TINY_STUDENT.timeDim;
    const qkvRows = (ks: typeof on) =>
      ks.filter((k) => k.name === 'BatchMatMul' && k.inputShapes[1]?.join() === `${D},${3 * D}`).map((k) => k.inputShapes[0]?.[0] ?? 0);
    expect(Math.max(...qkvRows(on))).toBeLessThan(Math.min(...qkvRows(off)));
  });

  it('give the same losses with gradient accumulation (several micro-batches per step)', () => {
    expectSame(run(TRAINING_LEVERS_OFF, 3, 5), run(TRAINING_LEVERS_ON, 3, 5));
  });

  // Width 5: the JS passes; width 8 on wasm: the SIMD kernels (widths that are multiples of 4).
  for (const [backend, width] of [
    ['cpu', 5],
    ['wasm', 5],
    ['wasm', 8],
  ] as const) {
    it(`fused GATv2 matches the composed layer in value and gradient (${backend}, width ${width})`, async () => {
      if (backend === 'wasm') expect((await initNodeBackend('wasm')).name).toBe('wasm');
      else await tf.setBackend('cpu');
      expect(fusedGatAvailable()).toBe(true);
      const rng = makeRng(5);
      const nNodes = 40;
      const nEdges = 150;
      const src = Int32Array.from({ length: nEdges }, () => Math.floor(rng() * nNodes));
      const dst = Int32Array.from({ length: nEdges }, () => Math.floor(rng() * nNodes));
      const attr = Float32Array.from({ length: nEdges * 2 }, () => rng() * 2 - 1);
      const g = prepareGatGraph(nNodes, src, dst, attr, 2);
      const store = new ParamStore(11, `fusedGatTest-${backend}-${width}`);
      const p = gatV2Params(store, 'gat', 6, width, 2);
      const x = tf.tensor2d(
        Float32Array.from({ length: nNodes * 6 }, () => rng() * 2 - 1),
        [nNodes, 6],
      );
      const probe = tf.tensor2d(
        Float32Array.from({ length: nNodes * width }, () => rng() * 2 - 1),
        [nNodes, width],
      );
      const simdBefore = fusedGatSimdCalls();
      try {
        const vars = store.variables();
        const result = (fused: boolean) => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(applyGatV2(p, x, g, fused), probe)) as tf.Scalar, vars);
          const out = {
            value: value.dataSync()[0],
            grads: Object.fromEntries(Object.entries(grads).map(([k, v]) => [k, Array.from(v.dataSync())])),
          };
          tf.dispose([value, ...Object.values(grads)]);
          return out;
        };
        const a = result(false);
        const b = result(true);
        expect(Math.abs(a.value - b.value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a.value)));
        expect(Object.keys(b.grads).sort()).toEqual(Object.keys(a.grads).sort());
        for (const k of Object.keys(a.grads)) {
          const scale = Math.max(1, ...a.grads[k].map(Math.abs));
          a.grads[k].forEach((v, i) => expect(Math.abs(v - b.grads[k][i]), `${k}[${i}]`).toBeLessThan(1e-5 * scale));
        }
        // The gradients are not all zero (the test would pass trivially otherwise).
        expect(Object.values(b.grads).some((v) => v.some((e) => Math.abs(e) > 1e-3))).toBe(true);
        expect(fusedGatSimdCalls() - simdBefore).toBe(backend === 'wasm' && width % 4 === 0 ? 2 : 0);
      } finally {
        tf.dispose([x, probe]);
        g.dispose();
        store.dispose();
        await tf.setBackend('cpu');
      }
    });
  }
});
