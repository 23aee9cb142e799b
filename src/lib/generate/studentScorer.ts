// The Student as a BatchScorer for route search: incremental decoding through StudentDecoder,
// full re-encoding as the reference path and for prefixes the decoder cannot extend.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../data/derivedTypes';
import { buildQueryBatch, isWeekendUtc, withRouteFeatures, type BatchContext, type QueryInput } from '../features/studentBatch';
import { roadDimOf, trajDimOf, type EncodedNetwork, type KvCache, type Student } from '../models/student';
import type { StartTimeAware } from './generator';
import type { BatchScorer, StepQuery, StepScores } from './search';
import { StudentDecoder, type DecodeNode } from './studentDecoder';
import type { DenseOn } from './denseRunner';
import type { HostAttentionKind } from './attentionKernel';
import { scaledSeconds } from './timeCalibration';

export interface StudentScorerOptions {
  /** Unix start time of every query's trip (its first road's entry) until setStartTimes; default 0. */
  startTime?: number;
  /** Queries per forward pass of the full re-encoding path (bounds memory); default 512. */
  maxBatch?: number;
  /**
   * Incremental decoding (default true): a prefix whose parent (all but the last road) was scored
   * before is decoded from the parent's cached keys/values (StudentDecoder). Same routes as
   * re-encoding every prefix in full (tests/generate/incremental.test.ts, portoRoutes.test.ts).
   * False: every prefix is re-encoded in full (the reference path).
   */
  incremental?: boolean;
  /** Prefixes kept by their roads for callers that hand in fresh arrays (cleared beyond it; default 100,000). */
  maxKeyed?: number;
  /** Multiplies the predicted hop seconds (generate/timeCalibration.ts; default 1). */
  timeScale?: number;
  /**
   * Wait for a macrotask before each batch (default false): scoring runs synchronously, so a
   * worker sets this to let queued messages (a cancel) in between search steps.
   */
  yieldBetweenBatches?: boolean;
  /**
   * Kernel of the decoder's host attention (default: the fastest that runs, WebAssembly SIMD with
   * f32 lanes where the head width allows, else f64 lanes, the scalar kernel's results bit for bit;
   * 'scalar' where WebAssembly SIMD is unavailable).
   */
  hostAttention?: HostAttentionKind;
  /**
   * Where the decoder's dense layers run (default 'host': the f32 SIMD kernels, generate/hostDense.ts;
   * 'device' where WebAssembly SIMD is unavailable, or on request: tfjs ops on the active backend).
   */
  denseOn?: DenseOn;
}

/**
 * BatchScorer over a trained Student for beam / best-first search. The road and zone embeddings are
 * computed once (call refresh() after the weights change). Each scored prefix is a DecodeNode
 * chained to its parent: its entry time (the parent's entry time plus the parent's predicted hop
 * to this road; the trip's start time for the origin), its pair features, keys and values. A
 * prefix whose parent is unknown gets the start time for every road (zero gaps) and is encoded
 * from its origin by the decoder (a prefill; re-encoded in full through tfjs beyond the window W),
 * and window crops whose first road falls on another (weekend) day than the trip start are
 * re-encoded in full.
 * Parents are found through the query's `parent` array (what the searches pass), else by roads.
 *
 * The generator hands over each chunk's start times (StartTimeAware). A scored prefix keeps the
 * entry times of the start it was scored under, so when an origin road comes back with another
 * start time every scored prefix is dropped before scoring.
 */
