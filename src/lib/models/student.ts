// HOSER, the student (DESIGN §4.2; facts in reference/hoser.md): road encoder (features + GATv2),
// zone encoder (GCN), trajectory encoder (causal transformer with a relative spatio-temporal
// bias), navigator (additive attention over candidate roads) and a per-candidate time head.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../data/derivedTypes';
import { buildQueryBatch, isWeekendUtc, type BatchContext, type QueryInput, type StudentBatch } from '../features/studentBatch';
import { StudentDecoder, type DecodeNode } from '../generate/studentDecoder';
import { haversineM } from '../geo';
import type { BatchScorer, StepQuery, StepScores } from '../generate/search';
import {
  ParamStore,
  installFastKernels,
  subgraphTensors,
  applyDense,
  applyGatV2,
  applyGcn,
  applyLayerNorm,
  denseParams,
  embed,
  embeddingParams,
  gatV2Params,
  gcnParams,
  gelu,
  layerNormParams,
  matMulFast,
  prepareGatGraph,
  transposeLast2,
  prepareGcnGraph,
  type DenseParams,
  type GatV2Params,
  type GcnParams,
  type GraphTensors,
  type LayerNormParams,
} from './layers';

export interface StudentConfig {
  /** Road id embedding width (HOSER 64). */
  roadIdDim: number;
  /** Width of each of the len/type/lon/lat embeddings (HOSER 16); roadDim = roadIdDim + 4·this. */
  roadFeatDim: number;
  /** GATv2 layers over the road graph and GCN layers over the zone graph (HOSER 2 each). */
  gnnLayers: number;
  /** Time embedding width (HOSER 128 = 64 learnable frequencies × cos/sin). trajDim = roadDim + timeDim. */
  timeDim: number;
  /** Attention heads and transformer blocks of the trajectory encoder (HOSER 2, 2). */
  heads: number;
  layers: number;
  /** MLP width = trajDim · mlpRatio (HOSER 4 → 1024). */
  mlpRatio: number;
  /** Hidden width of the road/zone fusion gate MLP (HOSER 64). */
  fusionHidden: number;
  /** Width of the Linear(1,·) embeddings of metric_dis / metric_angle (HOSER 128). */
  metricDim: number;
  /** Additive-attention width of the navigator (HOSER 128). */
  navDim: number;
  /** Hidden width of each branch of the time head (HOSER 64). */
  timeHidden: number;
  /**
   * The thesis code's variant: road and zone encoders stay at their random initialisation and get
   * no gradient. Default false: both encoders are trained every batch, as in HOSER.
   */
  freezeEncoders: boolean;
}

export const DEFAULT_STUDENT_CONFIG: StudentConfig = {
  roadIdDim: 64,
  roadFeatDim: 16,
  gnnLayers: 2,
  timeDim: 128,
  heads: 2,
  layers: 2,
  mlpRatio: 4,
  fusionHidden: 64,
  metricDim: 128,
  navDim: 128,
  timeHidden: 64,
  freezeEncoders: false,
};

/** Half-width preset for in-browser training and quick runs. */
export const SMALL_STUDENT_CONFIG: StudentConfig = {
  roadIdDim: 32,
  roadFeatDim: 8,
  gnnLayers: 2,
  timeDim: 64,
  heads: 2,
  layers: 2,
  mlpRatio: 4,
  fusionHidden: 32,
  metricDim: 64,
  navDim: 64,
  timeHidden: 32,
  freezeEncoders: false,
};

export const STUDENT_PRESETS = { default: DEFAULT_STUDENT_CONFIG, small: SMALL_STUDENT_CONFIG } as const;

export function roadDimOf(c: StudentConfig): number {
  return c.roadIdDim + 4 * c.roadFeatDim;
}

export function trajDimOf(c: StudentConfig): number {
  return roadDimOf(c) + c.timeDim;
}

/** Road and zone embeddings for the whole network (cache them for generation). */
export type EncodedNetwork = {
  road: tf.Tensor2D; // [nRoads, roadDim]
  zone: tf.Tensor2D; // [nZones, roadDim]
};

export interface StudentOutput {
  /** [N, C]; padding candidates hold −1e9 (zero probability after softmax). */
  logits: tf.Tensor2D;
  /** [N, C] normalised log1p seconds to each candidate. */
  timePred: tf.Tensor2D;
}

interface BlockParams {
  ln1: LayerNormParams;
  qkv: DenseParams;
  /** Relative-position key/value maps Linear(2, headDim), stored as [2, dh] + bias. */
  relK: DenseParams;
  relV: DenseParams;
  proj: DenseParams;
  ln2: LayerNormParams;
  fc: DenseParams;
  out: DenseParams;
}

const NEG = -1e9;

