// Fast incremental decoding of the Student for route search. Same mathematics as
// Student.stepTrajectories + Student.navigate, arranged for many small queries per step:
// - every per-road quantity is computed once per network and kept in host memory: the fused
//   road/zone embedding, the navigator's key part of each candidate road (its embedding through
//   nav/k plus the constant part of the metric embeddings) and the time head's candidate branch
//   (a scalar per road, since timeOut is linear after the GELU);
// - the dense layers (qkv, proj, MLP) run as one device matmul per layer for all rows of a step;
// - attention runs on the host over the cached key/value rows of each prefix's chain of ancestors
//   (no [B, H, L, dh] assembly, no padding to the longest prefix);
// - the navigator's additive attention and the time head run on the host over the real candidates
//   only.
// Prefixes longer than the window W (the checkpoint's maxLen) see only their last W roads, as the
// model was trained and as the full re-encoding path does. The window moves with every step and
// the encoder has two or more layers, so the deeper layers' keys and values change when the window
// moves: a sliding cache would change the answers. Instead the window is recomputed exactly from
// cached per-position inputs and pair features, once per distinct (position, window start) of the
// step, so beams that share their history share that work.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../data/derivedTypes';
import { cosLat, haversineKmCos } from '../geo';
import type { StepScores } from './search';
import { isWeekendUtc, stepCandidates, timeOfDayFeature, withRouteFeatures, type BatchContext } from '../features/studentBatch';
import { attentionKernel, type AttentionKernel, type CachedKv, type HostAttentionKind, type RelativeTerms } from './attentionKernel';
import { gelu } from '../models/layers';
import { f32KernelsAvailable } from '../models/f32Kernels';
import { HostDense, type RowCandidates } from './hostDense';
import { TfjsDense, type DenseOn, type DenseRunner } from './denseRunner';
import { readAndDispose } from '../runtime/deviceMemory';
import { NodeSlab } from './nodeSlab';
import { scaledSeconds } from './timeCalibration';
import type { EncodedNetwork, Student } from '../models/student';

/** One scored (or being scored) prefix: its last road, chained to the prefix without it. */
export interface DecodeNode extends CachedKv {
  readonly parent: DecodeNode | null;
  readonly road: number;
  /** Roads in the prefix (origin = 1). */
  readonly depth: number;
  /** Entry time of this node's road and of the trip's first road, unix seconds. */
  readonly time: number;
  readonly start: number;
  /** The prefix's roads and their entry times, origin first, this node's last (length depth). */
  readonly roads: Int32Array;
  readonly times: Float64Array;
  /**
   * Pair features between this position and the previous m − 1 positions (m = min(depth, W)), itself
   * last (0): the m clipped, normalised centroid distances, then the m entry-time gaps (the encoder's
   * relative bias). One array, not two: a typed array per node is garbage the collector pays for.
   */
  readonly pair: Float32Array;
  /** Keys and values of every block for this position, [layer][k, v][D]; set when scored with depth ≤ W. */
  kv: Float32Array | null;
  /** Candidates and predicted seconds to each (the children's entry times); set when scored. */
  cands: number[] | null;
  sec: Float64Array | null;
  /**
   * First-block attention scores of this position against the n − 1 positions before it and
   * itself, [head][distance back], as a window computed them. They do not depend on where the
   * window starts (the first block's queries and keys are per-position), so the windows of later
   * steps, which start later, reuse them; only the softmax over the shorter key range is redone.
   */
  raw0: { raw: Float64Array; n: number } | null;
}

interface HostTables {
  /** [nRoads, roadDim] fused road/zone embedding (the spatial half of the encoder input). */
  spatial: Float32Array;
  freqs: Float32Array;
  rel: RelativeTerms[];
  /** [nRoads, navDim] candidate key without the metric terms; uDis/uAng multiply the metrics. */
  navKey: Float32Array;
  uDis: Float32Array;
  uAng: Float32Array;
  /** Route features' rows [W, navDim] (delay, unreachable, …; W = routeFeatureWidth); null for a student without them. */
  uRoute: Float32Array | null;
  /** [nZones, navDim] destination-zone part of the navigator query. */
  zoneQ: Float32Array;
  navV: Float32Array;
  /** [nRoads] candidate-branch contribution of the time head. */
  timeCand: Float32Array;
}

