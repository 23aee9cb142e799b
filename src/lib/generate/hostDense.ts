// The route decoder's dense layers on the host, in the f32 SIMD kernels of wasm/f32Kernels.wat:
// per block a LayerNorm, the qkv product, then proj + residual, LayerNorm, the MLP with GELU and its
// residual; then the head's query and time parts. Run through tfjs, each step of a search was about
// sixty small ops (a few dozen rows each), and the ops' fixed cost, not the arithmetic, took most of
// the decoder's device time; here a block is six kernel calls on rows that stay in one memory. The
// navigator's candidate scores (a tanh per candidate and query element) run here too, on the head's
// query rows where they are.
// Same mathematics as StudentDecoder's tfjs path (sums in another order, erf by a 3e-7
// approximation): tests/generate/hostDense.test.ts holds the two within 1e-5 and the routes equal.
import type { Student } from '../models/student';
import type { DenseParams, LayerNormParams } from '../models/layers';
import { ensureMemory, newF32Kernels, type F32Kernels } from '../models/f32Kernels';
import { regions } from '../models/wasmRegions';

/** Rows in the kernels' memory: `at` (bytes), R rows of stride ld. */
export interface HostRows {
  readonly at: number;
  readonly R: number;
}

interface Mat {
  /** The weights in panels of eight columns ([N8 / 8][K8][8]; the kernels' dense). */
  w: number;
  /** 0: no bias. */
  b: number;
  /** Rows K8 (inputs are read with that stride) and columns N, padded to N8. */
  K8: number;
  N: number;
  N8: number;
}

interface Norm {
  gamma: number;
  beta: number;
  eps: number;
}

interface Block {
  ln1: Norm;
  qkv: Mat;
  proj: Mat;
  ln2: Norm;
  fc: Mat;
  out: Mat;
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The navigator's per-network tables (StudentDecoder.prepare computes them): [roads, nd], [zones, nd], and three [nd] rows. */
export interface NavigatorTables {
  navKey: Float32Array;
  zoneQ: Float32Array;
  uDis: Float32Array;
  uAng: Float32Array;
  /** Route features' rows [W, nd] (delay, unreachable, …; W = routeFeatureWidth); null for a student without them. */
  uRoute: Float32Array | null;
  navV: Float32Array;
}

/** One query row's candidate roads with their distance and angle features (stepCandidates). */
export interface RowCandidates {
  readonly cands: readonly number[];
  readonly dis: Float32Array;
  readonly ang: Float32Array;
  /** W route features per candidate, interleaved (features/studentBatch.ts stepCandidates); null without. */
  readonly route: Float32Array | null;
}

/** Scratch regions per row, in floats (all padded to 8). */
interface Scratch {
  xa: number;
  xb: number;
  xs: number;
  ln: number;
  qkv: number;
  y: number;
  x1: number;
  h: number;
  tt: number;
  a: number;
  q: number;
  /** A dense layer's input packed in blocks of four rows (the kernel's own scratch). */
  ap: number;
}

export class HostDense {
  private readonly k: F32Kernels;
  private readonly blocks: Block[] = [];
  private readonly timeTraj: Mat;
  private readonly timeOut: Mat;
  private readonly navQ: Mat;
  private readonly D: number;
  private readonly D8: number;
  private top = 0;
  private scratchAt = 0;
  private cap = 0;
  private s: Scratch = { xa: 0, xb: 0, xs: 0, ln: 0, qkv: 0, y: 0, x1: 0, h: 0, tt: 0, a: 0, q: 0, ap: 0 };
  private f32 = new Float32Array(0);
  /** The navigator's tables in the kernels' memory; null where the kernel cannot run (nd no multiple of 4, or none given). */
  private readonly nav: {
    navKey: number;
    zoneQ: number;
    uDis: number;
    uAng: number;
    navV: number;
    nd: number;
    uRoute: Float32Array | null;
  } | null = null;

