// The decoder's host attention kernels behind one interface: the scalar JS kernels (hostAttention.ts,
// the reference and the fallback) and their WebAssembly SIMD twins (hostAttention.wat). The wasm
// kernels read keys from their own linear memory, so the cached keys/values of scored prefixes are
// copied there once per prefix (a slot), not per use; the step's fresh qkv rows once per layer.
import { dotScores, weightedValues, type KeyRows } from './hostAttention';
import { HOST_ATTENTION_WASM_BASE64 } from './hostAttentionWasm';

/**
 * 'simd': f64 lanes, bit-identical to 'scalar' (the default where WebAssembly SIMD runs);
 * 'simd32': f32 lanes, sums rounded differently (about 1e-7 relative); 'scalar': plain JS.
 */
export type HostAttentionKind = 'simd' | 'simd32' | 'scalar';

/** A scored prefix's keys/values ([layer][k, v][D]) and where the wasm kernel keeps its copy. */
export interface CachedKv {
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
  dots32(q: number, bases: number, n: number, heads: number, dh: number, out: number): void;
  values32(w: number, sums: number, bases: number, n: number, heads: number, dh: number, vAdd: number, out: number): void;
}

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
 * sums [H] f64 | acc [D] f64 | the step's qkv rows | slots (copies of cached keys/values, bump
 * allocated; all dropped at once by bumping the generation when they pass the cap).
 */
class WasmKernel implements AttentionKernel {
  readonly kind: 'simd' | 'simd32';
  private readonly x: WasmExports;
  private readonly basesAt: number;
  private readonly q64At: number;
  private readonly scoresAt: number;
  private readonly sumsAt: number;
  private readonly accAt: number;
  private readonly qkvAt: number;
  private qkvCap = 0;
  private slotsAt = 0;
  private top = 0;
  private cap: number;
  private measureLive = false;
  private gen = 0;
  private readonly slotBytes: number;
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
    this.cap = slotCap;
    this.x = new WebAssembly.Instance(module).exports as unknown as WasmExports;
    const { D, H, layers, maxKeys } = shape;
    this.basesAt = 0;
    this.q64At = align16(4 * (maxKeys + 4));
    this.scoresAt = this.q64At + 8 * D;
    this.sumsAt = this.scoresAt + align16(8 * H * maxKeys);
    this.accAt = this.sumsAt + align16(8 * H);
    this.qkvAt = this.accAt + 8 * D;
    this.slotBytes = align16(4 * 2 * layers * D);
    this.placeSlots(64 * 3 * D * 4);
  }

  /** Puts the slots after a qkv region of `qkvBytes`, dropping every slot. */
  private placeSlots(qkvBytes: number): void {
    this.qkvCap = align16(qkvBytes);
    this.slotsAt = this.qkvAt + this.qkvCap;
    this.flush();
    this.ensure(this.slotsAt);
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
      this.scoresView = new Float64Array(b, this.scoresAt, H * maxKeys);
      this.sumsView = new Float64Array(b, this.sumsAt, H);
      this.accView = new Float64Array(b, this.accAt, D);
    }
  }

  get scores(): Float64Array {
    return this.scoresView;
  }

  get sums(): Float64Array {
    return this.sumsView;
  }

  beginStep(): void {
    const used = this.top - this.slotsAt;
    if (this.measureLive) {
      // What the first step after a drop copied back is what the search keeps using: leave room for it.
      this.cap = Math.max(this.cap, 4 * used);
      this.measureLive = false;
    }
    if (used > this.cap) {
      this.flush();
      this.measureLive = true;
    }
  }

  flush(): void {
    this.gen = ++lastGen;
    this.top = this.slotsAt;
  }

  loadQkv(qkv: Float32Array): void {
    if (4 * qkv.length > this.qkvCap) this.placeSlots(Math.ceil(4 * qkv.length * 1.25));
    this.f32.set(qkv, this.qkvAt >> 2);
  }

  keyFromQkv(t: number, row: number): void {
    const D = this.shape.D;
    this.i32[(this.basesAt >> 2) + t] = this.qkvAt + 4 * (row * 3 * D + D);
  }

  keyFromCache(t: number, node: CachedKv, layer: number): void {
    if (node.slotGen !== this.gen) {
      const at = this.top;
      this.ensure(at + this.slotBytes);
      this.f32.set(node.kv!, at >> 2);
      node.slot = at;
      node.slotGen = this.gen;
      this.top = at + this.slotBytes;
    }
    this.i32[(this.basesAt >> 2) + t] = node.slot + 4 * 2 * layer * this.shape.D;
  }

  dots(row: number, n: number): Float64Array {
    const { D, H } = this.shape;
    const q = this.qkvAt + 4 * row * 3 * D;
    if (this.kind === 'simd') this.x.dots64(q, this.q64At, this.basesAt, n, H, D / H, this.scoresAt);
    else this.x.dots32(q, this.basesAt, n, H, D / H, this.scoresAt);
    return this.scoresView;
  }

  values(n: number): Float64Array {
    const { D, H } = this.shape;
    const f = this.kind === 'simd' ? this.x.values64 : this.x.values32;
    f(this.scoresAt, this.sumsAt, this.basesAt, n, H, D / H, 4 * D, this.accAt);
    return this.accView;
  }
}

/** WebAssembly SIMD kernels where the shape allows them (head width a multiple of 8, or 16 for f32 lanes). */
export function simdAvailable(shape: AttentionShape, kind: 'simd' | 'simd32' = 'simd'): boolean {
  const dh = shape.D / shape.H;
  return Number.isInteger(dh) && dh % (kind === 'simd' ? 8 : 16) === 0 && wasmModule() !== null;
}

/**
 * The kernel of the kind asked for (default: 'simd' where available), else the scalar one. `slotCap`:
 * bytes of cached-key copies kept before the first drop (tests set it small).
 */
export function attentionKernel(shape: AttentionShape, kind: HostAttentionKind = 'simd', slotCap = INITIAL_SLOT_CAP): AttentionKernel {
  if (kind !== 'scalar' && simdAvailable(shape, kind)) return new WasmKernel(wasmModule()!, shape, kind === 'simd' ? 64 : 32, slotCap);
  return new ScalarKernel(shape);
}