/** The profile's phase names of one kind of step (StudentDecoder.phaseMs). */
interface DecodePhases {
  build: string;
  dense: string;
  attention: string;
  navigate: string;
}
const INC_PHASES: DecodePhases = { build: 'inc.build', dense: 'inc.dense', attention: 'inc.attention', navigate: 'inc.navigate' };
const WIN_PHASES: DecodePhases = { build: 'win.build', dense: 'win.dense', attention: 'win.attention', navigate: 'win.navigate' };
const PRE_PHASES: DecodePhases = { build: 'pre.build', dense: 'pre.dense', attention: 'pre.attention', navigate: 'pre.navigate' };

/** Rows of one window computation: distinct (node, window start) pairs. */
interface WindowRows {
  nodes: DecodeNode[];
  s0: number[];
  /** Row index of each node's window ancestors (window start first), per row. */
  keys: Int32Array[];
}

export class StudentDecoder {
  readonly window: number;
  private tables: HostTables | null = null;
  /** The dense layers' runner, made with the tables (it holds a copy of the weights on the host). */
  private dense: DenseRunner<unknown> | null = null;
  private readonly denseOn: DenseOn;
  /** The host attention's kernel (WebAssembly SIMD where it runs) and the heads' relative-value weights of one row. */
  private readonly kernel: AttentionKernel;
  private readonly adg: Float64Array;
  private readonly D: number;
  private readonly roadDim: number;
  private readonly H: number;
  private readonly dh: number;
  private readonly nL: number;
  /** cosLat of every road's centroid (makeNode's distances to the ancestors). */
  private readonly cosLat: Float64Array;
  /** Wall ms per phase, accumulated (the generation profile reads it). */
  readonly phaseMs: Record<string, number>;
  /**
   * Positions encoded: one per incremental query; the distinct window positions of window queries;
   * the unscored ancestors a prefill encoded (keys/values only).
   * `attentionMacs`: multiply-adds of the host attention (a score and a value row per key, head and layer).
   */
  readonly rows = { incremental: 0, window: 0, prefill: 0, attentionMacs: 0 };
  private x0 = new Float32Array(0);
  /** Nodes' arrays (pair features, roads and times, keys/values): views of shared buffers. */
  private readonly slab = new NodeSlab();
  private timeRows = new Map<number, Float32Array>();
  /** The candidates' context, with the route features the student reads (withRouteFeatures). */
  private readonly ctx: BatchContext;

  constructor(
    private readonly student: Student,
    ctx: BatchContext,
    private readonly derived: Derived,
    private readonly timeScale: number,
    phaseMs: Record<string, number>,
    dims: { roadDim: number; trajDim: number },
    hostAttention?: HostAttentionKind,
    denseOn: DenseOn = 'host',
  ) {
    this.denseOn = denseOn === 'host' && f32KernelsAvailable() ? 'host' : 'device';
    const c = student.config;
    this.ctx = withRouteFeatures(ctx, c);
    this.window = ctx.maxLen;
    this.D = dims.trajDim;
    this.roadDim = dims.roadDim;
    this.H = c.heads;
    this.dh = this.D / this.H;
    this.nL = c.layers;
    this.phaseMs = phaseMs;
    this.kernel = attentionKernel({ D: this.D, H: this.H, layers: this.nL, maxKeys: this.window }, hostAttention);
    this.adg = new Float64Array(2 * this.H);
    const cen = derived.features.centroid;
    this.cosLat = Float64Array.from({ length: cen.length / 2 }, (_, r) => cosLat(cen[2 * r + 1]));
  }

  private denseRunner(): DenseRunner<unknown> {
    if (!this.dense) throw new Error('StudentDecoder: prepare() first');
    return this.dense;
  }

  /** Where the dense layers run ('device' where WebAssembly SIMD is unavailable). */
  get denseLayersOn(): DenseOn {
    return this.denseOn;
  }

  /** The host attention kernel in use ('scalar' where WebAssembly SIMD is unavailable). */
  get hostAttention(): HostAttentionKind {
    return this.kernel.kind;
  }

  /** Multiply-adds of the dense layers per decoded row: every block's qkv, proj and MLP, and the head. */
  get denseMacsPerRow(): number {
    const c = this.student.config;
    const D = this.D;
    return this.nL * (4 * D * D + 2 * D * c.mlpRatio * D) + D * (c.timeHidden + c.navDim);
  }