export class StudentScorer implements BatchScorer, StartTimeAware {
  private enc: EncodedNetwork | null = null;
  private readonly maxBatch: number;
  private readonly incremental: boolean;
  private readonly maxKeyed: number;
  private readonly decoder: StudentDecoder;
  private byArray = new WeakMap<readonly number[], DecodeNode>();
  private readonly byKey = new Map<string, DecodeNode>();
  private startOf: (q: StepQuery) => number;
  /** Start time of each origin road the scored prefixes were made under. */
  private readonly originStart = new Map<number, number>();
  /**
   * Queries answered per path: incremental decoding, exact window recomputation, a prefix with an
   * unscored parent encoded from its origin on the host (prefill), full re-encoding through tfjs.
   */
  readonly counts = { incremental: 0, window: 0, prefill: 0, full: 0 };
  /** Wall ms per phase of scoreBatch, accumulated (bench/scripts/profile-generation.ts reads it). */
  readonly phaseMs: Record<string, number> = {};
  /**
   * Zero-gap chains (prefixes of unknown parents), by their last node (or start time, for origins) and
   * next road: a parent's one child as it is, a Map by road only from its second (most have one, and
   * a Map per node was garbage the collector paid for).
   */
  private readonly zeroGapKids = new Map<DecodeNode | number, DecodeNode | Map<number, DecodeNode>>();
  private zeroGapNodes = 0;
  /** Batches being scored (scoreBatch awaits the decoder): forgetPrefixes recycles no memory while one is. */
  private inFlight = 0;

  /** Candidates' context with the route features the student reads (withRouteFeatures). */
  private readonly ctx: BatchContext;

  constructor(
    private readonly student: Student,
    ctx: BatchContext,
    private readonly derived: Derived,
    private readonly opts: StudentScorerOptions = {},
  ) {
    this.ctx = withRouteFeatures(ctx, student.config);
    this.maxBatch = opts.maxBatch ?? 512;
    this.incremental = opts.incremental ?? true;
    this.maxKeyed = opts.maxKeyed ?? 100_000;
    const start = opts.startTime ?? 0;
    this.startOf = () => start;
    const dims = { roadDim: roadDimOf(student.config), trajDim: trajDimOf(student.config) };
    this.decoder = new StudentDecoder(student, ctx, derived, opts.timeScale ?? 1, this.phaseMs, dims, opts.hostAttention, opts.denseOn);
  }

  private tick(phase: string, t0: number): number {
    const t = performance.now();
    this.phaseMs[phase] = (this.phaseMs[phase] ?? 0) + (t - t0);
    return t;
  }

  refresh(): void {
    if (this.enc && !this.student.encodedIsCached) {
      this.enc.road.dispose();
      this.enc.zone.dispose();
    }
    this.enc = null;
    this.decoder.reset();
    this.forgetPrefixes();
  }

  /** Positions the decoder encoded (incremental queries, distinct window positions) and the host attention's multiply-adds. */
  get decodedRows(): { incremental: number; window: number; attentionMacs: number } {
    return this.decoder.rows;
  }

  /** The decoder's model width and MLP width (the shapes of its largest matmuls). */
  get decoderWidths(): { D: number; hidden: number } {
    const D = trajDimOf(this.student.config);
    return { D, hidden: D * this.student.config.mlpRatio };
  }

  /** The host attention kernel in use. */
  get hostAttention(): HostAttentionKind {
    return this.decoder.hostAttention;
  }

  /** Where the decoder's dense layers run. */
  get denseOn(): DenseOn {
    return this.decoder.denseLayersOn;
  }

  /** Dense multiply-adds per decoded row (for the generation profile's compute bound). */
  get denseMacsPerRow(): number {
    return this.decoder.denseMacsPerRow;
  }

  /** Drops every scored prefix (their times depend on the start times; the weights are unchanged). */
  forgetPrefixes(): void {
    this.byArray = new WeakMap();
    this.byKey.clear();
    this.zeroGapKids.clear();
    this.zeroGapNodes = 0;
    this.originStart.clear();
    // No node is left to read the decoder's copies and slab memory, unless a batch is still being
    // scored (the slabs are then left to the collector, not reused).
    if (this.inFlight === 0) this.decoder.forgetNodes();
  }

  setStartTimes(startOf: (q: StepQuery) => number): void {
    this.startOf = startOf;
  }

  /** Forgets the scored prefixes when a query's origin had another start time before. */
  private checkStartTimes(queries: StepQuery[]): void {
    const moved = queries.some((q) => {
      const s = this.originStart.get(q.prefix[0]);
      return s !== undefined && s !== this.startOf(q);
    });
    if (moved) this.forgetPrefixes();
    for (const q of queries) this.originStart.set(q.prefix[0], this.startOf(q));
  }