  private constructor(student: Student, weights: Map<string, Float32Array>, nav: NavigatorTables | null) {
    this.k = newF32Kernels();
    const c = student.config;
    const p = student.p;
    const D = p.blocks[0]?.qkv.w.shape[0] ?? 0;
    this.D = D;
    this.D8 = pad8(D);
    const w = (v: { name: string }): Float32Array => {
      const a = weights.get(v.name);
      if (!a) throw new Error(`host dense: no weights for ${v.name}`);
      return a;
    };
    const norm = (n: LayerNormParams): Norm => ({ gamma: this.put(w(n.gamma), this.D8), beta: this.put(w(n.beta), this.D8), eps: n.eps });
    // rows: the first `rows` rows of the weight matrix (navQ and timeOut use a part of theirs)
    const mat = (d: DenseParams, rows = d.w.shape[0] as number): Mat => {
      const N = d.w.shape[1] as number;
      const K8 = pad8(rows);
      const N8 = pad8(N);
      const wv = w(d.w);
      const at = this.alloc(K8 * N8);
      const f = this.view();
      // Panels of eight columns, each K8 rows of 8 (f32Kernels.wat, dense): the k loop reads them in order.
      for (let p = 0; p < N8 / 8; p++)
        for (let r = 0; r < rows; r++) {
          const o = at / 4 + (p * K8 + r) * 8;
          for (let c = 0; c < 8 && 8 * p + c < N; c++) f[o + c] = wv[r * N + 8 * p + c];
        }
      return { w: at, b: d.b ? this.put(w(d.b), N8) : 0, K8, N, N8 };
    };
    for (const blk of p.blocks)
      this.blocks.push({
        ln1: norm(blk.ln1),
        qkv: mat(blk.qkv),
        proj: mat(blk.proj),
        ln2: norm(blk.ln2),
        fc: mat(blk.fc),
        out: mat(blk.out),
      });
    this.timeTraj = mat(p.timeTraj);
    this.timeOut = mat(p.timeOut, c.timeHidden); // the trajectory half; the candidate half is a host table
    this.navQ = mat(p.navQ, D); // the trajectory part of the query; the destination zone's part is a host table
    const nd = this.navQ.N;
    if (nav && nd % 4 === 0)
      this.nav = {
        navKey: this.put(nav.navKey, nav.navKey.length),
        zoneQ: this.put(nav.zoneQ, nav.zoneQ.length),
        uDis: this.put(nav.uDis, nd),
        uAng: this.put(nav.uAng, nd),
        navV: this.put(nav.navV, nd),
        nd,
        uRoute: nav.uRoute,
      };
    this.scratchAt = this.top;
  }

  /** Reads the decoder's weights from the student and lays them out (once per set of weights). */
  static async create(student: Student, nav: NavigatorTables | null = null): Promise<HostDense> {
    const p = student.p;
    const dense = (d: DenseParams) => (d.b ? [d.w, d.b] : [d.w]);
    const vars = [
      ...p.blocks.flatMap((b) => [
        b.ln1.gamma,
        b.ln1.beta,
        ...dense(b.qkv),
        ...dense(b.proj),
        b.ln2.gamma,
        b.ln2.beta,
        ...dense(b.fc),
        ...dense(b.out),
      ]),
      ...dense(p.timeTraj),
      ...dense(p.timeOut),
      ...dense(p.navQ),
    ];
    const weights = new Map<string, Float32Array>();
    await Promise.all(vars.map(async (v) => weights.set(v.name, (await v.data()) as Float32Array)));
    return new HostDense(student, weights, nav);
  }

  private view(): Float32Array {
    if (this.f32.buffer !== this.k.memory.buffer) this.f32 = new Float32Array(this.k.memory.buffer);
    return this.f32;
  }

  /** `floats` zeroed floats at a 32-byte boundary; returns the byte offset. */
  private alloc(floats: number): number {
    const at = Math.ceil(this.top / 32) * 32;
    this.top = at + 4 * floats;
    ensureMemory(this.k, this.top);
    return at;
  }

  /** A vector, zero-padded to `padded` floats. */
  private put(values: Float32Array, padded: number): number {
    const at = this.alloc(padded);
    this.view().set(values, at / 4);
    return at;
  }

  /** Room for R rows in every scratch region (regions move, so only at the start of a pass). */
  private ensureRows(R: number): void {
    if (R <= this.cap) return;
    const cap = Math.max(R, 2 * this.cap, 64);
    const D8 = this.D8;
    const widths: Scratch = {
      xa: D8,
      xb: D8,
      xs: D8,
      ln: D8,
      qkv: Math.max(...this.blocks.map((b) => b.qkv.N8)),
      y: D8,
      x1: D8,
      h: Math.max(...this.blocks.map((b) => b.fc.N8)),
      tt: this.timeTraj.N8,
      a: this.timeOut.N8,
      q: this.navQ.N8,
      ap: Math.max(
        ...this.blocks.flatMap((b) => [b.qkv.K8, b.proj.K8, b.fc.K8, b.out.K8]),
        this.timeTraj.K8,
        this.timeOut.K8,
        this.navQ.K8,
      ),
    };
    const bytes = { ...widths };
    // Packed inputs are whole blocks of four rows.
    for (const k of Object.keys(widths) as Array<keyof Scratch>) bytes[k] = 4 * (k === 'ap' ? cap + 3 : cap) * widths[k];
    const r = regions(this.scratchAt, bytes, 32);
    this.top = r.end;
    ensureMemory(this.k, this.top);
    // Padding columns must read as zeros: fresh memory is, but a reused region may hold old rows.
    this.view().fill(0, this.scratchAt / 4, this.top / 4);
    this.s = r.at;
    this.cap = cap;
  }