  private tick(phase: string, t0: number): number {
    const t = performance.now();
    this.phaseMs[phase] = (this.phaseMs[phase] ?? 0) + (t - t0);
    return t;
  }

  /**
   * A step's input rows, reused from step to step (the dense runner copies them in at once): a
   * fresh [R, D] array per step was hundreds of kB of garbage a step.
   */
  private scratchRows(n: number): Float32Array {
    if (this.x0.length < n) this.x0 = new Float32Array(Math.ceil(n * 1.25));
    const x = this.x0.subarray(0, n);
    x.fill(0);
    return x;
  }

  /** Drops the host tables (after the weights or the network encodings change). */
  reset(): void {
    this.tables = null;
    this.timeRows.clear();
    this.dense = null;
    this.kernel.flush();
  }

  /**
   * The scorer dropped every node: the attention kernel's copies of their keys/values go, and their
   * slab memory is handed out again (reused memory, not fresh pages; nodeSlab.ts).
   */
  forgetNodes(): void {
    this.kernel.flush();
    this.slab.recycle();
  }

  /** Computes the per-network host tables from the cached road/zone encodings (once). */
  async prepare(enc: EncodedNetwork): Promise<void> {
    if (this.tables) return;
    const p = this.student.p;
    const c = this.student.config;
    const rd = this.roadDim;
    const roadZone = this.derived.zones.roadZone;
    // Route features (when the student reads them): their weights [W, navDim] multiply the features, their bias joins the constant.
    const m = c.metricDim;
    const wkR = (): tf.Tensor2D => (p.navK.w as tf.Tensor2D).slice([rd + 2 * m, 0], [m, c.navDim]);
    const uRouteT = p.metricRoute ? tf.tidy(() => tf.matMul(p.metricRoute!.w, wkR())) : null;
    const [spatialT, navKeyT, uT, zoneQT, timeCandT] = tf.tidy(() => {
      const z = tf.gather(enc.zone, tf.tensor1d(roadZone, 'int32'));
      const spatial = this.student.spatialEmbedding(enc.road, z as tf.Tensor2D);
      const wk = p.navK.w as tf.Tensor2D; // [roadDim + 2·metricDim, navDim]
      const wkC = wk.slice([0, 0], [rd, c.navDim]);
      const wkD = wk.slice([rd, 0], [m, c.navDim]);
      const wkA = wk.slice([rd + m, 0], [m, c.navDim]);
      let constant = tf.add(
        tf.matMul(tf.reshape(p.metricDis.b as tf.Tensor, [1, m]), wkD),
        tf.matMul(tf.reshape(p.metricAngle.b as tf.Tensor, [1, m]), wkA),
      );
      if (p.metricRoute) constant = tf.add(constant, tf.matMul(tf.reshape(p.metricRoute.b as tf.Tensor, [1, m]), wkR()));
      const navKey = tf.add(tf.matMul(enc.road, wkC), constant);
      const u = tf.concat([tf.matMul(p.metricDis.w, wkD), tf.matMul(p.metricAngle.w, wkA)], 0); // [2, navDim]
      const wq = p.navQ.w as tf.Tensor2D; // [D + roadDim, navDim]
      const zoneQ = tf.matMul(enc.zone, wq.slice([this.D, 0], [rd, c.navDim]));
      const wo = p.timeOut.w as tf.Tensor2D; // [2·timeHidden, 1]
      const tc = gelu(tf.add(tf.matMul(enc.road, p.timeCand.w), p.timeCand.b as tf.Tensor));
      const timeCand = tf.matMul(tc, wo.slice([c.timeHidden, 0], [c.timeHidden, 1]));
      return [spatial, navKey, u, zoneQ, timeCand];
    });
    const u = await readAndDispose(uT);
    const uRoute = uRouteT ? await readAndDispose(uRouteT) : null;
    const rel: RelativeTerms[] = [];
    for (const blk of p.blocks) {
      const [kw, kb, vw, vb] = await Promise.all(
        [blk.relK.w, blk.relK.b as tf.Tensor, blk.relV.w, blk.relV.b as tf.Tensor].map((t) => t.data() as Promise<Float32Array>),
      );
      const dh = this.dh;
      rel.push({
        kw0: kw.slice(0, dh),
        kw1: kw.slice(dh, 2 * dh),
        kb: kb.slice(),
        vw0: vw.slice(0, dh),
        vw1: vw.slice(dh, 2 * dh),
        vb: vb.slice(),
      });
      this.kernel.batch?.setRelative(rel.length - 1, rel[rel.length - 1]);
    }
    this.tables = {
      spatial: await readAndDispose(spatialT),
      freqs: ((await p.freqs.data()) as Float32Array).slice(),
      rel,
      navKey: await readAndDispose(navKeyT),
      uDis: u.slice(0, c.navDim),
      uAng: u.slice(c.navDim),
      uRoute,
      zoneQ: await readAndDispose(zoneQT),
      navV: ((await p.navV.w.data()) as Float32Array).slice(),
      timeCand: await readAndDispose(timeCandT),
    };
    this.dense = this.denseOn === 'host' ? await HostDense.create(this.student, this.tables) : new TfjsDense(this.student, this.D);
  }

