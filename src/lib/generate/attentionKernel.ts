// The decoder's host attention kernels behind one interface: the scalar JS kernels (hostAttention.ts,
// the reference and the fallback) and their WebAssembly SIMD twins (wasm/hostAttention.wat). The wasm
// kernels read keys from their own linear memory, so the cached keys/values of scored prefixes are
// copied there once per prefix (a slot), not per use; the step's fresh qkv rows once per layer.
// The wasm kernel also runs a block's whole attention for all rows of a step in one call (`batch`):
// each slot lists the slots of its prefix's positions, so the kernel reads a row's key pointers from
// its parent's slot and none is set from JS.
import { dotScores, weightedValues, type KeyRows } from './hostAttention';
import { HOST_ATTENTION_WASM_BASE64 } from './hostAttentionWasm';
import { regions } from '../models/wasmRegions';

/**
 * 'simd32': f32 lanes, sums rounded differently (log-probs within ≈ 1e-6 of 'scalar', routes the
 * same on the measured sets; the default where it runs: head width a multiple of 16); 'simd': f64
 * lanes, bit-identical to 'scalar' (the default where only it runs); 'scalar': plain JS.
 */
export type HostAttentionKind = 'simd' | 'simd32' | 'scalar';

/** A scored prefix's keys/values ([layer][k, v][D]) and where the wasm kernel keeps its copy. */
export interface CachedKv {
  /** The prefix without its last road (null for the origin). */
  readonly parent: CachedKv | null;
  readonly kv: Float32Array | null;
  /** Byte offset of the copy in the kernel's memory; valid while slotGen is the kernel's generation. */
  slot: number;
  slotGen: number;
}

export interface AttentionShape {
  /** Model width D, heads H (head width D / H), blocks, and the most keys a query has (the window). */
  D: number;
  H: number;
  layers: number;
  maxKeys: number;
}

/**
 * One query row against n keys, all heads at once. Usage per row: set keys 0…n−1 (keyFromQkv,
 * keyFromCache), then dots (or fill `scores` from a cache), turn each head's scores into softmax
 * weights in place with their sums in `sums`, then values. `scores`, `sums` and `acc` may be new
 * arrays after a key was set (wasm memory grew): read them after setting the keys.
 */
export interface AttentionKernel {
  readonly kind: HostAttentionKind;
  /** Start of a search step (the wasm kernel may drop its copies here, never within a step). */
  beginStep(): void;
  /** Drops every copy (the weights changed). */
  flush(): void;
  /** This layer's qkv rows [R, 3D]: query r and key r (at D) / value r (at 2D) of row r. */
  loadQkv(qkv: Float32Array): void;
  keyFromQkv(t: number, row: number): void;
  keyFromCache(t: number, node: CachedKv, layer: number): void;
  /** scores[h·n + t] = q_h · k_t for q = row `row` of the loaded qkv; returns `scores`. */
  dots(row: number, n: number): Float64Array;
  /** acc[h·dh + i] = Σ_t (scores[h·n + t] / sums[h]) · v_t[h·dh + i]; returns `acc` (scores may be overwritten). */
  values(n: number): Float64Array;
  readonly scores: Float64Array;
  readonly sums: Float64Array;
  /** The whole block's attention for many rows in one call, where the kernel has it (the wasm kernels). */
  readonly batch?: RowAttention;
}

/** The relative-position terms of one block's attention, per head width dh (relK: w0, w1, b; relV likewise). */
export interface RelativeTerms {
  kw0: Float32Array;
  kw1: Float32Array;
  kb: Float32Array;
  vw0: Float32Array;
  vw1: Float32Array;
  vb: Float32Array;
}

/** A query row of a step: its own position is new (its key/value come from the step's qkv), its n − 1 earlier ones are its parent's chain. */
export interface QueryRow {
  readonly parent: CachedKv | null;
  readonly depth: number;
  /** Pair features against its n keys (oldest first, itself last): n distances, then n gaps. */
  readonly pair: Float32Array;
}

/**
 * StudentDecoder.attend for all rows of a step at once, the same bits: relative terms set once per
 * checkpoint, the rows once per step (their parents' chains copied in where needed), then per
 * block the step's qkv rows and one call.
 */