  private encoded(): EncodedNetwork {
    if (!this.enc) {
      const s = this.student;
      if (s.encodedIsCached) this.enc = s.encodeNetwork();
      else {
        const e = tf.tidy(() => s.encodeNetwork());
        this.enc = { road: tf.keep(e.road), zone: tf.keep(e.zone) };
      }
    }
    return this.enc;
  }

  /** The query's prefix as a node (new, unscored), chained to its parent's node when known. */
  private nodeOf(q: StepQuery): DecodeNode {
    const L = q.prefix.length;
    const road = q.prefix[L - 1];
    if (L === 1) {
      const start = this.startOf(q);
      return this.decoder.makeNode(null, road, start, start);
    }
    let parent = q.parent ? this.byArray.get(q.parent) : undefined;
    if (!parent) parent = this.byKey.get(q.prefix.slice(0, -1).join(','));
    if (parent?.cands && parent.sec) {
      const idx = parent.cands.indexOf(road);
      return this.decoder.makeNode(parent, road, parent.time + (idx >= 0 ? parent.sec[idx] : 0), parent.start);
    }
    // Unknown parent: every road entered at the start time (zero gaps). Such a chain depends only on
    // its roads and start, so queries that begin alike (a step's beams, often) share its ancestors,
    // and the decoder encodes each once; the queried node itself is always its own.
    const start = this.startOf(q);
    let node: DecodeNode | null = null;
    for (let j = 0; j < L - 1; j++) {
      const r = q.prefix[j];
      const at: DecodeNode | number = node ?? start;
      const kids = this.zeroGapKids.get(at);
      let next = kids instanceof Map ? kids.get(r) : kids?.road === r ? kids : undefined;
      if (!next) {
        next = this.decoder.makeNode(node, r, start, start);
        if (kids instanceof Map) kids.set(r, next);
        else if (kids)
          this.zeroGapKids.set(
            at,
            new Map([
              [kids.road, kids],
              [r, next],
            ]),
          );
        else this.zeroGapKids.set(at, next);
        this.zeroGapNodes++;
      }
      node = next;
    }
    return this.decoder.makeNode(node, road, start, start);
  }

  async scoreBatch(queries: StepQuery[]): Promise<StepScores[]> {
    if (this.opts.yieldBetweenBatches) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.checkStartTimes(queries);
    this.inFlight++;
    try {
      return await this.scoreNodes(queries);
    } finally {
      this.inFlight--;
    }
  }

  private async scoreNodes(queries: StepQuery[]): Promise<StepScores[]> {
    // Both maps hold nodes (and through them their chains): bounded like byKey.
    if (this.byKey.size > this.maxKeyed) this.byKey.clear();
    if (this.zeroGapNodes > this.maxKeyed) {
      this.zeroGapKids.clear();
      this.zeroGapNodes = 0;
    }
    let t = performance.now();
    const out: StepScores[] = new Array<StepScores>(queries.length);
    const nodes = queries.map((q) => this.nodeOf(q));
    queries.forEach((q, i) => {
      this.byArray.set(q.prefix, nodes[i]);
      if (!q.parent) this.byKey.set(q.prefix.join(','), nodes[i]);
    });
    const W = this.ctx.maxLen;
    const fast: number[] = [];
    const full: number[] = [];
    const kinds: Array<'incremental' | 'window' | 'prefill'> = [];
    nodes.forEach((n, i) => {
      let ok = this.incremental;
      // A prefix of at most W roads always goes to the decoder: it encodes an unscored parent chain itself.
      if (ok && n.depth <= W) kinds[i] = n.parent === null || n.parent.kv !== null ? 'incremental' : 'prefill';
      else if (ok) {
        kinds[i] = 'window';
        let first: DecodeNode = n;
        for (let j = 1; j < W; j++) first = first.parent!;
        ok = isWeekendUtc(first.time) === isWeekendUtc(n.start);
      }
      (ok ? fast : full).push(i);
    });
    t = this.tick('nodes', t);
    if (fast.length > 0) {
      await this.decoder.prepare(this.encoded());
      this.tick('prepare', t);
      const items = fast.map((i) => ({ node: nodes[i], dest: queries[i].dest }));
      const res = await this.decoder.score(items);
      fast.forEach((i, j) => (out[i] = res[j]));
      for (const i of fast) this.counts[kinds[i]]++;
    }
    for (let s = 0; s < full.length; s += this.maxBatch) await this.scoreFull(full.slice(s, s + this.maxBatch), queries, nodes, out);
    this.counts.full += full.length;
    return out;
  }