  /** A new prefix node: `parent` extended by `road` entered at `time` (pair features computed here). */
  makeNode(parent: DecodeNode | null, road: number, time: number, start: number): DecodeNode {
    const depth = parent ? parent.depth + 1 : 1;
    const m = Math.min(depth, this.window);
    const pooled = parent !== null;
    const pair = this.slab.array(Float32Array, 2 * m, pooled);
    // The prefix's roads and times in order: the loop below reads them from two arrays instead of
    // following parent pointers (a dependent load per ancestor, the slow part of building a node).
    const roads = this.slab.array(Int32Array, depth, pooled);
    const times = this.slab.array(Float64Array, depth, pooled);
    if (parent) {
      roads.set(parent.roads);
      times.set(parent.times);
    }
    roads[depth - 1] = road;
    times[depth - 1] = time;
    const cen = this.derived.features.centroid;
    const cos = this.cosLat;
    const { distClipM, gapClipMin } = this.ctx;
    const lon = cen[2 * road];
    const lat = cen[2 * road + 1];
    for (let t = m - 2, j = depth - 2; t >= 0; t--, j--) {
      const r = roads[j];
      // haversineM, with the latitudes' cosines read from a table.
      const dM = haversineKmCos(lon, lat, cos[road], cen[2 * r], cen[2 * r + 1], cos[r]) * 1000;
      pair[t] = Math.min(dM, distClipM) / distClipM;
      pair[m + t] = Math.min(Math.abs(time - times[j]) / 60, gapClipMin) / gapClipMin;
    }
    return {
      parent,
      road,
      depth,
      time,
      start,
      roads,
      times,
      pair,
      kv: null,
      cands: null,
      sec: null,
      raw0: null,
      slot: -1,
      slotGen: -1,
    };
  }

  /** Encoder input of one position [D]: fused road/zone embedding ⊕ time embedding (Student.embedPositions). */
  private inputRow(node: DecodeNode, out: Float32Array, off: number): void {
    const t = this.tables!;
    const rd = this.roadDim;
    // Element loops, not set(subarray): a view per row was garbage that the collector paid for in every step.
    const sp = t.spatial;
    for (let i = 0, j = node.road * rd; i < rd; i++, j++) out[off + i] = sp[j];
    out.set(this.timeRow(Math.fround(timeOfDayFeature(node.time, isWeekendUtc(node.start)))), off + rd);
  }

  /**
   * The time embedding (cosines, then sines) of a time-of-day feature. The feature takes at most
   * 2 × 1440 values (a minute of the day, signed by weekend), so each row is computed once and
   * kept: a search needs tens of thousands of rows, each 64 trigonometric calls.
   */
  private timeRow(tf32: number): Float32Array {
    let row = this.timeRows.get(tf32);
    if (row) return row;
    const freqs = this.tables!.freqs;
    const half = freqs.length;
    const scale = Math.fround(Math.sqrt(1 / (2 * this.student.config.timeDim)));
    row = new Float32Array(2 * half);
    for (let f = 0; f < half; f++) {
      const x = Math.fround(tf32 * freqs[f]);
      row[f] = Math.fround(Math.fround(Math.cos(x)) * scale);
      row[half + f] = Math.fround(Math.fround(Math.sin(x)) * scale);
    }
    this.timeRows.set(tf32, row);
    return row;
  }

