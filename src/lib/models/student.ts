// HOSER, the student (facts in github.com/caoji2001/HOSER): road encoder (features + GATv2),
// zone encoder (GCN), trajectory encoder (causal transformer with a relative spatio-temporal
// bias), navigator (additive attention over candidate roads) and a per-candidate time head.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../data/derivedTypes';
import type { StudentBatch } from '../features/studentBatch';
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
  matMulFast,
  layerNormParams,
  prepareGatGraph,
  prepareGcnGraph,
  type DenseParams,
  type GatV2Params,
  type GcnParams,
  type GraphTensors,
  type LayerNormParams,
} from './layers';
import { DRIVABLE_HIGHWAY_CLASSES } from '../data/osmImport';
import { relativeAttention } from './relativeAttention';
import { DEFAULT_STUDENT_CONFIG, type StudentConfig } from './studentConfig';
import { checkRouteFeatureSpec, routeFeatureWidth } from '../data/remainingTimes';

/** The OSM highway classes an id-free student knows, in a fixed order; any other class is read as one more. */
export const OSM_HIGHWAY_CLASSES: readonly string[] = DRIVABLE_HIGHWAY_CLASSES;

/** Each road's class as an index into OSM_HIGHWAY_CLASSES (its length for a class not in it). */
function canonicalTypes(typeId: Int32Array, typeNames: readonly string[]): Int32Array {
  const known = OSM_HIGHWAY_CLASSES;
  const of = typeNames.map((t) => (known.includes(t) ? known.indexOf(t) : known.length));
  return typeId.map((t) => of[t] ?? known.length);
}

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
export type NavigatorInput = Pick<StudentBatch, 'N' | 'C' | 'destZone' | 'candIds' | 'candMask' | 'candFeat' | 'candRoute'>;

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
  return tf.gather(
    padded,
    tf.tensor1d(
      rows.map((r) => (r < 0 ? R : r)),
      'int32',
    ),
  ) as tf.Tensor2D;
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
  /**
   * Per-road inputs: ids (or, id-free, log(1 + in/out-degree) [n, 2]), length, class, lon, lat; for
   * an id-free student also each road's zone and 1 / (roads in each zone) [nZones, 1], constants of
   * the network for the zones' mean rows.
   */
  private readonly roadInputs: {
    ids: tf.Tensor1D;
    degree: tf.Tensor2D | null;
    len: tf.Tensor2D;
    type: tf.Tensor1D;
    lon: tf.Tensor2D;
    lat: tf.Tensor2D;
    zoneMean: { zone: tf.Tensor1D; inv: tf.Tensor2D } | null;
  };
  private frozen: EncodedNetwork | null = null;
  /** Speed levers that leave the maths unchanged (StudentTrainerOptions sets them). */
  levers: StudentKernelLevers = { fusedGat: false, packRows: false, receptiveField: false };
  /** Incoming edges of each road in the road graph (CSR over roadGraph.host), built on first use. */
  private inEdges: { start: Int32Array; edges: Int32Array } | null = null;

  /** Parameters (read-only outside; the generation decoder, studentDecoder.ts, reads them). */
  readonly p: {
    /** Id-free students have roadDegree and no roadId / zoneEmb (StudentConfig.idFree). */
    roadId: tf.Variable | null;
    roadDegree: DenseParams | null;
    roadLen: DenseParams;
    roadType: tf.Variable;
    roadLon: DenseParams;
    roadLat: DenseParams;
    gat: GatV2Params[];
    zoneEmb: tf.Variable | null;
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
    /** Route features [delay, unreachable(, Markov gap, log1p count)] → metricDim (StudentConfig.routeFeatures); null without. */
    metricRoute: DenseParams | null;
    timeTraj: DenseParams;
    timeCand: DenseParams;
    timeOut: DenseParams;
  };

  constructor(derived: Derived, config: Partial<StudentConfig> = {}, seed = 42) {
    installFastKernels();
    this.config = { ...DEFAULT_STUDENT_CONFIG, ...config };
    const c = this.config;
    // A checkpoint whose route features this build cannot compute is refused here, with the reason.
    if (c.routeFeatures !== undefined) c.routeFeatures = checkRouteFeatureSpec(c.routeFeatures);
    const metrics = c.routeFeatures ? 3 : 2;
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
    const idFree = c.idFree === true;
    this.p = {
      roadId: idFree ? null : embeddingParams(s, 'road/id', f.n, c.roadIdDim),
      roadDegree: idFree ? denseParams(s, 'road/degree', 2, c.roadIdDim) : null,
      roadLen: denseParams(s, 'road/len', 1, c.roadFeatDim),
      roadType: embeddingParams(s, 'road/type', idFree ? OSM_HIGHWAY_CLASSES.length + 1 : Math.max(1, f.nTypes), c.roadFeatDim),
      roadLon: denseParams(s, 'road/lon', 1, c.roadFeatDim),
      roadLat: denseParams(s, 'road/lat', 1, c.roadFeatDim),
      gat,
      zoneEmb: idFree ? null : embeddingParams(s, 'zone/id', Math.max(1, this.nZones), roadDim),
      gcn,
      fuse1: denseParams(s, 'traj/fuse1', 2 * roadDim, c.fusionHidden),
      fuse2: denseParams(s, 'traj/fuse2', c.fusionHidden, 1),
      freqs: s.create('traj/freqs', [c.timeDim / 2], { kind: 'normal', std: 1 }, false),
      blocks,
      navQ: denseParams(s, 'nav/q', D + roadDim, c.navDim, { bias: false }),
      navK: denseParams(s, 'nav/k', roadDim + metrics * c.metricDim, c.navDim, { bias: false }),
      navV: denseParams(s, 'nav/v', c.navDim, 1, { bias: false }),
      metricDis: denseParams(s, 'nav/metricDis', 1, c.metricDim),
      metricAngle: denseParams(s, 'nav/metricAngle', 1, c.metricDim),
      metricRoute: c.routeFeatures ? denseParams(s, 'nav/metricRoute', routeFeatureWidth(c.routeFeatures), c.metricDim) : null,
      timeTraj: denseParams(s, 'time/traj', D, c.timeHidden),
      timeCand: denseParams(s, 'time/cand', roadDim, c.timeHidden),
      timeOut: denseParams(s, 'time/out', 2 * c.timeHidden, 1),
    };

    const g = derived.graph;
    this.roadGraph = prepareGatGraph(f.n, g.src, g.dst, g.edgeAttr, 2);
    const zg = derived.zoneGraph;
    this.zoneGraph = prepareGcnGraph(Math.max(1, this.nZones), zg.src, zg.dst, zg.weight);
    let degree: Float32Array | null = null;
    let zoneInv: Float32Array | null = null;
    if (idFree) {
      const nz = Math.max(1, this.nZones);
      zoneInv = new Float32Array(nz);
      for (const z of derived.zones.roadZone) zoneInv[z]++;
      zoneInv = zoneInv.map((c) => 1 / Math.max(c, 1));
      degree = new Float32Array(2 * f.n);
      for (let e = 0; e < g.src.length; e++) {
        if (g.src[e] === g.dst[e]) continue; // self loops (GATv2's) are no roads
        degree[2 * g.dst[e]]++;
        degree[2 * g.src[e] + 1]++;
      }
      degree = degree.map((d) => Math.log1p(d));
    }
    // Made directly (no intermediates to tidy), kept until dispose().
    this.roadInputs = {
      ids: tf.range(0, f.n, 1, 'int32') as tf.Tensor1D,
      degree: degree ? tf.tensor2d(degree, [f.n, 2]) : null,
      len: tf.tensor2d(f.lenZ, [f.n, 1]),
      type: tf.tensor1d(idFree ? canonicalTypes(f.typeId, f.typeNames) : f.typeId, 'int32'),
      lon: tf.tensor2d(f.lonZ, [f.n, 1]),
      lat: tf.tensor2d(f.latZ, [f.n, 1]),
      zoneMean: zoneInv ? { zone: tf.tensor1d(derived.zones.roadZone, 'int32'), inv: tf.tensor2d(zoneInv, [zoneInv.length, 1]) } : null,
    };
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

  /**
   * The whole network's encodings for a pass over many batches: the frozen cache where it exists,
   * else computed here; `release` disposes what was computed (never the cache).
   */
  encodeWhole(): { enc: EncodedNetwork; release(): void } {
    if (this.encodedIsCached) return { enc: this.encodeNetwork(), release: () => {} };
    const enc = tf.tidy(() => this.encodeNetwork());
    return { enc, release: () => tf.dispose([enc.road, enc.zone]) };
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
    let x = this.roadInputRows(ids);
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
    return { road, zone: this.encodeZones() };
  }

  /**
   * The road encoder's input rows [n, roadDim] of the roads `ids` (all roads when null): the road's
   * id embedding (id-free: its degree through a dense layer) ⊕ length ⊕ class ⊕ lon ⊕ lat.
   */
  private roadInputRows(ids: tf.Tensor1D | null): tf.Tensor2D {
    const p = this.p;
    const ri = this.roadInputs;
    const pick = <T extends tf.Tensor>(t: T): T => (ids ? (tf.gather(t, ids) as T) : t);
    const idPart = p.roadDegree ? applyDense(p.roadDegree, pick(ri.degree!)) : embed(p.roadId!, ids ?? ri.ids);
    return tf.concat(
      [
        idPart,
        applyDense(p.roadLen, pick(ri.len)),
        embed(p.roadType, pick(ri.type)),
        applyDense(p.roadLon, pick(ri.lon)),
        applyDense(p.roadLat, pick(ri.lat)),
      ],
      1,
    ) as tf.Tensor2D;
  }

  /**
   * The zone encoder: the zone id table (id-free: the mean input row of each zone's roads; `allRows`,
   * roadInputRows(null), when the caller has it) through the GCN.
   */
  private encodeZones(allRows?: tf.Tensor2D): tf.Tensor2D {
    const p = this.p;
    const zm = this.roadInputs.zoneMean;
    let z: tf.Tensor2D;
    if (p.zoneEmb || !zm) z = p.zoneEmb as tf.Tensor2D;
    else z = tf.mul(tf.unsortedSegmentSum(allRows ?? this.roadInputRows(null), zm.zone, zm.inv.shape[0]), zm.inv) as tf.Tensor2D;
    p.gcn.forEach((layer, l) => {
      z = applyGcn(layer, z, this.zoneGraph);
      if (l < p.gcn.length - 1) z = tf.relu(z);
    });
    return z;
  }

  private computeEncoders(): EncodedNetwork {
    const p = this.p;
    const x0 = this.roadInputRows(null);
    let x = x0;
    p.gat.forEach((layer, l) => {
      x = applyGatV2(layer, x, this.roadGraph, this.levers.fusedGat);
      if (l < p.gat.length - 1) x = tf.relu(x);
    });
    return { road: x, zone: this.encodeZones(x0) };
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
    const keyValid = tf.cast(
      tf.less(tf.range(0, T, 1, 'int32').expandDims(0), tf.tensor1d(batch.lengths, 'int32').expandDims(1)),
      'float32',
    );
    const allowed = tf.mul(causal.expandDims(0), keyValid.expandDims(1)); // [B, T, T]
    const maskAdd = tf.mul(tf.sub(1, allowed), NEG).expandDims(1); // [B, 1, T, T]

    for (const blk of p.blocks) {
      const h = applyLayerNorm(blk.ln1, x);
      const qkv = tf.reshape(toGrid(applyDense(blk.qkv, h)), [B, T, 3 * D]);
      const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3])) as tf.Tensor4D[];
      if (kv) {
        kv.k.push(k);
        kv.v.push(v);
      }
      const y = relativeAttention(blk, q, k, v, dist, gap, maskAdd); // [B, H, T, dh]
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
    p.blocks.forEach((blk, l) => {
      const qkv = applyDense(blk.qkv, applyLayerNorm(blk.ln1, x)); // [B, 3D]
      const [q, kNew, vNew] = tf.split(qkv, 3, 1).map((t) => tf.reshape(t, [B, H, 1, dh])) as tf.Tensor4D[];
      const k = tf.concat([past.k[l], kNew], 2) as tf.Tensor4D; // [B, H, L+1, dh]
      const v = tf.concat([past.v[l], vNew], 2) as tf.Tensor4D;
      if (next) {
        next.k.push(kNew);
        next.v.push(vNew);
      }
      // Every key is valid and at or before the new position: no mask needed.
      const y = tf.reshape(relativeAttention(blk, q, k, v, dist, gap), [B, D]); // heads in order, as the full path's transpose
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
    const keyParts = [candEmb, dis, ang];
    if (p.metricRoute) {
      const W = routeFeatureWidth(c.routeFeatures);
      if (batch.candRoute.length !== N * C * W)
        throw new Error(
          'this student reads route features, and its batch has none or others (build it from withRouteFeatures(ctx, student.config))',
        );
      keyParts.push(applyDense(p.metricRoute, tf.tensor2d(batch.candRoute, [N * C, W])));
    }
    const k = applyDense(p.navK, tf.concat(keyParts, 1)).reshape([N, C, c.navDim]);
    const e = tf.tanh(tf.add(k, q.reshape([N, 1, c.navDim])));
    const raw = applyDense(p.navV, e.reshape([N * C, c.navDim])).reshape([N, C]);
    const mask = tf.tensor2d(batch.candMask, [N, C]);
    const logits = tf.add(tf.mul(raw, mask), tf.mul(tf.sub(1, mask), NEG)) as tf.Tensor2D;

    // timeOut is linear after a GELU that acts per element, so timeOut(gelu([traj, cand])) splits into
    // a trajectory term, the same for every candidate of a step and computed once per step, plus a
    // candidate term: no [N, C, 2·timeHidden] tile and concat (as generate/studentDecoder.ts does).
    const tH = c.timeHidden;
    const wo = p.timeOut.w as tf.Tensor2D; // [2·timeHidden, 1]
    const tTraj = matMulFast(gelu(applyDense(p.timeTraj, h)), wo.slice([0, 0], [tH, 1])); // [N, 1]
    const tCand = matMulFast(gelu(applyDense(p.timeCand, candEmb)), wo.slice([tH, 0], [tH, 1])).reshape([N, C]);
    let timePred = tf.add(tCand, tTraj);
    if (p.timeOut.b) timePred = tf.add(timePred, p.timeOut.b);
    return { logits, timePred: timePred as tf.Tensor2D };
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
    for (const t of [ri.ids, ri.degree, ri.len, ri.type, ri.lon, ri.lat, ri.zoneMean?.zone, ri.zoneMean?.inv]) t?.dispose();
    this.store.dispose();
  }
}
