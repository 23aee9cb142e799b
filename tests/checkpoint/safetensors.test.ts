// Shipped checkpoints are safetensors with torch module names: plain Python
// (struct + json + numpy, scripts/read_checkpoint.py) reads them, and its numpy LM-TAD forward pass
// agrees with the tfjs teacher, which shows that names and layouts mean what they say.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { decodeCheckpoint, encodeCheckpoint, loadIntoVariables } from '../../src/lib/checkpoint/checkpoint';
import { decodeLegacyCheckpoint, encodeLegacyCheckpoint } from '../../src/lib/checkpoint/legacyCheckpoint';
import { decodeSafetensors, encodeSafetensors } from '../../src/lib/checkpoint/safetensors';
import { localNameOf, torchRules, torchSpecOf } from '../../src/lib/checkpoint/torchNames';
import { TeacherModel, type TeacherConfig } from '../../src/lib/models/teacher';

const DIR = 'public/checkpoints/porto';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function python(code: string, ...args: string[]): unknown {
  const out = execFileSync('python3', ['-c', `import sys; sys.path.insert(0, 'scripts')\n${code}`, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out);
}

/** Byte equality (vitest's deep equality is slow on megabytes of floats). */
function sameBytes(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('shipped safetensors checkpoints', () => {
  it('plain Python reads the teacher, and its numpy LM-TAD forward matches tfjs', () => {
    const file = `${DIR}/teacher.safetensors`;
    const ck = decodeCheckpoint(new Uint8Array(readFileSync(file)));
    const cfg = ck.config as TeacherConfig;
    const model = new TeacherModel(cfg, 0);
    loadIntoVariables(model.variables, ck.weights);
    const tokens = [cfg.vocabSize - 1, 100, 101, 101, 250, 3000];
    const py = python('from read_checkpoint import main; main(sys.argv)', file, '--logits', tokens.join(',')) as {
      metadata: { kind: string; config: TeacherConfig; fingerprint: string };
      tensors: Record<string, number[]>;
      lastLogits: number[];
    };
    expect(py.metadata.kind).toBe('teacher');
    expect(py.metadata.config).toEqual(cfg);
    expect(py.metadata.fingerprint).toBe(ck.fingerprint);
    const D = cfg.nEmbd;
    expect(py.tensors['transformer.wte.weight']).toEqual([cfg.vocabSize, D]);
    expect(py.tensors['transformer.h.0.attn.c_attn.weight']).toEqual([3 * D, D]); // torch [out, in]
    expect(py.tensors['transformer.h.1.mlp.c_proj.weight']).toEqual([D, 4 * D]);
    expect(Object.keys(py.tensors).every((n) => n.startsWith('transformer.'))).toBe(true);

    const tf32 = tf.tidy(() =>
      model
        .logits(tf.tensor2d([tokens], [1, tokens.length], 'int32'))
        .slice([0, tokens.length - 1, 0], [1, 1, cfg.vocabSize])
        .reshape([cfg.vocabSize]),
    );
    const ours = tf32.dataSync();
    tf32.dispose();
    expect(py.lastLogits.length).toBe(cfg.vocabSize);
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - py.lastLogits[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    // Not trivially equal: the logits vary.
    expect(Math.max(...py.lastLogits) - Math.min(...py.lastLogits)).toBeGreaterThan(1);
    model.dispose();
  });

  it('plain Python reads a student: HOSER names, torch layout, values equal to the tfjs weights', () => {
    const file = `${DIR}/vanilla.safetensors`;
    const ck = decodeCheckpoint(new Uint8Array(readFileSync(file)));
    const names = [
      'navigator.q_proj.weight',
      'road_network_encoder.road_gat.convs.1.att',
      'trajectory_encoder.transformer.h.0.attn.c_attn.bias',
      'road_network_encoder.road_id_emb.weight',
    ];
    const py = python(
      [
        'import json; from read_checkpoint import load',
        'meta, t = load(sys.argv[1])',
        'names = sys.argv[2].split(",")',
        'print(json.dumps({"kind": meta["kind"], "names": list(t), "shapes": {n: list(t[n].shape) for n in names},',
        '  "rows": {n: t[n].reshape(t[n].shape[0], -1)[min(3, t[n].shape[0] - 1)][:5].astype(float).tolist() for n in names if t[n].ndim >= 1},',
        '  "sums": {n: float(t[n].astype("f8").sum()) for n in names}}))',
      ].join('\n'),
      file,
      names.join(','),
    ) as { kind: string; names: string[]; shapes: Record<string, number[]>; rows: Record<string, number[]>; sums: Record<string, number> };
    expect(py.kind).toBe('student');
    // Every tensor has a HOSER name (none fell back to our internal "student/…" names).
    expect(py.names.filter((n) => n.startsWith('student/'))).toEqual([]);
    expect(py.names).toHaveLength(Object.keys(ck.weights).length);

    const q = ck.weights['student/nav/q/w']; // ours [in, out]
    expect(py.shapes['navigator.q_proj.weight']).toEqual([q.shape[1], q.shape[0]]);
    const qT = tf.tidy(() => tf.transpose(tf.tensor2d(q.data, q.shape as [number, number])).arraySync() as number[][]);
    qT[3].slice(0, 5).forEach((x, i) => expect(py.rows['navigator.q_proj.weight'][i]).toBeCloseTo(x, 6));
    const att = ck.weights['student/road/gat1/att']; // ours [out, 1] → PyG [1, heads, out]
    expect(py.shapes['road_network_encoder.road_gat.convs.1.att']).toEqual([1, 1, att.shape[0]]);
    const bias = ck.weights['student/traj/block0/qkv/b'];
    expect(py.shapes['trajectory_encoder.transformer.h.0.attn.c_attn.bias']).toEqual(bias.shape);
    expect(py.rows['trajectory_encoder.transformer.h.0.attn.c_attn.bias'][0]).toBeCloseTo(bias.data[3], 6);
    const emb = ck.weights['student/road/id/table'];
    expect(py.shapes['road_network_encoder.road_id_emb.weight']).toEqual(emb.shape);
    for (const [n, ours] of [
      ['navigator.q_proj.weight', q],
      ['road_network_encoder.road_id_emb.weight', emb],
    ] as const) {
      const s = tf.tidy(() => tf.sum(tf.tensor(ours.data)).dataSync()[0]);
      expect(py.sums[n]).toBeCloseTo(s, 2);
    }
  });

  it('a legacy .ckpt still loads and converts to the same weights', () => {
    const ck = decodeCheckpoint(new Uint8Array(readFileSync(`${DIR}/distilled.safetensors`)));
    const legacy = encodeLegacyCheckpoint(ck);
    expect(String.fromCharCode(...legacy.subarray(0, 8))).toBe('TRJDCKPT');
    const back = decodeCheckpoint(legacy); // told apart by content, not by name
    expect(back.kind).toBe(decodeLegacyCheckpoint(legacy).kind);
    expect(back.hyper).toEqual(ck.hyper);
    expect(back.config).toEqual(ck.config);
    expect(Object.keys(back.weights)).toEqual(Object.keys(ck.weights));
    for (const k of Object.keys(ck.weights)) {
      expect(back.weights[k].shape).toEqual(ck.weights[k].shape);
      expect(sameBytes(back.weights[k].data, ck.weights[k].data)).toBe(true);
    }
    expect(sameBytes(encodeCheckpoint(back), encodeCheckpoint(ck))).toBe(true);
  });
});

describe('torch naming table', () => {
  it('maps both ways for every rule', () => {
    for (const family of ['teacher', 'student'] as const) {
      for (const r of torchRules(family)) {
        const ours = r.ours.replace('{l}', '3');
        const spec = torchSpecOf(family, ours);
        expect(spec?.name).toBe(r.torch.replace('{l}', '3'));
        expect(localNameOf(family, spec!.name)).toEqual({ local: ours, layout: r.layout });
      }
    }
    expect(torchSpecOf('teacher', 'h12/attn/c_attn')).toEqual({ name: 'transformer.h.12.attn.c_attn.weight', layout: 'transpose' });
    expect(torchSpecOf('student', 'nope/w')).toBeNull();
    expect(localNameOf('student', 'transformer.wte.weight')).toBeNull();
  });

  it('keeps an unmapped variable under its own name and layout, and Adam moments beside their weight', () => {
    const w = { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const ck = {
      kind: 'student' as const,
      config: { a: 1 },
      fingerprint: 'fp',
      training: {
        epoch: 1,
        step: 5,
        optimizer: {
          step: 5,
          m: { 'student/nav/q/w': w.data.map((x) => x * 10), 'student/extra/w': Float32Array.from([7]) },
          v: { 'student/nav/q/w': w.data.map((x) => x * 100) },
        },
      },
      hyper: { lambda: 0.5 },
      created: '2026-01-01T00:00:00.000Z',
      weights: { 'student/nav/q/w': w, 'student/extra/w': { shape: [1], data: Float32Array.from([9]) } },
    };
    const bytes = encodeCheckpoint(ck);
    const st = decodeSafetensors(bytes);
    expect([...st.tensors.keys()]).toEqual([
      'navigator.q_proj.weight',
      'student/extra/w',
      'optimizer.exp_avg.navigator.q_proj.weight',
      'optimizer.exp_avg.student/extra/w',
      'optimizer.exp_avg_sq.navigator.q_proj.weight',
    ]);
    expect(st.tensors.get('navigator.q_proj.weight')).toEqual({ shape: [3, 2], data: Float32Array.from([1, 4, 2, 5, 3, 6]) });
    expect(Array.from(st.tensors.get('optimizer.exp_avg.navigator.q_proj.weight')!.data)).toEqual([10, 40, 20, 50, 30, 60]);
    expect(JSON.parse(st.metadata.hyper)).toEqual({ lambda: 0.5 });
    expect(Object.values(st.metadata).every((v) => typeof v === 'string')).toBe(true);
    const back = decodeCheckpoint(bytes);
    expect(back.weights).toEqual(ck.weights);
    expect(back.training.optimizer).toEqual(ck.training.optimizer);
  });
});

describe('safetensors container', () => {
  it('aligns the data to 8 bytes, lays tensors back to back, and refuses damage clearly', () => {
    const tensors = new Map([
      ['a', { shape: [3], data: Float32Array.from([1, 2, 3]) }],
      ['b', { shape: [1, 2], data: Float32Array.from([4, 5]) }],
    ]);
    const bytes = encodeSafetensors({ metadata: { note: 'x' }, tensors });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.a.data_offsets).toEqual([0, 12]);
    expect(header.b.data_offsets).toEqual([12, 20]);
    expect(bytes.length).toBe(8 + n + 20);
    expect(decodeSafetensors(bytes).tensors).toEqual(tensors);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    const extra = new Uint8Array(bytes.length + 4);
    extra.set(bytes);
    expect(() => decodeSafetensors(extra)).toThrow(/no tensor uses/);
    const ck = encodeCheckpoint({
      kind: 'teacher',
      config: {},
      fingerprint: 'f',
      training: { epoch: 0, step: 0 },
      hyper: {},
      created: '',
      weights: { 'teacher/wte': { shape: [1], data: Float32Array.from([1]) } },
    });
    const corrupt = ck.slice();
    corrupt[corrupt.length - 1] ^= 0xff;
    expect(() => decodeCheckpoint(corrupt)).toThrow(/checksum/);
    expect(() => decodeCheckpoint(bytes)).toThrow(/metadata format/);
  });
});