  /**
   * Attention of block l for one query row: the query is row `row` of the layer's qkv (`q`, also
   * loaded into the kernel), its n keys set on the kernel, the pair features of key t at
   * pair[fOff + t] (distance) and pair[half + fOff + t] (gap); output (all heads, in order) written
   * to out[outOff…]. The host twin of models/relativeAttention.ts, held to it by
   * tests/generate/incremental.test.ts.
   */
  private attend(
    l: number,
    q: Float32Array,
    row: number,
    n: number,
    feat: { pair: Float32Array; half: number; fOff: number },
    out: Float32Array,
    outOff: number,
    cache: { raw: Float64Array; n: number } | null = null,
  ): void {
    const { H, dh, D, adg } = this;
    const W = this.window;
    const rel = this.tables!.rel[l];
    const scale = 1 / Math.sqrt(dh);
    const { pair, fOff } = feat;
    const gOff = feat.half + fOff;
    const cached = cache !== null && cache.n >= n;
    this.rows.attentionMacs += 2 * n * D;
    const kern = this.kernel;
    const scores = cached ? kern.scores : kern.dots(row, n);
    const sums = kern.sums;
    for (let h = 0; h < H; h++) {
      const so = h * n;
      let max = -Infinity;
      if (cached) {
        for (let t = 0; t < n; t++) {
          const sc = cache.raw[h * W + (n - 1 - t)];
          scores[so + t] = sc;
          if (sc > max) max = sc;
        }
      } else {
        const qo = row * 3 * D + h * dh;
        let qd = 0;
        let qg = 0;
        let qb = 0;
        for (let i = 0; i < dh; i++) {
          const qi = q[qo + i];
          qd += qi * rel.kw0[i];
          qg += qi * rel.kw1[i];
          qb += qi * rel.kb[i];
        }
        for (let t = 0; t < n; t++) {
          const s = (scores[so + t] + (qd * pair[fOff + t] + qg * pair[gOff + t] + qb)) * scale;
          scores[so + t] = s;
          if (cache) cache.raw[h * W + (n - 1 - t)] = s;
          if (s > max) max = s;
        }
      }
      // Softmax weights in place (unnormalised, with their sum) and the relative term's weights.
      let sum = 0;
      for (let t = 0; t < n; t++) {
        const e = Math.exp(scores[so + t] - max);
        scores[so + t] = e;
        sum += e;
      }
      let ad = 0;
      let ag = 0;
      for (let t = 0; t < n; t++) {
        const a = scores[so + t] / sum;
        ad += a * pair[fOff + t];
        ag += a * pair[gOff + t];
      }
      sums[h] = sum;
      adg[2 * h] = ad;
      adg[2 * h + 1] = ag;
    }
    if (cache && !cached) cache.n = n;
    const acc = kern.values(n);
    for (let h = 0; h < H; h++) {
      const oo = outOff + h * dh;
      const ad = adg[2 * h];
      const ag = adg[2 * h + 1];
      for (let i = 0; i < dh; i++) out[oo + i] = acc[h * dh + i] + ad * rel.vw0[i] + ag * rel.vw1[i] + rel.vb[i];
    }
  }

  /**
   * Scores new nodes (a node at most W deep whose ancestors were not scored gets them encoded
   * first: prefill). Returns, per item, the candidates
   * of the node's last road with their log-probs and predicted seconds, and stores them (and the
   * node's keys/values when depth ≤ W) on the node.
   */
  async score(items: Array<{ node: DecodeNode; dest: number }>): Promise<StepScores[]> {
    if (!this.tables) throw new Error('StudentDecoder: prepare() first');
    const out = new Array<StepScores>(items.length);
    const inc: number[] = [];
    const win: number[] = [];
    const pre: DecodeNode[] = [];
    items.forEach((it, i) => {
      const n = it.node;
      if (n.depth > this.window) win.push(i);
      else {
        inc.push(i);
        if (n.parent !== null && n.parent.kv === null) pre.push(n);
      }
    });
    this.kernel.beginStep();
    if (pre.length > 0) await this.prefill(pre);
    if (inc.length > 0) await this.scoreIncremental(items, inc, out);
    if (win.length > 0) await this.scoreWindow(items, win, out);
    return out;
  }

  /** Depth ≤ W: one new position per item on top of its ancestors' cached keys/values. */
  private async scoreIncremental(items: Array<{ node: DecodeNode; dest: number }>, idx: number[], out: StepScores[]): Promise<void> {
    const nodes = idx.map((i) => items[i].node);
    this.rows.incremental += nodes.length;
    const { x0, attention } = this.incrementalRows(nodes, INC_PHASES);
    await this.decodeRows(INC_PHASES, performance.now(), x0, nodes.length, attention, () => null, items, idx, out);
  }