  /** The first pass's rows x0 [R, D]. */
  input(x0: Float32Array, R: number): HostRows {
    this.ensureRows(R);
    this.copyIn(x0, R, this.D, this.s.xa, this.D8);
    return { at: this.s.xa, R };
  }

  private copyIn(src: Float32Array, R: number, n: number, at: number, ld: number): void {
    const f = this.view();
    if (n === ld) f.set(src.subarray(0, R * n), at / 4);
    else for (let r = 0; r < R; r++) f.set(src.subarray(r * n, (r + 1) * n), at / 4 + r * ld);
  }

  private copyOut(at: number, R: number, n: number, ld: number): Float32Array {
    const f = this.view();
    if (n === ld) return f.slice(at / 4, at / 4 + R * n);
    const out = new Float32Array(R * n);
    for (let r = 0; r < R; r++) out.set(f.subarray(at / 4 + r * ld, at / 4 + r * ld + n), r * n);
    return out;
  }

  private dense(m: Mat, a: number, res: number, c: number, R: number): void {
    this.k.dense(a, m.w, m.b, res, c, R, m.K8, m.N, 4 * m.N8, this.s.ap);
  }

  /**
   * LayerNorm + qkv projection of block l → [R, 3D]: a view of the kernels' memory where 3D is a
   * multiple of 8 (a copy otherwise), valid until this runner's next call. `keysOnly`: the keys and
   * values alone (a prefill's last block), the query columns left unset.
   */
  qkv(x: HostRows, l: number, keysOnly = false): Float32Array {
    const b = this.blocks[l];
    const { D, D8, s } = this;
    this.k.layerNorm(x.at, b.ln1.gamma, b.ln1.beta, s.ln, x.R, D, 4 * D8, b.ln1.eps);
    if (keysOnly && D % 8 === 0) {
      // Columns D…3D only: their panels start D / 8 panels in, their bias D floats in, and they land
      // in place in the [R, 3D] rows (the query columns keep whatever they held).
      const m = b.qkv;
      this.k.dense(s.ln, m.w + 4 * D * m.K8, m.b && m.b + 4 * D, 0, s.qkv + 4 * D, x.R, m.K8, m.N - D, 4 * m.N8, s.ap);
    } else this.dense(b.qkv, s.ln, 0, s.qkv, x.R);
    if (b.qkv.N === b.qkv.N8) return this.view().subarray(s.qkv / 4, s.qkv / 4 + x.R * b.qkv.N);
    return this.copyOut(s.qkv, x.R, b.qkv.N, b.qkv.N8);
  }

  /** Block l after attention: x[sel] + proj(y), then the MLP with its residual. */
  post(x: HostRows, y: Float32Array, l: number, sel: Int32Array | null): HostRows {
    const b = this.blocks[l];
    const { D, D8, s } = this;
    let xs = x.at;
    let R = x.R;
    if (sel) {
      const f = this.view();
      for (let i = 0; i < sel.length; i++) f.copyWithin(s.xs / 4 + i * D8, x.at / 4 + sel[i] * D8, x.at / 4 + (sel[i] + 1) * D8);
      xs = s.xs;
      R = sel.length;
    }
    this.copyIn(y, R, D, s.y, D8);
    this.dense(b.proj, s.y, xs, s.x1, R);
    this.k.layerNorm(s.x1, b.ln2.gamma, b.ln2.beta, s.ln, R, D, 4 * D8, b.ln2.eps);
    this.dense(b.fc, s.ln, 0, s.h, R);
    this.k.gelu(s.h, R * b.fc.N8);
    const next = x.at === s.xa ? s.xb : s.xa;
    this.dense(b.out, s.h, s.x1, next, R);
    return { at: next, R };
  }

  /** Rows live in the kernels' memory until the next pass: nothing to free. */
  release(): void {}