export interface RowAttention {
  setRelative(layer: number, rel: RelativeTerms): void;
  setRows(rows: readonly QueryRow[]): void;
  /** Block `layer`'s attention output [R, D] for the rows set, given their qkv [R, 3D] (a view: read it before the next call). */
  attend(layer: number, qkv: Float32Array): Float32Array;
}

class ScalarKernel implements AttentionKernel {
  readonly kind = 'scalar' as const;
  readonly scores: Float64Array;
  readonly sums: Float64Array;
  private readonly acc: Float64Array;
  private readonly qh: Float64Array;
  private readonly rows: KeyRows;
  private qkv: Float32Array = new Float32Array(0);
  private readonly dh: number;

  constructor(private readonly shape: AttentionShape) {
    const { D, H, maxKeys } = shape;
    this.dh = D / H;
    this.scores = new Float64Array(H * maxKeys);
    this.sums = new Float64Array(H);
    this.acc = new Float64Array(D);
    this.qh = new Float64Array(this.dh);
    this.rows = { n: 0, kArr: new Array<Float32Array>(maxKeys), kOff: new Int32Array(maxKeys), vOff: new Int32Array(maxKeys) };
  }

  beginStep(): void {}
  flush(): void {}

  loadQkv(qkv: Float32Array): void {
    this.qkv = qkv;
  }

  keyFromQkv(t: number, row: number): void {
    const D = this.shape.D;
    this.rows.kArr[t] = this.qkv;
    this.rows.kOff[t] = row * 3 * D + D;
    this.rows.vOff[t] = row * 3 * D + 2 * D;
  }

  keyFromCache(t: number, node: CachedKv, layer: number): void {
    const D = this.shape.D;
    this.rows.kArr[t] = node.kv!;
    this.rows.kOff[t] = 2 * layer * D;
    this.rows.vOff[t] = (2 * layer + 1) * D;
  }

  dots(row: number, n: number): Float64Array {
    const { D, H } = this.shape;
    const { dh, qh, qkv } = this;
    this.rows.n = n;
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < dh; i++) qh[i] = qkv[row * 3 * D + h * dh + i];
      dotScores(qh, dh, this.rows, h * dh, this.scores.subarray(h * n, h * n + n));
    }
    return this.scores;
  }

  values(n: number): Float64Array {
    const dh = this.dh;
    this.rows.n = n;
    for (let h = 0; h < this.shape.H; h++) {
      weightedValues(this.scores.subarray(h * n, h * n + n), this.sums[h], dh, this.rows, h * dh, this.acc.subarray(h * dh, h * dh + dh));
    }
    return this.acc;
  }
}

interface WasmExports {
  memory: WebAssembly.Memory;
  dots64(q: number, q64: number, bases: number, n: number, heads: number, dh: number, out: number): void;
  values64(w: number, sums: number, bases: number, n: number, heads: number, dh: number, vAdd: number, out: number): void;
  /** f32 scores, head h's at out + 4·h·n4 (n4 = n rounded up to four); pads bases to n4. */
  dots32(q: number, bases: number, n: number, heads: number, dh: number, out: number): void;
  values32(w: number, sums: number, bases: number, n: number, heads: number, dh: number, vAdd: number, out: number): void;
  attendRows(
    R: number,
    layer: number,
    D: number,
    H: number,
    qkv: number,
    rows: number,
    rel: number,
    bases: number,
    q64: number,
    scores: number,
    sums: number,
    adg: number,
    acc: number,
    y: number,
    scale: number,
    lanes32: number,
    tmp: number,
    chainOff: number,
  ): void;
}

/**
 * A slot: a header (the chain's length, i32, padded to 16 bytes), the keys/values, then the chain:
 * the slots of the prefix's positions, origin first, itself last (i32), so that a query's key
 * pointers are its parent's chain, read in order, not a walk from slot to slot.
 */
const SLOT_HEADER = 16;

const PAGE = 65536;
/** Bytes of slot copies kept before the first drop; after a drop the cap is 4 × what the next step needed. */
const INITIAL_SLOT_CAP = 32 << 20;
const align16 = (b: number): number => Math.ceil(b / 16) * 16;

let compiled: WebAssembly.Module | null | undefined;
/** Generations are unique across kernels, so a prefix's slot never looks valid to another kernel. */
let lastGen = 0;