  /**
   * The input rows of new positions whose parents' keys/values are cached, and the attention of
   * each block over them (which also stores each row's keys/values on its node).
   */
  private incrementalRows(
    nodes: DecodeNode[],
    phases: DecodePhases,
  ): { x0: Float32Array; attention: (l: number, qkv: Float32Array) => Float32Array } {
    const { D, nL } = this;
    const R = nodes.length;
    let t = performance.now();
    const x0 = this.scratchRows(R * D);
    // The per-row kernel path reads each ancestor by position; the batched one walks the chains itself.
    const chains: DecodeNode[][] | null = this.kernel.batch ? null : [];
    nodes.forEach((node, r) => {
      this.inputRow(node, x0, r * D);
      node.kv = this.slab.array(Float32Array, 2 * nL * D, node.parent !== null);
      if (!chains) return;
      const chain = new Array<DecodeNode>(node.depth - 1);
      let a = node.parent;
      for (let j = node.depth - 2; j >= 0; j--, a = a!.parent) chain[j] = a!;
      chains.push(chain);
    });
    t = this.tick(phases.build, t);
    const kern = this.kernel;
    const batch = kern.batch;
    if (batch) {
      batch.setRows(nodes);
      this.tick(phases.attention, t);
    }
    // The batched kernel returns its output rows; the per-row path writes them here.
    const y = batch ? null : new Float32Array(R * D);
    const attention = (l: number, qkv: Float32Array): Float32Array => {
      this.storeKv(nodes, l, qkv);
      if (!y) {
        for (let r = 0; r < R; r++) this.rows.attentionMacs += 2 * nodes[r].depth * D;
        return batch!.attend(l, qkv);
      }
      kern.loadQkv(qkv);
      for (let r = 0; r < R; r++) {
        const node = nodes[r];
        const chain = chains![r];
        const n = node.depth;
        for (let j = 0; j < n - 1; j++) kern.keyFromCache(j, chain[j], l);
        kern.keyFromQkv(n - 1, r);
        this.attend(l, qkv, r, n, { pair: node.pair, half: n, fOff: 0 }, y, r * D);
      }
      return y;
    };
    return { x0, attention };
  }

  /** Block l's keys and values of each row (from its qkv rows) into the row's node. */
  private storeKv(nodes: DecodeNode[], l: number, qkv: Float32Array): void {
    const D = this.D;
    for (let r = 0; r < nodes.length; r++) {
      const kv = nodes[r].kv!;
      for (let i = 0, j = r * 3 * D + D, o = 2 * l * D; i < 2 * D; i++) kv[o + i] = qkv[j + i];
    }
  }

  /**
   * Depth ≤ W with an unscored parent (a prefill): the keys/values of the unscored ancestors,
   * origin first, one pass per depth over all items' ancestors at that depth, each pass an
   * incremental step on the one before. Only keys/values are wanted, so the last block stops after
   * its qkv (no attention, MLP, navigator or time head); the items themselves are then scored as
   * incremental rows.
   */
  private async prefill(nodes: DecodeNode[]): Promise<void> {
    const byDepth: DecodeNode[][] = [];
    const seen = new Set<DecodeNode>();
    for (const node of nodes)
      for (let a = node.parent; a && a.kv === null && !seen.has(a); a = a.parent) {
        seen.add(a);
        (byDepth[a.depth - 1] ??= []).push(a);
      }
    const dense = this.denseRunner();
    for (const level of byDepth) {
      if (!level) continue;
      this.rows.prefill += level.length;
      const { x0, attention } = this.incrementalRows(level, PRE_PHASES);
      let t = performance.now();
      let x = dense.input(x0, level.length);
      for (let l = 0; l < this.nL; l++) {
        const qkv = await dense.qkv(x, l, l === this.nL - 1);
        t = this.tick(PRE_PHASES.dense, t);
        if (l === this.nL - 1) {
          this.storeKv(level, l, qkv);
          break;
        }
        const y = attention(l, qkv);
        t = this.tick(PRE_PHASES.attention, t);
        const next = dense.post(x, y, l, null);
        dense.release(x);
        x = next;
        t = this.tick(PRE_PHASES.dense, t);
      }
      dense.release(x);
    }
  }