/** Per-block keys and values [B, H, L, dh] of a batch of prefixes (incremental decoding). */
export interface KvCache {
  k: tf.Tensor[];
  v: tf.Tensor[];
}

/** What the navigator reads from a batch: the candidates of each step and the destination zone. */
export type NavigatorInput = Pick<StudentBatch, 'N' | 'C' | 'destZone' | 'candIds' | 'candMask' | 'candFeat'>;

/** Speed levers of the forward/backward pass (same outputs up to float rounding). */
export interface StudentKernelLevers {
  /** The road graph's GATv2 edge part as one fused JS kernel on cpu/wasm (models/fusedGat.ts). */
  fusedGat: boolean;
  /** Position-wise layers of the trajectory encoder on real positions only, not on padding. */
  packRows: boolean;
  /**
   * Training: the road encoder runs only on the batch's receptive field (the roads the batch reads
   * and their in-neighbours up to gnnLayers hops; ~4k of 13.5k Porto roads and ~27k of 98k edges
   * at batch 32). Other roads' embeddings cannot reach the loss, so loss and gradients are unchanged.
   */
  receptiveField: boolean;
}

/** Real positions of a padded batch: `positions` (b·T + i with i < length), and `rows`, their inverse (−1 on padding). */
function packLayout(batch: StudentBatch): { positions: Int32Array; positionsT: tf.Tensor1D; rows: Int32Array } {
  const { B, T, lengths } = batch;
  let M = 0;
  for (let b = 0; b < B; b++) M += Math.min(lengths[b], T);
  const positions = new Int32Array(M);
  const rows = new Int32Array(B * T).fill(-1);
  let r = 0;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Math.min(lengths[b], T); i++, r++) {
      positions[r] = b * T + i;
      rows[b * T + i] = r;
    }
  }
  return { positions, positionsT: tf.tensor1d(positions, 'int32'), rows };
}

/** Packed rows [R, w] back to the padded layout [B·T, w], zeros at padding (rows[q] = −1). */
function unpackRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  const R = x.shape[0];
  const padded = tf.concat([x, tf.zeros([1, x.shape[1]])], 0);
  return tf.gather(padded, tf.tensor1d(rows.map((r) => (r < 0 ? R : r)), 'int32')) as tf.Tensor2D;
}

/** Names of parameters that belong to the road/zone encoders. */
export function isEncoderParam(name: string): boolean {
  return name.startsWith('road/') || name.startsWith('zone/');
}

export class Student {
  readonly config: StudentConfig;
  readonly store: ParamStore;
  readonly nRoads: number;
  readonly nZones: number;
  private readonly roadGraph: GraphTensors;
  private readonly zoneGraph: GraphTensors;
  private readonly roadInputs: { ids: tf.Tensor1D; len: tf.Tensor2D; type: tf.Tensor1D; lon: tf.Tensor2D; lat: tf.Tensor2D };
  private frozen: EncodedNetwork | null = null;
  /** Speed levers that leave the maths unchanged (issue 11; StudentTrainerOptions sets them). */
  levers: StudentKernelLevers = { fusedGat: false, packRows: false, receptiveField: false };
  /** Incoming edges of each road in the road graph (CSR over roadGraph.host), built on first use. */
  private inEdges: { start: Int32Array; edges: Int32Array } | null = null;

  /** Parameters (read-only outside; the generation decoder, studentDecoder.ts, reads them). */
  readonly p: {
    roadId: tf.Variable;
    roadLen: DenseParams;
    roadType: tf.Variable;
    roadLon: DenseParams;
    roadLat: DenseParams;
    gat: GatV2Params[];
    zoneEmb: tf.Variable;
    gcn: GcnParams[];
    fuse1: DenseParams;
    fuse2: DenseParams;
    freqs: tf.Variable;
    blocks: BlockParams[];
    navQ: DenseParams;
    navK: DenseParams;
    navV: DenseParams;
    metricDis: DenseParams;
    metricAngle: DenseParams;
    timeTraj: DenseParams;
    timeCand: DenseParams;
    timeOut: DenseParams;
  };

