// A small CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016): (μ/μ_w, λ) selection,
// cumulative step-size adaptation and rank-one + rank-μ covariance updates with positive weights.
// Written for the λ/τ/w search: a few dimensions, tens of evaluations, so the
// eigendecomposition is a plain Jacobi sweep each generation.
//
// Ask/tell, one candidate at a time, for sequential trials: a generation's λ candidates are drawn
// together from a seeded generator, handed out in order, and the distribution is updated once all
// of them are told. Replaying the same asks and tells from a log rebuilds the same state, which
// makes a search resumable.
//
// Bounds: a candidate outside the box is redrawn (up to 10 times) and then clipped; the update
// uses the clipped point, as the candidate actually evaluated.
import { makeRng, randNormal } from '../random';

export interface CmaEsOptions {
  /** Initial mean (its length is the dimension). */
  mean: number[];
  /** Initial step size. */
  sigma: number;
  seed: number;
  /** Population size λ (default 4 + ⌊3 ln n⌋). */
  popSize?: number;
  lower?: number[];
  upper?: number[];
}

export interface CmaCandidate {
  /** Index within the current generation. */
  id: number;
  generation: number;
  x: number[];
}

const REDRAWS = 10;

export class CmaEs {
  readonly n: number;
  readonly popSize: number;
  private readonly mu: number;
  private readonly weights: number[];
  private readonly muEff: number;
  private readonly cSigma: number;
  private readonly dSigma: number;
  private readonly cc: number;
  private readonly c1: number;
  private readonly cMu: number;
  private readonly chiN: number;
  private readonly lower: number[];
  private readonly upper: number[];
  private readonly rng: () => number;
  private m: number[];
  private sigma_: number;
  private C: number[][];
  private B: number[][];
  private D: number[];
  private pSigma: number[];
  private pc: number[];
  private gen = 0;
  private pending: number[][] = [];
  private nextAsk = 0;
  private told = new Map<number, { x: number[]; f: number }>();

