import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { gelu, matMulFast } from '../../src/lib/models/layers';
import {
  TeacherModel,
  defaultTeacherConfig,
  logSumExpRows,
  specialTokens,
  teacherWindow,
  tripToCells,
  tripToTokens,
  type TeacherConfig,
} from '../../src/lib/models/teacher';
import { AdamW, DEFAULT_OPTIM } from '../../src/lib/train/optim';
import { canonicalName } from '../../src/lib/features/variableNames';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = (over: Partial<TeacherConfig> = {}): TeacherConfig => ({
  vocabSize: 23, // 20 cells + PAD/EOT/SOT
  blockSize: 16,
  nLayer: 2,
  nHead: 2,
  nEmbd: 16,
  dropout: 0,
  collapse: false,
  ...over,
});

describe('tokenisation', () => {
  it('maps roads through ψ, optionally collapsing repeats, and adds SOT/EOT', () => {
    const roadCell = Int32Array.from([5, 5, 7, 7, 5]);
    expect(tripToCells([0, 1, 2, 3, 4], roadCell, false)).toEqual([5, 5, 7, 7, 5]);
    expect(tripToCells([0, 1, 2, 3, 4], roadCell, true)).toEqual([5, 7, 5]);
    const sp = specialTokens(23);
    expect(sp).toEqual({ pad: 20, eot: 21, sot: 22 });
    expect(tripToTokens([0, 2], roadCell, false, sp)).toEqual([22, 5, 7, 21]);
    expect(teacherWindow([1, 1, 2, 3, 3, 4], 3, false)).toEqual([3, 3, 4]);
    expect(teacherWindow([1, 1, 2, 3, 3, 4], 3, true)).toEqual([2, 3, 4]);
    expect(teacherWindow([1, 2], Infinity, false)).toEqual([1, 2]);
  });
});