  constructor(derived: Derived, config: Partial<StudentConfig> = {}, seed = 42) {
    installFastKernels();
    this.config = { ...DEFAULT_STUDENT_CONFIG, ...config };
    const c = this.config;
    const roadDim = roadDimOf(c);
    const D = trajDimOf(c);
    if (D % c.heads !== 0) throw new Error(`trajectory width ${D} is not divisible by ${c.heads} heads`);
    const dh = D / c.heads;
    const f = derived.features;
    this.nRoads = f.n;
    this.nZones = derived.zones.nZones;
    const s = new ParamStore(seed, 'student');
    this.store = s;

    const gat: GatV2Params[] = [];
    for (let l = 0; l < c.gnnLayers; l++) gat.push(gatV2Params(s, `road/gat${l}`, roadDim, roadDim, 2));
    const gcn: GcnParams[] = [];
    for (let l = 0; l < c.gnnLayers; l++) gcn.push(gcnParams(s, `zone/gcn${l}`, roadDim, roadDim));
    const blocks: BlockParams[] = [];
    for (let l = 0; l < c.layers; l++) {
      const n = `traj/block${l}`;
      blocks.push({
        ln1: layerNormParams(s, `${n}/ln1`, D),
        qkv: denseParams(s, `${n}/qkv`, D, 3 * D),
        relK: denseParams(s, `${n}/relK`, 2, dh),
        relV: denseParams(s, `${n}/relV`, 2, dh),
        proj: denseParams(s, `${n}/proj`, D, D),
        ln2: layerNormParams(s, `${n}/ln2`, D),
        fc: denseParams(s, `${n}/fc`, D, D * c.mlpRatio),
        out: denseParams(s, `${n}/out`, D * c.mlpRatio, D),
      });
    }
    this.p = {
      roadId: embeddingParams(s, 'road/id', f.n, c.roadIdDim),
      roadLen: denseParams(s, 'road/len', 1, c.roadFeatDim),
      roadType: embeddingParams(s, 'road/type', Math.max(1, f.nTypes), c.roadFeatDim),
      roadLon: denseParams(s, 'road/lon', 1, c.roadFeatDim),
      roadLat: denseParams(s, 'road/lat', 1, c.roadFeatDim),
      gat,
      zoneEmb: embeddingParams(s, 'zone/id', Math.max(1, this.nZones), roadDim),
      gcn,
      fuse1: denseParams(s, 'traj/fuse1', 2 * roadDim, c.fusionHidden),
      fuse2: denseParams(s, 'traj/fuse2', c.fusionHidden, 1),
      freqs: s.create('traj/freqs', [c.timeDim / 2], { kind: 'normal', std: 1 }, false),
      blocks,
      navQ: denseParams(s, 'nav/q', D + roadDim, c.navDim, { bias: false }),
      navK: denseParams(s, 'nav/k', roadDim + 2 * c.metricDim, c.navDim, { bias: false }),
      navV: denseParams(s, 'nav/v', c.navDim, 1, { bias: false }),
      metricDis: denseParams(s, 'nav/metricDis', 1, c.metricDim),
      metricAngle: denseParams(s, 'nav/metricAngle', 1, c.metricDim),
      timeTraj: denseParams(s, 'time/traj', D, c.timeHidden),
      timeCand: denseParams(s, 'time/cand', roadDim, c.timeHidden),
      timeOut: denseParams(s, 'time/out', 2 * c.timeHidden, 1),
    };

    const g = derived.graph;
    this.roadGraph = prepareGatGraph(f.n, g.src, g.dst, g.edgeAttr, 2);
    const zg = derived.zoneGraph;
    this.zoneGraph = prepareGcnGraph(Math.max(1, this.nZones), zg.src, zg.dst, zg.weight);
    this.roadInputs = tf.tidy(() => ({
      ids: tf.range(0, f.n, 1, 'int32') as tf.Tensor1D,
      len: tf.tensor2d(f.lenZ, [f.n, 1]),
      type: tf.tensor1d(f.typeId, 'int32'),
      lon: tf.tensor2d(f.lonZ, [f.n, 1]),
      lat: tf.tensor2d(f.latZ, [f.n, 1]),
    }));
  }

  /** Variables the optimiser updates (encoders excluded when frozen). */
  trainableVariables(): tf.Variable[] {
    return this.config.freezeEncoders ? this.store.variables((n) => !isEncoderParam(n)) : this.store.variables();
  }

  paramCount(): number {
    return this.store.count();
  }

  /**
   * Road and zone embeddings. Trained encoders: call inside the loss function so gradients reach
   * the GNNs. Frozen encoders: computed once and cached (the caller must not dispose the result).
   */
  encodeNetwork(needed?: ArrayLike<number>): EncodedNetwork {
    if (needed && this.levers.receptiveField && !this.config.freezeEncoders) return this.encodeReceptiveField(needed);
    if (this.config.freezeEncoders) {
      if (!this.frozen) {
        // Kept explicitly: the first call may happen inside a caller's tidy / variableGrads scope.
        const e = tf.tidy(() => this.computeEncoders());
        this.frozen = { road: tf.keep(e.road), zone: tf.keep(e.zone) };
      }
      return this.frozen;
    }
    return this.computeEncoders();
  }