/** The compiled module, or null where WebAssembly SIMD does not validate (then the scalar kernel runs). */
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly === 'undefined') return compiled;
  const bytes = Uint8Array.from(atob(HOST_ATTENTION_WASM_BASE64), (c) => c.charCodeAt(0));
  // Synchronous compile: the module is 2 kB, far below the main thread's limit for it.
  if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  return compiled;
}

/**
 * Memory layout (bytes): key pointers [maxKeys + 4] i32 | q in f64 [D] | scores [H·maxKeys] f64 |
 * sums [H] f64 | acc [D] f64 | relative terms [layers][6][dh] f32 | adg [2H] f64 | f32 softmax
 * weights [H][maxKeys + 4] | the step's qkv
 * rows | query rows (n, parent slot, feature addresses: 4 i32 each) | their pair features [2][maxKeys]
 * f32 each | their outputs [D] f32 each | slots (copies of cached keys/values with their chains,
 * SLOT_HEADER, bump allocated; all dropped at once by bumping the generation when they pass the cap).
 */
class WasmKernel implements AttentionKernel, RowAttention {
  readonly kind: 'simd' | 'simd32';
  private readonly x: WasmExports;
  /** The fixed regions (bytes), then where the step regions start. */
  private readonly at: Record<'bases' | 'q64' | 'scores' | 'sums' | 'acc' | 'rel' | 'adg' | 'tmp', number>;
  private readonly qkvAt: number;
  /** The step regions after the qkv rows (placeSlots), their room, and the rows set. */
  private step = { rows: 0, feat: 0, y: 0, qkvCap: 0, rowCap: 0, nRows: 0 };
  /** Slots from `at` on, bump allocated up to `top`, all dropped (a new generation) past `cap` bytes. */
  private readonly slots: { at: number; top: number; cap: number; measureLive: boolean; gen: number };
  /** Bytes from a slot's start to its chain (header and keys/values). */
  private readonly chainOff: number;
  private buffer: ArrayBuffer | null = null;
  private f32: Float32Array = new Float32Array(0);
  private i32: Int32Array = new Int32Array(0);
  private scoresView: Float64Array = new Float64Array(0);
  private sumsView: Float64Array = new Float64Array(0);
  private accView: Float64Array = new Float64Array(0);

  constructor(
    module: WebAssembly.Module,
    private readonly shape: AttentionShape,
    lanes: 64 | 32,
    slotCap: number,
  ) {
    this.kind = lanes === 64 ? 'simd' : 'simd32';
    this.slots = { at: 0, top: 0, cap: slotCap, measureLive: false, gen: 0 };
    this.x = new WebAssembly.Instance(module).exports as unknown as WasmExports;
    const { D, H, layers, maxKeys } = shape;
    const fixed = regions(0, {
      bases: 4 * (maxKeys + 4),
      q64: 8 * D,
      scores: 8 * H * maxKeys,
      sums: 8 * H,
      acc: 8 * D,
      rel: 4 * 6 * layers * (D / H),
      adg: 16 * H,
      tmp: 4 * H * (maxKeys + 4),
    });
    this.at = fixed.at;
    this.qkvAt = align16(fixed.end);
    this.chainOff = SLOT_HEADER + align16(4 * 2 * layers * D);
    this.placeSlots(64 * 3 * D * 4, 64);
  }

  /** Lays out the step regions for `qkvBytes` of qkv rows and `rowCap` query rows, slots after them, dropping every slot. */
  private placeSlots(qkvBytes: number, rowCap: number): void {
    const { D, maxKeys } = this.shape;
    const r = regions(this.qkvAt, { qkv: qkvBytes, rows: 16 * rowCap, feat: 8 * maxKeys * rowCap, y: 4 * D * rowCap });
    this.step = { rows: r.at.rows, feat: r.at.feat, y: r.at.y, qkvCap: align16(qkvBytes), rowCap, nRows: this.step.nRows };
    this.slots.at = align16(r.end);
    this.flush();
    this.ensure(this.slots.at);
  }