  constructor(o: CmaEsOptions) {
    const n = o.mean.length;
    if (n < 1) throw new Error('CMA-ES needs at least one dimension');
    if (!(o.sigma > 0)) throw new Error(`CMA-ES sigma must be positive, got ${o.sigma}`);
    this.n = n;
    this.lower = o.lower ?? new Array<number>(n).fill(-Infinity);
    this.upper = o.upper ?? new Array<number>(n).fill(Infinity);
    if (this.lower.length !== n || this.upper.length !== n) throw new Error('CMA-ES bounds must have the dimension of the mean');
    for (let i = 0; i < n; i++) {
      if (!(this.lower[i] < this.upper[i]))
        throw new Error(`CMA-ES bound ${i}: lower ${this.lower[i]} is not below upper ${this.upper[i]}`);
    }
    this.popSize = o.popSize ?? 4 + Math.floor(3 * Math.log(n));
    if (this.popSize < 2) throw new Error('CMA-ES population must be at least 2');
    this.mu = Math.floor(this.popSize / 2);
    const raw = Array.from({ length: this.mu }, (_, i) => Math.log((this.popSize + 1) / 2) - Math.log(i + 1));
    const sum = raw.reduce((a, b) => a + b, 0);
    this.weights = raw.map((w) => w / sum);
    this.muEff = 1 / this.weights.reduce((a, w) => a + w * w, 0);
    const me = this.muEff;
    this.cSigma = (me + 2) / (n + me + 5);
    this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((me - 1) / (n + 1)) - 1) + this.cSigma;
    this.cc = (4 + me / n) / (n + 4 + (2 * me) / n);
    this.c1 = 2 / ((n + 1.3) ** 2 + me);
    this.cMu = Math.min(1 - this.c1, (2 * (me - 2 + 1 / me)) / ((n + 2) ** 2 + me));
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.rng = makeRng(o.seed);
    this.m = o.mean.slice();
    this.sigma_ = o.sigma;
    this.C = identity(n);
    this.B = identity(n);
    this.D = new Array<number>(n).fill(1);
    this.pSigma = new Array<number>(n).fill(0);
    this.pc = new Array<number>(n).fill(0);
  }

  get mean(): number[] {
    return this.m.slice();
  }

  get sigma(): number {
    return this.sigma_;
  }

  get generation(): number {
    return this.gen;
  }

  /** The next candidate of the current generation (drawing the generation when it starts). */
  ask(): CmaCandidate {
    if (this.nextAsk >= this.popSize) throw new Error('CMA-ES: every candidate of this generation was asked; tell their values first');
    if (this.nextAsk === 0) this.pending = Array.from({ length: this.popSize }, () => this.sample());
    const id = this.nextAsk++;
    return { id, generation: this.gen, x: this.pending[id].slice() };
  }

  /** The value of an asked candidate; the last one of a generation updates the distribution. */
  tell(c: CmaCandidate, value: number): void {
    if (c.generation !== this.gen || c.id >= this.nextAsk)
      throw new Error(`CMA-ES: candidate ${c.generation}/${c.id} was not asked in this generation`);
    if (this.told.has(c.id)) throw new Error(`CMA-ES: candidate ${c.generation}/${c.id} was already told`);
    // A failed evaluation ranks last rather than poisoning the update.
    this.told.set(c.id, { x: this.pending[c.id], f: Number.isFinite(value) ? value : Infinity });
    if (this.told.size === this.popSize) this.update();
  }

  private sample(): number[] {
    const n = this.n;
    let x: number[] = [];
    for (let attempt = 0; attempt <= REDRAWS; attempt++) {
      const z = Array.from({ length: n }, () => randNormal(this.rng));
      const y = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i] += this.B[i][j] * this.D[j] * z[j];
      x = this.m.map((mi, i) => mi + this.sigma_ * y[i]);
      if (x.every((v, i) => v >= this.lower[i] && v <= this.upper[i])) return x;
    }
    return x.map((v, i) => Math.min(this.upper[i], Math.max(this.lower[i], v)));
  }

  private update(): void {
    const n = this.n;
    const ranked = [...this.told.values()].sort((a, b) => a.f - b.f);
    const ys = ranked.slice(0, this.mu).map((r) => r.x.map((v, i) => (v - this.m[i]) / this.sigma_));
    const yw = new Array<number>(n).fill(0);
    ys.forEach((y, k) => y.forEach((v, i) => (yw[i] += this.weights[k] * v)));
    this.m = this.m.map((mi, i) => mi + this.sigma_ * yw[i]);

    // C^{-1/2} y_w = B D^{-1} Bᵀ y_w
    const bty = new Array<number>(n).fill(0);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) bty[j] += this.B[i][j] * yw[i];
    const invSqrtY = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) invSqrtY[i] += (this.B[i][j] * bty[j]) / this.D[j];
    const cs = this.cSigma;
    const kSigma = Math.sqrt(cs * (2 - cs) * this.muEff);
    this.pSigma = this.pSigma.map((p, i) => (1 - cs) * p + kSigma * invSqrtY[i]);
    const psNorm = Math.hypot(...this.pSigma);
    const hSigma = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * (this.gen + 1))) < (1.4 + 2 / (n + 1)) * this.chiN ? 1 : 0;
    const cc = this.cc;
    const kc = hSigma * Math.sqrt(cc * (2 - cc) * this.muEff);
    this.pc = this.pc.map((p, i) => (1 - cc) * p + kc * yw[i]);

    const deltaH = (1 - hSigma) * cc * (2 - cc);
    const keep = 1 - this.c1 - this.cMu + this.c1 * deltaH;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        ys.forEach((y, k) => (rankMu += this.weights[k] * y[i] * y[j]));
        const v = keep * this.C[i][j] + this.c1 * this.pc[i] * this.pc[j] + this.cMu * rankMu;
        this.C[i][j] = v;
        this.C[j][i] = v;
      }
    }
    this.sigma_ *= Math.exp((cs / this.dSigma) * (psNorm / this.chiN - 1));
    const { vectors, values } = symmetricEigen(this.C);
    this.B = vectors;
    this.D = values.map((v) => Math.sqrt(Math.max(v, 1e-20)));
    this.gen++;
    this.nextAsk = 0;
    this.told.clear();
    this.pending = [];
  }
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/**
 * Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations: A = V diag(values) Vᵀ,
 * eigenvectors in the columns of V.
 */
export function symmetricEigen(a: readonly number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const A = a.map((row) => row.slice());
  const V = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p][q] * A[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(A[p][q]) < 1e-300) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k][p];
          const akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k];
          const aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k][p];
          const vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: A.map((row, i) => row[i]), vectors: V };
}