  /**
   * Encodings to read the roads `needed` from: the frozen cache when it exists (not owned), else
   * the receptive-field encoding, exact for those roads (owned: the caller disposes both tensors).
   * One trip reaches a few thousand of the network's roads, so showing a trip no longer waits for
   * the whole network (41–44 s per student on a software WebGPU adapter).
   */
  encodeFor(needed: ArrayLike<number>): { enc: EncodedNetwork; owned: boolean } {
    if (this.frozen) return { enc: this.frozen, owned: false };
    return { enc: tf.tidy(() => this.encodeReceptiveField(needed)), owned: true };
  }

  /** True when encodeNetwork returns a cached object the caller must not dispose. */
  get encodedIsCached(): boolean {
    return this.config.freezeEncoders;
  }

  /** Incoming edge ids per road, from the prepared road graph (self loops included). */
  private incoming(): { start: Int32Array; edges: Int32Array } {
    if (!this.inEdges) {
      const { dst } = this.roadGraph.host;
      const start = new Int32Array(this.nRoads + 1);
      for (let e = 0; e < dst.length; e++) start[dst[e] + 1]++;
      for (let v = 0; v < this.nRoads; v++) start[v + 1] += start[v];
      const fill = start.slice(0, this.nRoads);
      const edges = new Int32Array(dst.length);
      for (let e = 0; e < dst.length; e++) edges[fill[dst[e]]++] = e;
      this.inEdges = { start, edges };
    }
    return this.inEdges;
  }