  private ensure(end: number): void {
    const mem = this.x.memory;
    // Grow by at least half again: each grow replaces the buffer (and the views on it).
    const size = mem.buffer.byteLength;
    if (end > size) mem.grow(Math.ceil(Math.max(end - size, size / 2) / PAGE));
    if (this.buffer !== mem.buffer) {
      const b = mem.buffer;
      this.buffer = b;
      const { D, H, maxKeys } = this.shape;
      this.f32 = new Float32Array(b);
      this.i32 = new Int32Array(b);
      this.scoresView = new Float64Array(b, this.at.scores, H * maxKeys);
      this.sumsView = new Float64Array(b, this.at.sums, H);
      this.accView = new Float64Array(b, this.at.acc, D);
    }
  }

  get scores(): Float64Array {
    return this.scoresView;
  }

  get sums(): Float64Array {
    return this.sumsView;
  }

  beginStep(): void {
    const s = this.slots;
    const used = s.top - s.at;
    if (s.measureLive) {
      // What the first step after a drop copied back is what the search keeps using: leave room for it.
      s.cap = Math.max(s.cap, 4 * used);
      s.measureLive = false;
    }
    if (used > s.cap) {
      this.flush();
      s.measureLive = true;
    }
  }

  flush(): void {
    this.slots.gen = ++lastGen;
    this.slots.top = this.slots.at;
  }

  loadQkv(qkv: Float32Array): void {
    if (4 * qkv.length > this.step.qkvCap) this.placeSlots(Math.ceil(4 * qkv.length * 1.25), this.step.rowCap);
    this.f32.set(qkv, this.qkvAt >> 2);
  }

  keyFromQkv(t: number, row: number): void {
    const D = this.shape.D;
    this.i32[(this.at.bases >> 2) + t] = this.qkvAt + 4 * (row * 3 * D + D);
  }

  keyFromCache(t: number, node: CachedKv, layer: number): void {
    this.copyIn(node);
    this.i32[(this.at.bases >> 2) + t] = node.slot + SLOT_HEADER + 4 * 2 * layer * this.shape.D;
  }

  /** Gives `node` and its ancestors slots of this generation (oldest first: each chain extends its parent's). */
  private copyIn(node: CachedKv): void {
    const gen = this.slots.gen;
    if (node.slotGen === gen) return;
    const missing: CachedKv[] = [];
    for (let a: CachedKv | null = node; a && a.slotGen !== gen; a = a.parent) missing.push(a);
    for (let j = missing.length - 1; j >= 0; j--) {
      const a = missing[j];
      const p = a.parent;
      const parentLen = p ? this.i32[p.slot >> 2] : 0;
      const at = this.slots.top;
      const size = this.chainOff + align16(4 * (parentLen + 1));
      this.ensure(at + size);
      const i32 = this.i32;
      i32[at >> 2] = parentLen + 1;
      this.f32.set(a.kv!, (at + SLOT_HEADER) >> 2);
      const chain = (at + this.chainOff) >> 2;
      if (p) i32.copyWithin(chain, (p.slot + this.chainOff) >> 2, ((p.slot + this.chainOff) >> 2) + parentLen);
      i32[chain + parentLen] = at;
      a.slot = at;
      a.slotGen = gen;
      this.slots.top = at + size;
    }
  }

  get batch(): RowAttention {
    return this;
  }

  setRelative(layer: number, rel: RelativeTerms): void {
    const dh = this.shape.D / this.shape.H;
    const at = (this.at.rel >> 2) + layer * 6 * dh;
    [rel.kw0, rel.kw1, rel.kb, rel.vw0, rel.vw1, rel.vb].forEach((w, j) => this.f32.set(w.subarray(0, dh), at + j * dh));
  }

  setRows(rows: readonly QueryRow[]): void {
    const R = rows.length;
    const { D, maxKeys } = this.shape;
    if (R > this.step.rowCap || 4 * 3 * D * R > this.step.qkvCap) {
      // Room for a quarter more rows than asked, so that a growing search re-lays the regions (dropping the slots) rarely.
      const cap = Math.ceil(R * 1.25);
      this.placeSlots(Math.max(this.step.qkvCap, 4 * 3 * D * cap), Math.max(this.step.rowCap, cap));
    }
    for (const row of rows) if (row.parent) this.copyIn(row.parent);
    const i32 = this.i32;
    const f32 = this.f32;
    for (let r = 0; r < R; r++) {
      const row = rows[r];
      const n = row.depth;
      const o = (this.step.rows >> 2) + 4 * r;
      if (row.pair.length !== 2 * n) throw new Error(`setRows: a row of depth ${n} has ${row.pair.length / 2} pair features`);
      const dist = this.step.feat + 8 * maxKeys * r;
      const gap = dist + 4 * n;
      i32[o] = n;
      i32[o + 1] = row.parent ? row.parent.slot : 0;
      i32[o + 2] = dist;
      i32[o + 3] = gap;
      // Distances then gaps, in one copy (a view per row was a fifth of this loop).
      f32.set(row.pair, dist >> 2);
    }
    this.step.nRows = R;
  }