  /**
   * One step's passes over R rows x0: per block the dense layers around `attention` (block l's
   * output rows, given its qkv rows), keeping the rows `sel(l)` (null: all) after it; then the head
   * and the navigator for `idx` into `out`. Phase times from `t` on go to `phases`.
   */
  private async decodeRows(
    phases: DecodePhases,
    t: number,
    x0: Float32Array,
    R: number,
    attention: (l: number, qkv: Float32Array) => Float32Array,
    sel: (l: number) => Int32Array | null,
    items: Array<{ node: DecodeNode; dest: number }>,
    idx: number[],
    out: StepScores[],
  ): Promise<void> {
    const dense = this.denseRunner();
    let x = dense.input(x0, R);
    for (let l = 0; l < this.nL; l++) {
      const qkv = await dense.qkv(x, l);
      t = this.tick(phases.dense, t);
      const y = attention(l, qkv);
      t = this.tick(phases.attention, t);
      const next = dense.post(x, y, l, sel(l));
      dense.release(x);
      x = next;
      t = this.tick(phases.dense, t);
    }
    const head = await dense.head(x);
    dense.release(x);
    t = this.tick(phases.dense, t);
    this.navigate(items, idx, head, out);
    this.tick(phases.navigate, t);
  }

  /** Depth > W: the window of the last W positions, recomputed exactly (see the file comment). */
  private async scoreWindow(items: Array<{ node: DecodeNode; dest: number }>, idx: number[], out: StepScores[]): Promise<void> {
    const { D, nL } = this;
    const W = this.window;
    // Bound the rows of one device pass (≈ W rows per OD pair whose beams share their history).
    const perChunk = Math.max(1, Math.floor(16384 / W));
    for (let s = 0; s < idx.length; s += perChunk) {
      const part = idx.slice(s, s + perChunk);
      let t = performance.now();
      const rows = this.windowRows(part.map((i) => items[i].node));
      const U = rows.nodes.length;
      this.rows.window += U;
      const x0 = new Float32Array(U * D);
      rows.nodes.forEach((node, r) => this.inputRow(node, x0, r * D));
      // Rows of the queried nodes (the last layer runs only for them).
      const rowOf = new Map<DecodeNode, number>();
      rows.nodes.forEach((node, r) => {
        if (rows.s0[r] === node.depth - W) rowOf.set(node, r);
      });
      const last = Int32Array.from(part.map((i) => rowOf.get(items[i].node)!));
      t = this.tick(WIN_PHASES.build, t);
      const kern = this.kernel;
      const sel = (l: number): Int32Array | null => (l === nL - 1 ? last : null);
      const attention = (l: number, qkv: Float32Array): Float32Array => {
        kern.loadQkv(qkv);
        const outRows = sel(l) ?? Int32Array.from({ length: U }, (_, r) => r);
        const y = new Float32Array(outRows.length * D);
        outRows.forEach((r, o) => {
          const node = rows.nodes[r];
          const keys = rows.keys[r];
          const n = keys.length;
          for (let j = 0; j < n; j++) kern.keyFromQkv(j, keys[j]);
          if (l === 0 && !node.raw0) node.raw0 = { raw: new Float64Array(this.H * W), n: 0 };
          const half = node.pair.length / 2;
          const feat = { pair: node.pair, half, fOff: half - n };
          this.attend(l, qkv, r, n, feat, y, o * D, l === 0 ? node.raw0 : null);
        });
        return y;
      };
      await this.decodeRows(WIN_PHASES, t, x0, U, attention, sel, items, part, out);
    }
  }

  /** Distinct (node, window start) rows of the windows of `nodes`, with each row's key rows. */
  private windowRows(nodes: DecodeNode[]): WindowRows {
    const W = this.window;
    const rows: WindowRows = { nodes: [], s0: [], keys: [] };
    const byStart = new Map<number, Map<DecodeNode, number>>();
    for (const q of nodes) {
      const s0 = q.depth - W; // 0-based position of the window's first road
      let seen = byStart.get(s0);
      if (!seen) byStart.set(s0, (seen = new Map()));
      const chain: DecodeNode[] = new Array<DecodeNode>(W);
      let a: DecodeNode | null = q;
      for (let j = W - 1; j >= 0; j--, a = a!.parent) chain[j] = a!;
      const ids = new Int32Array(W);
      for (let j = 0; j < W; j++) {
        const r = seen.get(chain[j]);
        if (r !== undefined) {
          ids[j] = r;
          continue;
        }
        ids[j] = rows.nodes.length;
        seen.set(chain[j], ids[j]);
        rows.nodes.push(chain[j]);
        rows.s0.push(s0);
        rows.keys.push(ids.slice(0, j + 1));
      }
    }
    return rows;
  }