  /**
   * encodeNetwork restricted to what the roads `needed` depend on (receptiveField lever). Layer l
   * of the GATv2 stack only needs its output at S_l (S_L = needed) and reads its inputs at the
   * sources of the edges into S_l, so S_{l−1} = S_l ∪ sources. The stack runs on the local node set
   * S_0 with, per layer, only the edges into S_l; the output holds the needed roads' rows and zeros
   * elsewhere (rows nobody reads). The zone encoder is small and runs in full.
   */
  private encodeReceptiveField(needed: ArrayLike<number>): EncodedNetwork {
    const p = this.p;
    const ri = this.roadInputs;
    const { start, edges } = this.incoming();
    const src = this.roadGraph.host.src;
    const L = p.gat.length;
    const inSet = new Uint8Array(this.nRoads);
    let nodes: number[] = [];
    for (let i = 0; i < needed.length; i++) {
      const r = needed[i];
      if (!inSet[r]) {
        inSet[r] = 1;
        nodes.push(r);
      }
    }
    const outNodes = nodes.slice();
    // Edges of layer l (from the last layer down), and the node set growing hop by hop.
    const layerEdges: Int32Array[] = new Array<Int32Array>(L);
    for (let l = L - 1; l >= 0; l--) {
      const es: number[] = [];
      const grown = nodes.slice();
      for (const v of nodes) {
        for (let k = start[v]; k < start[v + 1]; k++) {
          const e = edges[k];
          es.push(e);
          const u = src[e];
          if (!inSet[u]) {
            inSet[u] = 1;
            grown.push(u);
          }
        }
      }
      layerEdges[l] = Int32Array.from(es);
      nodes = grown;
    }
    const local = new Int32Array(this.nRoads).fill(-1);
    nodes.forEach((v, i) => (local[v] = i));
    const ids = tf.tensor1d(Int32Array.from(nodes), 'int32');
    let x = tf.concat(
      [
        embed(p.roadId, ids),
        applyDense(p.roadLen, tf.gather(ri.len, ids)),
        embed(p.roadType, tf.gather(ri.type, ids)),
        applyDense(p.roadLon, tf.gather(ri.lon, ids)),
        applyDense(p.roadLat, tf.gather(ri.lat, ids)),
      ],
      1,
    ) as tf.Tensor2D;
    p.gat.forEach((layer, l) => {
      const g = subgraphTensors(this.roadGraph, layerEdges[l], local, nodes.length);
      x = applyGatV2(layer, x, g, this.levers.fusedGat);
      if (l < L - 1) x = tf.relu(x);
      // The subgraph's tensors belong to the caller's scope (tidy / variableGrads), like every
      // intermediate: the backward pass still needs them.
    });
    const rows = new Int32Array(this.nRoads).fill(nodes.length); // the zero row
    for (const v of outNodes) rows[v] = local[v];
    const road = tf.gather(tf.concat([x, tf.zeros([1, x.shape[1]])], 0), tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
    let z = p.zoneEmb as tf.Tensor2D;
    p.gcn.forEach((layer, l) => {
      z = applyGcn(layer, z, this.zoneGraph);
      if (l < p.gcn.length - 1) z = tf.relu(z);
    });
    return { road, zone: z };
  }

  private computeEncoders(): EncodedNetwork {
    const p = this.p;
    const ri = this.roadInputs;
    let x = tf.concat(
      [
        embed(p.roadId, ri.ids),
        applyDense(p.roadLen, ri.len),
        embed(p.roadType, ri.type),
        applyDense(p.roadLon, ri.lon),
        applyDense(p.roadLat, ri.lat),
      ],
      1,
    ) as tf.Tensor2D;
    p.gat.forEach((layer, l) => {
      x = applyGatV2(layer, x, this.roadGraph, this.levers.fusedGat);
      if (l < p.gat.length - 1) x = tf.relu(x);
    });
    let z = p.zoneEmb as tf.Tensor2D;
    p.gcn.forEach((layer, l) => {
      z = applyGcn(layer, z, this.zoneGraph);
      if (l < p.gcn.length - 1) z = tf.relu(z);
    });
    return { road: x, zone: z };
  }

  /**
   * Trajectory encoder states [B, T, D] for the batch's prefixes. With `kv`, each block's keys and
   * values [B, H, T, dh] are pushed to it (for incremental decoding, see stepTrajectories).
   */
  encodeTrajectories(batch: StudentBatch, enc: EncodedNetwork, kv?: KvCache): tf.Tensor3D {
    const { B, T } = batch;
    const D = trajDimOf(this.config);
    const { states, rows } = this.encodeStates(batch, enc, kv);
    return tf.reshape(rows ? unpackRows(states, rows) : states, [B, T, D]) as tf.Tensor3D;
  }

  /**
   * The trajectory encoder's states as rows [R, D]: R = B·T (padded layout) or, with the packRows
   * lever, only the real positions, `rows` then mapping each padded position b·T + i to its row
   * (−1 for padding). The position-wise layers (fusion gate, LayerNorms, qkv, projection, MLP) run
   * on the real positions only; attention needs the [B, T] layout and gets it by a gather.
   */
  private encodeStates(batch: StudentBatch, enc: EncodedNetwork, kv?: KvCache): { states: tf.Tensor2D; rows: Int32Array | null } {
    const c = this.config;
    const p = this.p;
    const { B, T } = batch;
    const D = trajDimOf(c);
    const H = c.heads;
    const dh = D / H;
    const packing = this.levers.packRows ? packLayout(batch) : null;
    const rows = packing?.rows ?? null;
    const pick = <A extends Int32Array | Float32Array>(a: A): A => {
      if (!packing) return a;
      const out = new (a.constructor as new (n: number) => A)(packing.positions.length);
      packing.positions.forEach((q, r) => (out[r] = a[q]));
      return out;
    };
    let x: tf.Tensor = this.embedPositions(pick(batch.roadIds), pick(batch.zoneIds), pick(batch.timeFeat), enc); // [R, D]
    const toGrid = (t: tf.Tensor): tf.Tensor => (rows ? unpackRows(t as tf.Tensor2D, rows) : t); // [R, w] → [B·T, w]
    const toRows = (t: tf.Tensor): tf.Tensor => (packing ? tf.gather(t, packing.positionsT) : t); // [B·T, w] → [R, w]

    const dist = tf.reshape(tf.tensor1d(batch.distMat), [B, 1, T, T]);
    const gap = tf.reshape(tf.tensor1d(batch.gapMat), [B, 1, T, T]);
    // Additive mask: causal and key < length (HOSER masks both).
    const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
    const keyValid = tf.cast(tf.less(tf.range(0, T, 1, 'int32').expandDims(0), tf.tensor1d(batch.lengths, 'int32').expandDims(1)), 'float32');
    const allowed = tf.mul(causal.expandDims(0), keyValid.expandDims(1)); // [B, T, T]
    const maskAdd = tf.mul(tf.sub(1, allowed), NEG).expandDims(1); // [B, 1, T, T]
    const scale = 1 / Math.sqrt(dh);

    for (const blk of p.blocks) {
      const h = applyLayerNorm(blk.ln1, x);
      const qkv = tf.reshape(toGrid(applyDense(blk.qkv, h)), [B, T, 3 * D]);
      const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3])) as tf.Tensor4D[];
      if (kv) {
        kv.k.push(k);
        kv.v.push(v);
      }
      const content = matMulFast(q, transposeLast2(k)); // [B, H, T, T]
      // q·Linear(2,dh)(f_ij) = f_ij0 (q·Wk0) + f_ij1 (q·Wk1) + q·bk: never build [B,T,T,dh].
      const kw = tf.concat([blk.relK.w, tf.reshape(blk.relK.b as tf.Tensor, [1, dh])], 0); // [3, dh]
      const qk = matMulFast(tf.reshape(q, [-1, dh]), tf.transpose(kw)).reshape([B, H, T, 3]);
      const [qd, qg, qb] = tf.split(qk, 3, 3); // [B, H, T, 1] each
      const rel = tf.add(tf.add(tf.mul(qd, dist), tf.mul(qg, gap)), qb);
      const att = tf.softmax(tf.add(tf.mul(tf.add(content, rel), scale), maskAdd)); // [B, H, T, T]
      // Σ_j a_ij Linear(2,dh)(f_ij) = (Σ a d) Wv0 + (Σ a g) Wv1 + bv, since Σ_j a_ij = 1.
      const ad = tf.sum(tf.mul(att, dist), 3, true);
      const ag = tf.sum(tf.mul(att, gap), 3, true);
      const vw = blk.relV.w as tf.Tensor2D; // [2, dh]
      const relOut = tf.add(tf.add(tf.mul(ad, tf.reshape(vw.slice([0, 0], [1, dh]), [1, 1, 1, dh])), tf.mul(ag, tf.reshape(vw.slice([1, 0], [1, dh]), [1, 1, 1, dh]))), blk.relV.b as tf.Tensor);
      const y = tf.add(matMulFast(att, v), relOut); // [B, H, T, dh]
      const merged = toRows(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, D]));
      x = tf.add(x, applyDense(blk.proj, merged));
      const m = applyDense(blk.out, gelu(applyDense(blk.fc, applyLayerNorm(blk.ln2, x))));
      x = tf.add(x, m);
    }
    return { states: x as tf.Tensor2D, rows };
  }

  /** Input of the trajectory encoder per position: fused road/zone embedding ⊕ time embedding [n, D]. */
  private embedPositions(roadIds: Int32Array, zoneIds: Int32Array, timeFeat: Float32Array, enc: EncodedNetwork): tf.Tensor2D {
    const c = this.config;
    const p = this.p;
    const r = tf.gather(enc.road, tf.tensor1d(roadIds, 'int32')) as tf.Tensor2D;
    const z = tf.gather(enc.zone, tf.tensor1d(zoneIds, 'int32')) as tf.Tensor2D;
    const spatial = this.spatialEmbedding(r, z);
    const tIn = tf.mul(tf.reshape(tf.tensor1d(timeFeat), [-1, 1]), p.freqs);
    const temporal = tf.mul(tf.concat([tf.cos(tIn), tf.sin(tIn)], 1), Math.sqrt(1 / (2 * c.timeDim)));
    return tf.concat([spatial, temporal], 1) as tf.Tensor2D;
  }

  /** Fused road/zone embedding r + sigmoid(MLP([r, z]))·z of positions with road rows r and zone rows z. */
  spatialEmbedding(r: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
    const p = this.p;
    const gate = tf.sigmoid(applyDense(p.fuse2, gelu(applyDense(p.fuse1, tf.concat([r, z], 1)))));
    return tf.add(r, tf.mul(gate, z)) as tf.Tensor2D;
  }

  /**
   * Incremental decoding: the encoder state of ONE new position appended to B prefixes whose keys
   * and values (every block, [B, H, L, dh]) are in `past`, e.g. from encodeTrajectories(…, kv) of
   * the parent prefixes. The encoder is causal, so the earlier positions' keys and values do not
   * change when a road is appended; this gives the same state as re-encoding the whole prefix
   * (up to float rounding) at O(L) instead of O(L²) cost per step. `distRow`/`gapRow` [B, L+1]
   * hold the pairwise features between the new position and positions 0…L (itself last, 0).
   * Returns the new state [B, D]; the new position's key/value rows [B, H, 1, dh] are pushed to
   * `next` when given.
   */
  stepTrajectories(
    inp: { roadIds: Int32Array; zoneIds: Int32Array; timeFeat: Float32Array; distRow: Float32Array; gapRow: Float32Array },
    enc: EncodedNetwork,
    past: KvCache,
    next?: KvCache,
  ): tf.Tensor2D {
    const c = this.config;
    const p = this.p;
    const B = inp.roadIds.length;
    const D = trajDimOf(c);
    const H = c.heads;
    const dh = D / H;
    const L1 = inp.distRow.length / Math.max(1, B); // L + 1 keys
    let x: tf.Tensor = this.embedPositions(inp.roadIds, inp.zoneIds, inp.timeFeat, enc); // [B, D]
    const dist = tf.reshape(tf.tensor1d(inp.distRow), [B, 1, 1, L1]);
    const gap = tf.reshape(tf.tensor1d(inp.gapRow), [B, 1, 1, L1]);
    const scale = 1 / Math.sqrt(dh);
    p.blocks.forEach((blk, l) => {
      const qkv = applyDense(blk.qkv, applyLayerNorm(blk.ln1, x)); // [B, 3D]
      const [q, kNew, vNew] = tf.split(qkv, 3, 1).map((t) => tf.reshape(t, [B, H, 1, dh])) as tf.Tensor4D[];
      const k = tf.concat([past.k[l], kNew], 2); // [B, H, L+1, dh]
      const v = tf.concat([past.v[l], vNew], 2);
      if (next) {
        next.k.push(kNew);
        next.v.push(vNew);
      }
      const content = matMulFast(q, transposeLast2(k)); // [B, H, 1, L+1]
      const kw = tf.concat([blk.relK.w, tf.reshape(blk.relK.b as tf.Tensor, [1, dh])], 0);
      const qk = matMulFast(tf.reshape(q, [-1, dh]), tf.transpose(kw)).reshape([B, H, 1, 3]);
      const [qd, qg, qb] = tf.split(qk, 3, 3);
      const rel = tf.add(tf.add(tf.mul(qd, dist), tf.mul(qg, gap)), qb);
      // Every key is valid and at or before the new position: no mask needed.
      const att = tf.softmax(tf.mul(tf.add(content, rel), scale));
      const ad = tf.sum(tf.mul(att, dist), 3, true);
      const ag = tf.sum(tf.mul(att, gap), 3, true);
      const vw = blk.relV.w as tf.Tensor2D;
      const relOut = tf.add(tf.add(tf.mul(ad, tf.reshape(vw.slice([0, 0], [1, dh]), [1, 1, 1, dh])), tf.mul(ag, tf.reshape(vw.slice([1, 0], [1, dh]), [1, 1, 1, dh]))), blk.relV.b as tf.Tensor);
      const y = tf.reshape(tf.add(matMulFast(att, v), relOut), [B, D]); // heads in order, as the full path's transpose
      x = tf.add(x, applyDense(blk.proj, y));
      x = tf.add(x, applyDense(blk.out, gelu(applyDense(blk.fc, applyLayerNorm(blk.ln2, x)))));
    });
    return x as tf.Tensor2D;
  }

  /** Logits and time predictions for every step of every trip in the batch. Call inside tf.tidy. */
  forward(batch: StudentBatch, enc: EncodedNetwork, kv?: KvCache): StudentOutput {
    const { states, rows } = this.encodeStates(batch, enc, kv);
    const stepRows = rows ? batch.stepPos.map((q) => rows[q]) : batch.stepPos;
    const h = tf.gather(states, tf.tensor1d(stepRows, 'int32')) as tf.Tensor2D; // [N, D]
    return this.navigate(h, batch, enc);
  }

  /** Navigator logits and time head for N trajectory states h [N, D] and their candidates. */
  navigate(h: tf.Tensor2D, batch: NavigatorInput, enc: EncodedNetwork): StudentOutput {
    const c = this.config;
    const p = this.p;
    const { N, C } = batch;
    const destZ = tf.gather(enc.zone, tf.tensor1d(batch.destZone, 'int32')); // [N, roadDim]
    const q = applyDense(p.navQ, tf.concat([h, destZ], 1)); // [N, navDim]

    const candEmb = tf.gather(enc.road, tf.tensor1d(batch.candIds, 'int32')); // [N*C, roadDim]
    const feat = tf.tensor2d(batch.candFeat, [N * C, 2]);
    const dis = applyDense(p.metricDis, feat.slice([0, 0], [N * C, 1]));
    const ang = applyDense(p.metricAngle, feat.slice([0, 1], [N * C, 1]));
    const k = applyDense(p.navK, tf.concat([candEmb, dis, ang], 1)).reshape([N, C, c.navDim]);
    const e = tf.tanh(tf.add(k, q.reshape([N, 1, c.navDim])));
    const raw = applyDense(p.navV, e.reshape([N * C, c.navDim])).reshape([N, C]);
    const mask = tf.tensor2d(batch.candMask, [N, C]);
    const logits = tf.add(tf.mul(raw, mask), tf.mul(tf.sub(1, mask), NEG)) as tf.Tensor2D;

    const tTraj = applyDense(p.timeTraj, h).reshape([N, 1, c.timeHidden]).tile([1, C, 1]);
    const tCand = applyDense(p.timeCand, candEmb).reshape([N, C, c.timeHidden]);
    const timePred = applyDense(p.timeOut, gelu(tf.concat([tTraj, tCand], 2))).reshape([N, C]) as tf.Tensor2D;
    return { logits, timePred };
  }

  /** Drops the cached frozen-encoder output (after loading weights). */
  invalidateCache(): void {
    this.frozen?.road.dispose();
    this.frozen?.zone.dispose();
    this.frozen = null;
  }

  getWeights(): Record<string, Float32Array> {
    return this.store.getWeights();
  }

  setWeights(w: Record<string, Float32Array>): void {
    this.store.setWeights(w);
    this.invalidateCache();
  }

  dispose(): void {
    this.invalidateCache();
    this.roadGraph.dispose();
    this.zoneGraph.dispose();
    const ri = this.roadInputs;
    for (const t of [ri.ids, ri.len, ri.type, ri.lon, ri.lat]) t.dispose();
    this.store.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Generation scorer

export interface StudentScorerOptions {
  /** Unix start time of a query's trip (its first road's entry); default 0. */
  startTime?: number | ((q: StepQuery) => number);
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
}

/**
 * BatchScorer over a trained Student for beam / best-first search. The road and zone embeddings are
 * computed once (call refresh() after the weights change). Each scored prefix is a DecodeNode
 * chained to its parent: its entry time (the parent's entry time plus the parent's predicted hop
 * to this road; the trip's start time for the origin), its pair features, keys and values. A
 * prefix whose parent is unknown gets the start time for every road (zero gaps) and is re-encoded
 * in full, as are window crops whose first road falls on another (weekend) day than the trip start.
 * Parents are found through the query's `parent` array (what the searches pass), else by roads.
 */
export class StudentScorer implements BatchScorer {
  private enc: EncodedNetwork | null = null;
  private readonly maxBatch: number;
  private readonly incremental: boolean;
  private readonly maxKeyed: number;
  private readonly decoder: StudentDecoder;
  private byArray = new WeakMap<readonly number[], DecodeNode>();
  private readonly byKey = new Map<string, DecodeNode>();
  /** Queries answered per path: incremental decoding, exact window recomputation, full re-encoding. */
  readonly counts = { incremental: 0, window: 0, full: 0 };
  /** Wall ms per phase of scoreBatch, accumulated (scripts/profile-generation.ts reads it). */
  readonly phaseMs: Record<string, number> = {};

  constructor(
    private readonly student: Student,
    private readonly ctx: BatchContext,
    private readonly derived: Derived,
    private readonly opts: StudentScorerOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 512;
    this.incremental = opts.incremental ?? true;
    this.maxKeyed = opts.maxKeyed ?? 100_000;
    const dims = { roadDim: roadDimOf(student.config), trajDim: trajDimOf(student.config) };
    this.decoder = new StudentDecoder(student, ctx, derived, opts.timeScale ?? 1, this.phaseMs, dims);
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

  /** Dense multiply-adds per decoded row (for the generation profile's compute bound). */
  get denseMacsPerRow(): number {
    return this.decoder.denseMacsPerRow;
  }

  /** Drops every scored prefix (their times depend on the start times; the weights are unchanged). */
  forgetPrefixes(): void {
    this.byArray = new WeakMap();
    this.byKey.clear();
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

  private startOf(q: StepQuery): number {
    const st = this.opts.startTime;
    return typeof st === 'function' ? st(q) : (st ?? 0);
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
    // Unknown parent: every road entered at the start time (zero gaps).
    const start = this.startOf(q);
    let node: DecodeNode | null = null;
    for (const r of q.prefix) node = this.decoder.makeNode(node, r, start, start);
    return node!;
  }

  async scoreBatch(queries: StepQuery[]): Promise<StepScores[]> {
    if (this.byKey.size > this.maxKeyed) this.byKey.clear();
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
    nodes.forEach((n, i) => {
      let ok = this.incremental;
      if (ok && n.depth <= W) ok = n.parent === null || n.parent.kv !== null;
      else if (ok) {
        let first: DecodeNode = n;
        for (let j = 1; j < W; j++) first = first.parent!;
        ok = isWeekendUtc(first.time) === isWeekendUtc(n.start);
      }
      (ok ? fast : full).push(i);
    });
    t = this.tick('nodes', t);
    if (fast.length > 0) {
      await this.decoder.prepare(this.encoded());
      t = this.tick('prepare', t);
      const items = fast.map((i) => ({ node: nodes[i], dest: queries[i].dest }));
      const res = await this.decoder.score(items);
      fast.forEach((i, j) => (out[i] = res[j]));
      for (const i of fast) this.counts[nodes[i].depth <= W ? 'incremental' : 'window']++;
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
    const inputs: QueryInput[] = idx.map((i, b) => ({ prefix: queries[i].prefix, dest: queries[i].dest, times: chains[b].map((n) => n.time) }));
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
      const timeSec = new Float64Array(m);
      for (let c = 0; c < m; c++) {
        logProbs[c] = lpv[b * C + c];
        timeSec[c] = timeScale * Math.max(0, Math.expm1(tpv[b * C + c] * timeStd + timeMean));
      }
      nodes[i].cands = cands[b];
      nodes[i].sec = timeSec;
      out[i] = { candidates: cands[b], logProbs, timeSec };
    });
    this.tick('full.readOut', t);
  }

  dispose(): void {
    this.refresh();
  }
}