  /** Re-encodes whole prefixes (buildQueryBatch + forward); fills the keys/values of uncropped chains. */
  private async scoreFull(idx: number[], queries: StepQuery[], nodes: DecodeNode[], out: StepScores[]): Promise<void> {
    let t = performance.now();
    const chains = idx.map((i) => {
      const chain: DecodeNode[] = [];
      for (let a: DecodeNode | null = nodes[i]; a; a = a.parent) chain.push(a);
      return chain.reverse();
    });
    const inputs: QueryInput[] = idx.map((i, b) => ({
      prefix: queries[i].prefix,
      dest: queries[i].dest,
      times: chains[b].map((n) => n.time),
    }));
    const { batch, cands } = buildQueryBatch(this.ctx, inputs);
    t = this.tick('full.build', t);
    const enc = this.encoded();
    const nL = this.student.config.layers;
    const keep = this.incremental;
    const res = tf.tidy(() => {
      const kv: KvCache = { k: [], v: [] };
      const o = this.student.forward(batch, enc, keep ? kv : undefined);
      return [tf.logSoftmax(o.logits), o.timePred, ...kv.k, ...kv.v];
    });
    const vals = await Promise.all(res.map((r) => r.data() as Promise<Float32Array>));
    tf.dispose(res);
    t = this.tick('full.forward', t);
    if (keep) {
      // Keys/values for every position of each uncropped prefix (children then extend it incrementally).
      const T = batch.T;
      const H = this.student.config.heads;
      const D = trajDimOf(this.student.config);
      const dh = D / H;
      idx.forEach((_, b) => {
        const chain = chains[b];
        if (chain.length > this.ctx.maxLen) return; // cropped: positions shifted
        chain.forEach((node, j) => {
          if (node.kv) return;
          const kv = new Float32Array(2 * nL * D);
          for (let tIdx = 0; tIdx < 2 * nL; tIdx++) {
            // tIdx < nL: keys of layer tIdx; tIdx ≥ nL: values of layer tIdx − nL. Layout [layer][k, v][D].
            const layer = tIdx % nL;
            const kind = tIdx < nL ? 0 : 1;
            const src = vals[2 + tIdx];
            for (let h = 0; h < H; h++) {
              const o = ((b * H + h) * T + j) * dh;
              kv.set(src.subarray(o, o + dh), (layer * 2 + kind) * D + h * dh);
            }
          }
          node.kv = kv;
        });
      });
    }
    const lpv = vals[0];
    const tpv = vals[1];
    const { timeMean, timeStd } = this.derived;
    const timeScale = this.opts.timeScale ?? 1;
    const C = batch.C;
    idx.forEach((i, b) => {
      const m = cands[b].length;
      const logProbs = new Float64Array(m);
      const sec = new Float64Array(m);
      for (let c = 0; c < m; c++) {
        logProbs[c] = lpv[b * C + c];
        sec[c] = Math.max(0, Math.expm1(tpv[b * C + c] * timeStd + timeMean));
      }
      nodes[i].cands = cands[b];
      nodes[i].sec = sec;
      out[i] = { candidates: cands[b], logProbs, timeSec: scaledSeconds(sec, timeScale) };
    });
    this.tick('full.readOut', t);
  }

  dispose(): void {
    this.refresh();
  }
}