  attend(layer: number, qkv: Float32Array): Float32Array {
    const { D, H } = this.shape;
    const R = this.step.nRows;
    const { at, step } = this;
    if (qkv.length !== R * 3 * D) throw new Error(`attend: qkv holds ${qkv.length / (3 * D)} rows, ${R} were set`);
    this.f32.set(qkv, this.qkvAt >> 2);
    this.x.attendRows(
      R,
      layer,
      D,
      H,
      this.qkvAt,
      step.rows,
      at.rel + 4 * layer * 6 * (D / H),
      at.bases,
      at.q64,
      at.scores,
      at.sums,
      at.adg,
      at.acc,
      step.y,
      1 / Math.sqrt(D / H),
      this.kind === 'simd32' ? 1 : 0,
      at.tmp,
      this.chainOff,
    );
    return this.f32.subarray(step.y >> 2, (step.y >> 2) + R * D);
  }

  dots(row: number, n: number): Float64Array {
    const { D, H } = this.shape;
    const q = this.qkvAt + 4 * row * 3 * D;
    const at = this.at;
    if (this.kind === 'simd') {
      this.x.dots64(q, at.q64, at.bases, n, H, D / H, at.scores);
      return this.scoresView;
    }
    // dots32 leaves f32 scores, head h's n at tmp + 4·h·n4 (n4 = n rounded up to four)
    this.x.dots32(q, at.bases, n, H, D / H, at.tmp);
    const n4 = (n + 3) & ~3;
    for (let h = 0; h < H; h++) {
      const from = (at.tmp >> 2) + h * n4;
      for (let t = 0; t < n; t++) this.scoresView[h * n + t] = this.f32[from + t];
    }
    return this.scoresView;
  }

  values(n: number): Float64Array {
    const { D, H } = this.shape;
    const f = this.kind === 'simd' ? this.x.values64 : this.x.values32;
    f(this.at.scores, this.at.sums, this.at.bases, n, H, D / H, 4 * D, this.at.acc);
    return this.accView;
  }
}

/**
 * The module's exp (fdlibm's, which the batched softmax uses), for tests; null without WebAssembly
 * SIMD. It equals Math.exp in Node's V8; Chrome's Math.exp rounds some results differently.
 */
export function hostAttentionExp(): ((x: number) => number) | null {
  const m = wasmModule();
  return m ? (new WebAssembly.Instance(m).exports as unknown as { exp(x: number): number }).exp : null;
}

/** WebAssembly SIMD kernels where the shape allows them (head width a multiple of 8, or 16 for f32 lanes). */
export function simdAvailable(shape: AttentionShape, kind: 'simd' | 'simd32' = 'simd'): boolean {
  const dh = shape.D / shape.H;
  return Number.isInteger(dh) && dh % (kind === 'simd' ? 8 : 16) === 0 && wasmModule() !== null;
}

/**
 * The kernel of the kind asked for, else the scalar one; without a kind the fastest that runs here
 * (simd32, then simd, then scalar). `slotCap`: bytes of cached-key copies kept before the first drop
 * (tests set it small).
 */
export function attentionKernel(shape: AttentionShape, kind?: HostAttentionKind, slotCap = INITIAL_SLOT_CAP): AttentionKernel {
  const k = kind ?? (simdAvailable(shape, 'simd32') ? 'simd32' : 'simd');
  if (k !== 'scalar' && simdAvailable(shape, k)) return new WasmKernel(wasmModule()!, shape, k === 'simd' ? 64 : 32, slotCap);
  return new ScalarKernel(shape);
}