  /** Whether navScores runs (the navigator's tables were given and its width allows the kernel). */
  get navigates(): boolean {
    return this.nav !== null;
  }

  /**
   * The navigator's raw score of every candidate of every row, flat in row order, from the query
   * rows the last head() left in memory and each row's destination zone (f32 lanes, tanh to ≈ 1e-7;
   * StudentDecoder.navigate is the reference).
   */
  navScores(rows: readonly RowCandidates[], zones: Int32Array): Float32Array {
    const nav = this.nav;
    if (!nav) throw new Error('host dense: no navigator tables');
    const n = rows.reduce((a, r) => a + r.cands.length, 0);
    const ur = nav.uRoute;
    // With route features every candidate gets a query row of its own, its row's query plus its
    // route terms (r0·uRoute[0] + r1·uRoute[1] + …), so the kernel adds them as it adds the query.
    const W = ur ? ur.length / nav.nd : 0;
    const nq = ur ? n : zones.length;
    // Buffers after the scratch rows (they move only in ensureRows, which the next pass calls first).
    const zonesAt = Math.ceil(this.top / 32) * 32;
    const candsAt = zonesAt + Math.ceil((4 * nq) / 32) * 32;
    const outAt = candsAt + 16 * n;
    const qcAt = outAt + Math.ceil((4 * n) / 32) * 32;
    const nd = nav.nd;
    ensureMemory(this.k, ur ? qcAt + 4 * n * nd : outAt + 4 * n);
    const buf = this.k.memory.buffer;
    const zoneOf = new Int32Array(buf, zonesAt, nq);
    if (!ur) zoneOf.set(zones);
    // One record per candidate: road, row (i32), distance, angle (f32).
    const i32 = new Int32Array(buf, candsAt, 4 * n);
    const f32 = new Float32Array(buf, candsAt, 4 * n);
    const mem = ur ? new Float32Array(buf) : null;
    const ldq = 4 * this.navQ.N8;
    let o = 0;
    rows.forEach((r, row) => {
      if (ur && !r.route) throw new Error('host dense: this student reads route features, and a row has none');
      for (let k = 0; k < r.cands.length; k++, o += 4) {
        i32[o] = r.cands[k];
        f32[o + 2] = r.dis[k];
        f32[o + 3] = r.ang[k];
        if (!ur || !mem) {
          i32[o + 1] = row;
          continue;
        }
        const c = o / 4;
        i32[o + 1] = c;
        zoneOf[c] = zones[row];
        const src = (this.s.q + row * ldq) / 4;
        const dst = qcAt / 4 + c * nd;
        if (W === 2) {
          const r0 = r.route![2 * k];
          const r1 = r.route![2 * k + 1];
          for (let j = 0; j < nd; j++) mem[dst + j] = mem[src + j] + r0 * ur[j] + r1 * ur[nd + j];
        } else {
          for (let j = 0; j < nd; j++) {
            let v = mem[src + j];
            for (let w = 0; w < W; w++) v += r.route![W * k + w] * ur[w * nd + j];
            mem[dst + j] = v;
          }
        }
      }
    });
    if (ur) this.k.navScores(qcAt, 4 * nd, zonesAt, nav.zoneQ, nav.navKey, nav.uDis, nav.uAng, nav.navV, nd, candsAt, n, outAt);
    else this.k.navScores(this.s.q, ldq, zonesAt, nav.zoneQ, nav.navKey, nav.uDis, nav.uAng, nav.navV, nd, candsAt, n, outAt);
    return new Float32Array(buf, outAt, n).slice();
  }

  /** The head: navigator query part [nav] then the time head's trajectory part [1], per row. */
  head(x: HostRows): Float32Array {
    const { s } = this;
    const R = x.R;
    this.dense(this.timeTraj, x.at, 0, s.tt, R);
    this.k.gelu(s.tt, R * this.timeTraj.N8);
    this.dense(this.timeOut, s.tt, 0, s.a, R);
    this.dense(this.navQ, x.at, 0, s.q, R);
    const nd = this.navQ.N;
    const f = this.view();
    const out = new Float32Array(R * (nd + 1));
    for (let r = 0; r < R; r++) {
      out.set(f.subarray(s.q / 4 + r * this.navQ.N8, s.q / 4 + r * this.navQ.N8 + nd), r * (nd + 1));
      out[r * (nd + 1) + nd] = f[s.a / 4 + r * this.timeOut.N8];
    }
    return out;
  }
}