  /** Host navigator and time head over each item's real candidates; stores cands/sec on the node. */
  private navigate(items: Array<{ node: DecodeNode; dest: number }>, idx: number[], head: Float32Array, out: StepScores[]): void {
    const tb = this.tables!;
    const nd = this.student.config.navDim;
    const { timeMean, timeStd } = this.derived;
    const steps = idx.map((i) => stepCandidates(this.ctx, items[i].node.road, items[i].dest));
    const raw = this.navigatorScores(items, idx, head, steps);
    let o = 0;
    idx.forEach((i, r) => {
      const { node } = items[i];
      const st = steps[r];
      const m = st.cands.length;
      const a = head[r * (nd + 1) + nd];
      let max = -Infinity;
      for (let k = 0; k < m; k++) if (raw[o + k] > max) max = raw[o + k];
      let sum = 0;
      for (let k = 0; k < m; k++) sum += Math.exp(raw[o + k] - max);
      const lse = max + Math.log(sum);
      const logProbs = new Float64Array(m);
      const sec = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        logProbs[k] = Math.fround(raw[o + k] - lse);
        const pred = Math.fround(a + tb.timeCand[st.cands[k]]);
        sec[k] = Math.max(0, Math.expm1(pred * timeStd + timeMean));
      }
      o += m;
      node.cands = st.cands;
      node.sec = sec;
      out[i] = { candidates: st.cands, logProbs, timeSec: scaledSeconds(sec, this.timeScale) };
    });
  }

  /**
   * The navigator's raw score of every candidate of every item, flat in item order: in the host
   * dense kernels' f32 lanes where they run (after their head()), else here in float64 (the
   * reference; the two agree to ≈ 1e-6, tests/generate/hostDense.test.ts).
   */
  private navigatorScores(
    items: Array<{ node: DecodeNode; dest: number }>,
    idx: number[],
    head: Float32Array,
    steps: readonly RowCandidates[],
  ): Float32Array | Float64Array {
    const tb = this.tables!;
    const nd = this.student.config.navDim;
    const roadZone = this.derived.zones.roadZone;
    const dense = this.dense;
    if (dense instanceof HostDense && dense.navigates)
      return dense.navScores(
        steps,
        Int32Array.from(idx, (i) => roadZone[items[i].dest]),
      );
    const raw = new Float64Array(steps.reduce((a, st) => a + st.cands.length, 0));
    const qv = new Float64Array(nd);
    let o = 0;
    idx.forEach((i, r) => {
      const st = steps[r];
      const zo = roadZone[items[i].dest] * nd;
      for (let j = 0; j < nd; j++) qv[j] = head[r * (nd + 1) + j] + tb.zoneQ[zo + j];
      for (let k = 0; k < st.cands.length; k++) {
        const ko = st.cands[k] * nd;
        const dis = st.dis[k];
        const ang = st.ang[k];
        let s = 0;
        if (tb.uRoute && tb.uRoute.length !== 2 * nd) {
          // Wider route inputs (Markov ones): the same sum, term by term in the same order.
          const ur = tb.uRoute;
          const W = ur.length / nd;
          for (let j = 0; j < nd; j++) {
            let a = tb.navKey[ko + j] + dis * tb.uDis[j] + ang * tb.uAng[j];
            for (let w = 0; w < W; w++) a += st.route![W * k + w] * ur[w * nd + j];
            s += tb.navV[j] * Math.tanh(a + qv[j]);
          }
        } else if (tb.uRoute) {
          const ur = tb.uRoute;
          const r0 = st.route![2 * k];
          const r1 = st.route![2 * k + 1];
          for (let j = 0; j < nd; j++)
            s += tb.navV[j] * Math.tanh(tb.navKey[ko + j] + dis * tb.uDis[j] + ang * tb.uAng[j] + r0 * ur[j] + r1 * ur[nd + j] + qv[j]);
        } else for (let j = 0; j < nd; j++) s += tb.navV[j] * Math.tanh(tb.navKey[ko + j] + dis * tb.uDis[j] + ang * tb.uAng[j] + qv[j]);
        raw[o + k] = s;
      }
      o += st.cands.length;
    });
    return raw;
  }
}
