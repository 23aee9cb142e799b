import { describe, expect, it } from 'vitest';
import {
  attentionKernel,
  hostAttentionExp,
  simdAvailable,
  type QueryRow,
  type AttentionShape,
  type CachedKv,
  type HostAttentionKind,
} from '../../src/lib/generate/attentionKernel';
import { makeRng } from '../../src/lib/random';

// The WebAssembly SIMD kernels of the decoder's host attention against the scalar JS kernels: the
// f64-lane kernel must give the same bits (routes depend on every bit), the f32-lane one must stay
// within 1e-5. Keys come from a layer's qkv rows and from cached prefixes, as in the decoder.

interface Case {
  shape: AttentionShape;
  qkv: Float32Array;
  nodes: CachedKv[];
  layer: number;
  /** Key t: a cached node (index) or a qkv row (−1 − row). */
  keys: number[];
  row: number;
}

function makeCase(shape: AttentionShape, n: number, seed: number): Case {
  const rand = makeRng(seed);
  const { D, layers } = shape;
  const R = 5;
  const qkv = Float32Array.from({ length: R * 3 * D }, () => rand() * 2 - 1);
  const nodes: CachedKv[] = Array.from({ length: n }, () => ({
    parent: null,
    kv: Float32Array.from({ length: 2 * layers * D }, () => rand() * 2 - 1),
    slot: -1,
    slotGen: -1,
  }));
  // Mostly cached keys, a few from the qkv rows (the query's own key is one), as both paths do.
  const keys = Array.from({ length: n }, (_, t) => (t % 5 === 4 || t === n - 1 ? -1 - (t % R) : t));
  return { shape, qkv, nodes, layer: layers - 1, keys, row: 2 };
}

/** Scores and values of one row through a kernel; softmax weights made the decoder's way (exp, sum). */
function run(kind: HostAttentionKind, c: Case, slotCap?: number): { kind: string; scores: number[]; acc: number[] } {
  const { H } = c.shape;
  const k = attentionKernel(c.shape, kind, slotCap);
  const n = c.keys.length;
  let scores: number[] = [];
  let acc: number[] = [];
  // Two steps: the second reuses (or, with a small cap, re-copies) the cached keys' slots.
  for (let step = 0; step < 2; step++) {
    k.beginStep();
    k.loadQkv(c.qkv);
    c.keys.forEach((key, t) => (key >= 0 ? k.keyFromCache(t, c.nodes[key], c.layer) : k.keyFromQkv(t, -1 - key)));
    const s = k.dots(c.row, n);
    scores = Array.from(s.subarray(0, H * n));
    const sums = k.sums;
    for (let h = 0; h < H; h++) {
      let max = -Infinity;
      for (let t = 0; t < n; t++) max = Math.max(max, s[h * n + t] / 8);
      let sum = 0;
      for (let t = 0; t < n; t++) {
        const e = Math.exp(s[h * n + t] / 8 - max);
        s[h * n + t] = e;
        sum += e;
      }
      sums[h] = sum;
    }
    acc = Array.from(k.values(n));
  }
  return { kind: k.kind, scores, acc };
}

