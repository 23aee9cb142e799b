// The first block's LayerNorm + qkv product for the route decoder's input rows, from tables instead
// of a product per row. An input row is x = [spatial(road) ⊕ time(feature)], and
//   LN(x)·W + b = ((x ⊙ γ)·W − μ·(γ·W)) / σ + (β·W + b),
// where (x ⊙ γ)·W is the road half's product plus the time half's. Each half depends on one key (the
// road, the time-of-day feature), so it is computed once, the first time a row brings that key, and
// kept; a row then costs its mean and deviation and one pass over 3D columns instead of D·3D
// multiply-adds. μ and σ come from the row itself, as LayerNorm's. The sums are float64 and the road
// table float32 (3D floats a road met, at most the network's roads: 20 MB for Porto's 13.5k roads at
// D = 128), so results differ from LayerNorm + dense by rounding only (tests/generate/firstBlockQkv.test.ts).

/** What the first block reads: its LayerNorm and qkv weights, row-major, and where the time half starts. */
export interface FirstBlockWeights {
  /** [D, 3D] row-major. */
  w: Float32Array;
  /** [3D], or null. */
  b: Float32Array | null;
  gamma: Float32Array;
  beta: Float32Array;
  eps: number;
  D: number;
  /** Width of the spatial half (the road's part); the time half is the rest. */
  roadDim: number;
}

/** Keys of each input row: its road and its time-of-day feature (features/studentBatch.ts timeOfDayFeature). */
export interface InputRowKeys {
  readonly roads: Int32Array;
  readonly timeFeatures: Float32Array;
}

export class FirstBlockQkv {
  private readonly N: number;
  /** γ_k · W[k, j], [D, 3D]. */
  private readonly wg: Float64Array;
  /** γ·W and β·W + b, [3D]. */
  private readonly g: Float64Array;
  private readonly c: Float64Array;
  /** Road half per road: the row's index in `roadRows` (−1: not computed yet). */
  private readonly roadRow: Int32Array;
  private roadRows = new Float32Array(0);
  private roadCount = 0;
  private readonly timeRows = new Map<number, Float64Array>();
  private readonly scratch: Float64Array;

  constructor(
    private readonly p: FirstBlockWeights,
    nRoads: number,
  ) {
    const { w, b, gamma, beta, D } = p;
    const N = 3 * D;
    this.N = N;
    if (w.length !== D * N) throw new Error(`first block: qkv weights hold ${w.length} values, not ${D}·${N}`);
    this.wg = new Float64Array(D * N);
    this.g = new Float64Array(N);
    this.c = new Float64Array(N);
    for (let k = 0; k < D; k++)
      for (let j = 0; j < N; j++) {
        const wkj = w[k * N + j];
        this.wg[k * N + j] = gamma[k] * wkj;
        this.g[j] += gamma[k] * wkj;
        this.c[j] += beta[k] * wkj;
      }
    if (b) for (let j = 0; j < N; j++) this.c[j] += b[j];
    this.roadRow = new Int32Array(nRoads).fill(-1);
    this.scratch = new Float64Array(N);
  }

  /** Σ_{k in [from, to)} x_k γ_k W[k, ·] of the row at x[off…]. */
  private half(x: Float32Array, off: number, from: number, to: number, out: Float64Array): void {
    const { N, wg } = this;
    out.fill(0);
    for (let k = from; k < to; k++) {
      const xk = x[off + k];
      if (xk === 0) continue;
      for (let j = 0, o = k * N; j < N; j++) out[j] += xk * wg[o + j];
    }
  }

  private roadHalf(road: number, x: Float32Array, off: number): number {
    const at = this.roadRow[road];
    if (at >= 0) return at;
    const N = this.N;
    if ((this.roadCount + 1) * N > this.roadRows.length) {
      const grown = new Float32Array(Math.min(this.roadRow.length * N, Math.max(64 * N, 2 * this.roadRows.length)));
      grown.set(this.roadRows);
      this.roadRows = grown;
    }
    const row = this.roadCount++ * N;
    this.half(x, off, 0, this.p.roadDim, this.scratch);
    this.roadRows.set(this.scratch, row);
    this.roadRow[road] = row;
    return row;
  }

  private timeHalf(feature: number, x: Float32Array, off: number): Float64Array {
    let row = this.timeRows.get(feature);
    if (!row) {
      row = new Float64Array(this.N);
      this.half(x, off, this.p.roadDim, this.p.D, row);
      this.timeRows.set(feature, row);
    }
    return row;
  }

  /**
   * LN(x)·W + b of R rows x [R, D] (row stride ldx floats) whose halves are keyed by `keys`, into
   * out [R, 3D] (row stride ldo floats, from out[outOff]).
   */
  qkv(x: Float32Array, xOff: number, ldx: number, R: number, keys: InputRowKeys, out: Float32Array, outOff: number, ldo: number): void {
    const { N, g, c } = this;
    const { D, eps } = this.p;
    for (let r = 0; r < R; r++) {
      const xo = xOff + r * ldx;
      let sum = 0;
      for (let k = 0; k < D; k++) sum += x[xo + k];
      const mean = sum / D;
      let ss = 0;
      for (let k = 0; k < D; k++) {
        const d = x[xo + k] - mean;
        ss += d * d;
      }
      const inv = 1 / Math.sqrt(ss / D + eps);
      const ro = this.roadHalf(keys.roads[r], x, xo);
      const rr = this.roadRows;
      const tr = this.timeHalf(keys.timeFeatures[r], x, xo);
      const oo = outOff + r * ldo;
      for (let j = 0; j < N; j++) out[oo + j] = (rr[ro + j] + tr[j] - mean * g[j]) * inv + c[j];
    }
  }
}