describe('TeacherModel', () => {
  it('has the expected shapes, names, tied head and parameter count', () => {
    const m = new TeacherModel(tiny());
    const D = 16;
    expect(m.paramCount).toBe(23 * D + 16 * D + 2 * (12 * D * D + 2 * D) + D);
    expect(m.variables.map((v) => v.name)).toContain('teacher/h1/attn/c_attn');
    const tokens = tf.tensor2d(
      [
        [22, 1, 2, 3],
        [22, 4, 20, 20],
      ],
      undefined,
      'int32',
    );
    const logits = m.logits(tokens);
    expect(logits.shape).toEqual([2, 4, 23]);
    // Tied head: logits = ln_f(h) · wteᵀ, so changing wte changes logits through the head too.
    const h = m.hidden(tokens);
    const manual = tf.tidy(() => tf.matMul(tf.reshape(h, [8, D]), m.wte, false, true));
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.reshape(logits, [8, 23]), manual))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    expect(m.variables.some((v) => v.shape[0] === 23 && v.shape[1] === D && v !== m.wte)).toBe(false);
    tf.dispose([tokens, logits, h, manual]);
    m.dispose();
  });

  it('the default config is small (reported size)', () => {
    const cfg = defaultTeacherConfig(8061, 256);
    const D = cfg.nEmbd;
    const count = cfg.vocabSize * D + cfg.blockSize * D + cfg.nLayer * (12 * D * D + 2 * D) + D;
    expect(count).toBe(630_912);
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const m = new TeacherModel(tiny(), 3);
    const a = tf.tensor2d([[22, 1, 2, 3, 4, 5]], undefined, 'int32');
    const b = tf.tensor2d([[22, 1, 2, 9, 4, 5]], undefined, 'int32');
    const la = m.logits(a).arraySync()[0];
    const lb = m.logits(b).arraySync()[0];
    for (let t = 0; t < 3; t++) for (let v = 0; v < 23; v++) expect(lb[t][v]).toBeCloseTo(la[t][v], 5);
    const changed = la[3].some((x, v) => Math.abs(x - lb[3][v]) > 1e-4);
    expect(changed).toBe(true);
    tf.dispose([a, b]);
    m.dispose();
  });

  it('nextCellProbs for ragged windows equals separate unpadded passes', () => {
    const m = new TeacherModel(tiny(), 5);
    const windows = [[1, 2, 3], [4], [5, 6, 7, 8, 9]];
    const batched = m.nextCellProbs(windows);
    expect(batched.shape).toEqual([3, 23]);
    const rows = batched.arraySync();
    windows.forEach((w, r) => {
      const single = m.nextCellProbs([w]);
      const s = single.arraySync()[0];
      s.forEach((p, v) => expect(rows[r][v]).toBeCloseTo(p, 5));
      expect(s.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);
      single.dispose();
    });
    batched.dispose();
    m.dispose();
  });

  it('matMulFast and logSumExpRows give the same values and gradients as the tf built-ins', () => {
    const a = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
    const b = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    const w = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const f1 = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(logSumExpRows(matMulFast(x, y)), tf.range(1, 6)));
    const f2 = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.logSumExp(tf.matMul(x, y), 1), tf.range(1, 6)));
    const g1 = tf.grads(f1)([a, b]);
    const g2 = tf.grads(f2)([a, b]);
    expect(f1(a, b).dataSync()[0]).toBeCloseTo(f2(a, b).dataSync()[0], 4);
    for (let i = 0; i < 2; i++) {
      const d = tf.max(tf.abs(tf.sub(g1[i], g2[i]))).dataSync()[0];
      expect(d).toBeLessThan(1e-4);
    }
    // Batched (rank-4) case as used by attention.
    const q = tf.randomNormal([2, 2, 3, 4], 0, 1, 'float32', 4);
    const k = tf.randomNormal([2, 2, 4, 3], 0, 1, 'float32', 5);
    const h1 = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMulFast(x, y))))([q, k]);
    const h2 = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([q, k]);
    for (let i = 0; i < 2; i++) expect(tf.max(tf.abs(tf.sub(h1[i], h2[i]))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([a, b, w, q, k, ...g1, ...g2, ...h1, ...h2]);
  });

  it('packRows: the same log-probs and gradients on ragged rows, with the padding skipped', async () => {
    const grid = { minLon: -8.6, minLat: 41.1, lonStep: 0.012, latStep: 0.009, nRows: 4, nCols: 5 };
    for (const cfg of [tiny(), tiny({ destination: true, destRelative: grid })]) {
      const m = new TeacherModel(cfg, 6);
      // Ragged rows (one longer than the block, cropped), one inner PAD target that is skipped.
      const seqs = [
        [22, 1, 2, 3, 4, 5, 21],
        [22, 19, 18],
        [22, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 1, 2, 3, 4, 5, 6, 21],
        [22, 4, 20, 6, 21],
      ];
      const run = (pack: boolean) => {
        m.packRows = pack;
        const { value, grads } = tf.variableGrads(() => {
          const { logp } = m.targetLogProbs(seqs, false);
          return tf.neg(tf.mean(logp)) as tf.Scalar;
        }, m.variables);
        const { logp, rows } = m.targetLogProbs(seqs, false);
        const out = {
          loss: value.dataSync()[0],
          logp: Array.from(logp.dataSync()),
          rows: Array.from(rows),
          grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())])),
        };
        tf.dispose([value, logp, ...Object.values(grads)]);
        return out;
      };
      const packed = run(true);
      const full = run(false);
      expect(packed.rows).toEqual(full.rows);
      expect(Math.abs(packed.loss - full.loss)).toBeLessThan(1e-5);
      packed.logp.forEach((v, i) => expect(Math.abs(v - full.logp[i])).toBeLessThan(1e-5));
      for (const [k, g] of Object.entries(full.grads)) {
        const scale = Math.max(1e-3, ...g.map(Math.abs));
        packed.grads[k].forEach((v, i) => expect(Math.abs(v - g[i]), `${k}[${i}]`).toBeLessThan(1e-5 * scale));
      }
      // The position-wise layers saw fewer rows: the qkv product's input is smaller packed.
      const rowsOfQkv = async (pack: boolean) => {
        m.packRows = pack;
        const info = await tf.profile(() => tf.tidy(() => m.targetLogProbs(seqs, false).logp));
        return info.kernels.filter((k) => k.name === 'BatchMatMul' && k.inputShapes[1]?.join() === `${cfg.nEmbd},${3 * cfg.nEmbd}`)[0]
          ?.inputShapes[0]?.[0];
      };
      expect(await rowsOfQkv(true)).toBeLessThan((await rowsOfQkv(false)) as number);
      m.dispose();
    }
  });

  it('exact GELU matches 0.5x(1+erf(x/√2))', () => {
    const x = tf.tensor1d([-3, -1, 0, 0.5, 2]);
    const y = gelu(x).arraySync() as number[];
    const ref = [-0.0040497, -0.1586553, 0, 0.3457312, 1.9544997];
    y.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
    x.dispose();
  });

  it('after a tiny training run, a trained-on pattern scores lower than a perturbed one', async () => {
    const m = new TeacherModel(tiny({ nLayer: 1 }), 11);
    const sp = m.special;
    const patterns = [
      [1, 2, 3, 4, 5, 6],
      [10, 11, 12, 13, 14],
      [7, 8, 9, 10, 11, 12, 13],
    ];
    const seqs = patterns.map((p) => [sp.sot, ...p, sp.eot]);
    const opt = new AdamW(m.variables, { ...DEFAULT_OPTIM, lr: 1e-2, warmupSteps: 0, totalSteps: 1e9, weightDecay: 0 });
    const before = await m.anomalyScore(patterns);
    for (let i = 0; i < 60; i++) {
      const { value, grads } = tf.variableGrads(() => m.loss(seqs, true), m.variables);
      opt.step(grads);
      tf.dispose([value, grads]);
    }
    const after = await m.anomalyScore(patterns);
    after.forEach((s, i) => expect(s).toBeLessThan(before[i]));
    const perturbed = [
      [1, 2, 17, 4, 5, 6],
      [10, 11, 3, 13, 14],
      [7, 8, 9, 1, 11, 12, 13],
    ];
    const pert = await m.anomalyScore(perturbed);
    pert.forEach((s, i) => expect(s).toBeGreaterThan(after[i] + 0.5));
    opt.dispose();
    m.dispose();
  });

  it('a second instance gets suffixed names; no tensors leak in forward passes', async () => {
    const m1 = new TeacherModel(tiny());
    const m2 = new TeacherModel(tiny());
    // Unique while both live: the engine refuses two variables of one name. (Which suffix depends on
    // the variables earlier test files left registered in this process.)
    expect(m2.variables[0].name).not.toBe(m1.variables[0].name);
    expect(canonicalName(m2.variables[0].name)).toBe('teacher/wte');
    expect(m2.variables[0].name).toMatch(/^teacher\/wte#\d+$/);
    const before = tf.memory().numTensors;
    await m1.anomalyScore([[1, 2, 3]]);
    m1.nextCellProbs([[1, 2]]).dispose();
    m1.loss([[22, 1, 2, 21]]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    m1.dispose();
    m2.dispose();
  });
});