describe('host attention, WebAssembly SIMD kernels', () => {
  it('run here (Node has WebAssembly SIMD)', () => {
    expect(simdAvailable({ D: 128, H: 2, layers: 2, maxKeys: 64 })).toBe(true);
    expect(simdAvailable({ D: 128, H: 2, layers: 2, maxKeys: 64 }, 'simd32')).toBe(true);
    // Head width 12 is no multiple of 8: the scalar kernel stands in.
    expect(attentionKernel({ D: 24, H: 2, layers: 1, maxKeys: 8 }).kind).toBe('scalar');
  });

  const shapes: Array<[string, AttentionShape, number[]]> = [
    ['random shapes (D 32, 2 heads)', { D: 32, H: 2, layers: 1, maxKeys: 16 }, [1, 2, 3, 4, 5, 7, 13, 16]],
    ['random shapes (D 64, 4 heads)', { D: 64, H: 4, layers: 3, maxKeys: 40 }, [6, 9, 40]],
    ['the shipped student (D 128, 2 heads, 2 blocks)', { D: 128, H: 2, layers: 2, maxKeys: 512 }, [1, 68, 200, 511, 512]],
    ['the default student (D 256, 2 heads)', { D: 256, H: 2, layers: 2, maxKeys: 64 }, [33]],
  ];
  for (const [name, shape, ns] of shapes) {
    it(`f64 lanes give the scalar kernel's bits; f32 lanes stay within 1e-5: ${name}`, () => {
      for (const n of ns) {
        const c = makeCase(shape, n, 100 + n);
        const ref = run('scalar', c);
        const simd = run('simd', c);
        expect(simd.kind).toBe('simd');
        expect(simd.scores).toEqual(ref.scores);
        expect(simd.acc).toEqual(ref.acc);
        if ((shape.D / shape.H) % 16 !== 0) continue;
        const f32 = run('simd32', c);
        expect(f32.kind).toBe('simd32');
        f32.scores.forEach((v, i) => expect(Math.abs(v - ref.scores[i])).toBeLessThan(1e-5));
        f32.acc.forEach((v, i) => expect(Math.abs(v - ref.acc[i])).toBeLessThan(1e-5));
      }
    });
  }

  it('drops and re-copies its cached keys past the slot cap, with the same results', () => {
    const c = makeCase({ D: 128, H: 2, layers: 2, maxKeys: 512 }, 300, 5);
    const ref = run('scalar', c);
    // A 64 kB cap holds 32 of the 300 cached prefixes: the second step drops them all and copies back.
    const small = run('simd', c, 64 << 10);
    expect(small.scores).toEqual(ref.scores);
    expect(small.acc).toEqual(ref.acc);
  });

  it("exp is Math.exp's fdlibm, bit for bit (Node's V8), edge cases included", () => {
    const exp = hostAttentionExp()!;
    const rand = makeRng(3);
    const xs = [
      0,
      -0,
      1e-300,
      -1e-300,
      5e-9,
      -5e-9,
      0.3,
      -0.3,
      0.7,
      -0.7,
      1,
      -1,
      40,
      -40,
      709.78,
      709.8,
      -745.1,
      -745.2,
      -1000,
      Infinity,
      -Infinity,
      NaN,
    ];
    for (let i = 0; i < 200_000; i++) xs.push(-rand() * [1, 4, 40, 800][i % 4], rand() * [1, 4, 40, 700][i % 4]);
    const bad = xs.filter((x) => !Object.is(exp(x), Math.exp(x)));
    expect(bad).toEqual([]);
  });

  it('batched rows: the same outputs when the slot cap forces drops and re-copies mid-search', () => {
    const shape: AttentionShape = { D: 64, H: 2, layers: 2, maxKeys: 40 };
    const rand = makeRng(9);
    type Node = QueryRow & CachedKv & { kv: Float32Array };
    const kvOf = (): Float32Array => Float32Array.from({ length: 2 * shape.layers * shape.D }, () => rand() * 2 - 1);
    const feats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rand());
    // A tree of prefixes grown step by step: each step extends 6 of the previous step's nodes.
    const steps: Node[][] = [];
    let prev: Node[] = [];
    for (let step = 0; step < 30; step++) {
      const rows: Node[] = Array.from({ length: 6 }, (_, i) => {
        const parent = prev.length ? prev[(i * 5 + step) % prev.length] : null;
        const depth = parent ? parent.depth + 1 : 1;
        return { parent, depth, pair: feats(2 * depth), kv: kvOf(), slot: -1, slotGen: -1 };
      });
      steps.push(rows);
      prev = rows;
    }
    const qkvs = steps.map(() =>
      Array.from({ length: shape.layers }, () => Float32Array.from({ length: 6 * 3 * shape.D }, () => rand() * 2 - 1)),
    );
    const rel = () => Float32Array.from({ length: shape.D / shape.H }, () => rand() - 0.5);
    const rels = Array.from({ length: shape.layers }, () => ({ kw0: rel(), kw1: rel(), kb: rel(), vw0: rel(), vw1: rel(), vb: rel() }));
    const run = (slotCap: number): Float32Array[] => {
      const k = attentionKernel(shape, 'simd', slotCap);
      const b = k.batch!;
      rels.forEach((r, l) => b.setRelative(l, r));
      for (const rows of steps) for (const n of rows) n.slotGen = -1;
      const out: Float32Array[] = [];
      steps.forEach((rows, s) => {
        k.beginStep();
        b.setRows(rows);
        qkvs[s].forEach((qkv, l) => out.push(b.attend(l, qkv).slice()));
      });
      return out;
    };
    const roomy = run(32 << 20);
    // 16 kB holds a handful of prefixes: most steps drop every slot and copy whole chains back.
    const tight = run(16 << 10);
    expect(tight).toEqual(roomy);
    expect(roomy.every((o) => o.every(Number.isFinite))).toBe(true);
  });
});
