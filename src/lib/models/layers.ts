// Small layers as plain functions over named tf.Variables. A ParamStore creates and owns the
// variables (seeded initialisers, stable names for checkpoints); each layer is a `…Params`
// factory that registers its variables plus an `apply…` function that is pure tensor math, so
// models compose them freely inside tf.tidy / tf.variableGrads.
//
// Every op used here has a gradient in tfjs-core: MatMul, Add, Mul, Gather (→ UnsortedSegmentSum),
// UnsortedSegmentSum (→ Gather), LeakyRelu, Exp, RealDiv, Erf, Mean, Rsqrt. The per-node max used to
// stabilise the edge softmax is wrapped in a zero-gradient op: softmax does not depend on the shift.
//
// Kernels. UnsortedSegmentSum is also the gradient of every tf.gather (embedding lookups), so its
// speed matters for all training: the tfjs cpu kernel loops over segments (O(segments·E·F),
// seconds for 11k roads) and the wasm backend has no kernel at all (gather gradients throw). The
// wasm GatherV2 is also ~5× slower than a plain JS copy for [151k, 64] edge gathers. This module
// therefore registers linear-time JS kernels for 'cpu' and 'wasm' when it is imported: segment sum
// always, gather for the common case (axis 0, no batch dims, float32/int32), delegating every other
// case to the backend's own kernel. webgpu and webgl keep their own kernels. The segment sum used
// for message passing also gets a direct gradient (a gather) instead of tfjs's generic one, which
// builds [E, F] boolean masks.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { makeRng, normalArray } from '../random';
import { uniqueVariableName } from '../features/variableNames';
import { fusedGatAvailable, fusedGatV2 } from './fusedGat';
import { f32KernelsInBackend, heapOffset, type WasmBackendInternals } from './f32Kernels';
import { fastBatchMatMulKernel } from './batchMatMulKernel';
import { kernelOver } from './kernelLever';
import { aliasKernel } from './aliasKernels';
import { fastSliceKernel, fastSplitVKernel } from './sliceKernels';
import { fastSumKernel } from './sumKernel';
import { fastGelu, fastGeluActive } from './geluKernel';

// ---------------------------------------------------------------------------------------------
// Fast UnsortedSegmentSum for the cpu and wasm backends

interface JsKernelBackend {
  readSync(dataId: object): ArrayLike<number> | unknown;
  /** wasm (the cpu backend's makeOutput has a different signature) */
  makeOutput?(shape: number[], dtype: 'float32' | 'int32', memoryOffset?: number, values?: Float32Array | Int32Array): TensorInfo;
  /** cpu */
  makeTensorInfo?(shape: number[], dtype: 'float32' | 'int32', values?: Float32Array | Int32Array): TensorInfo;
}

/** out[ids[e], k] += x[e, k]; ids outside [0, numSegments) are dropped (as TensorFlow). */
export function segmentSumValues(x: ArrayLike<number>, ids: ArrayLike<number>, inner: number, numSegments: number): Float32Array {
  const out = new Float32Array(numSegments * inner);
  const n = ids.length;
  for (let e = 0; e < n; e++) {
    const s = ids[e];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const xi = e * inner;
    for (let k = 0; k < inner; k++) out[o + k] += x[xi + k];
  }
  return out;
}

function fastSegmentSumKernel(backendName: 'cpu' | 'wasm'): KernelConfig {
  return {
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs.x as TensorInfo;
      const segIds = inputs.segmentIds as TensorInfo;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const b = backend as unknown as JsKernelBackend;
      const innerShape = x.shape.slice(segIds.shape.length);
      const inner = innerShape.reduce((a, c) => a * c, 1);
      const shape = [numSegments, ...innerShape];
      const k = backendName === 'wasm' && x.dtype === 'float32' ? f32KernelsInBackend(b as unknown as WasmBackendInternals) : null;
      if (k) {
        // In tfjs's memory on the tensors in place (f32Kernels.wat segmentSum: the same bits).
        const wb = b as unknown as WasmBackendInternals;
        const out = wb.makeOutput(shape, 'float32');
        const o = heapOffset(wb, out, 'UnsortedSegmentSum');
        wb.wasm.HEAPF32.fill(0, o / 4, o / 4 + numSegments * inner);
        const n = segIds.shape.reduce((a, c) => a * c, 1);
        k.segmentSum(heapOffset(wb, x, 'UnsortedSegmentSum'), heapOffset(wb, segIds, 'UnsortedSegmentSum'), n, inner, numSegments, o);
        return out;
      }
      // wasm: views of the heap (readSync copies); nothing allocates before the sums are done.
      const xv = read(backendName, b, x);
      const iv = read(backendName, b, segIds);
      const values = segmentSumValues(xv, iv, inner, numSegments);
      const out = x.dtype === 'int32' ? Int32Array.from(values) : values;
      const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
      // Called as methods (both use `this`). The cpu backend also has a makeOutput, with another
      // signature, so pick by backend name.
      if (backendName === 'wasm' && b.makeOutput) return b.makeOutput(shape, dtype, undefined, out);
      if (backendName === 'cpu' && b.makeTensorInfo) return b.makeTensorInfo(shape, dtype, out);
      throw new Error(`UnsortedSegmentSum: unsupported backend ${backendName}`);
    },
  };
}

interface GatherKernelBackend extends JsKernelBackend {
  typedArrayFromHeap?(t: TensorInfo): Float32Array | Int32Array;
}

/**
 * A tensor's values: on wasm a view of the heap (valid until the next allocation, which may grow
 * the heap), elsewhere readSync's array. tfjs-wasm's readSync copies the whole tensor.
 */
function read(backendName: 'cpu' | 'wasm', b: GatherKernelBackend, t: TensorInfo): Float32Array | Int32Array {
  if (backendName === 'wasm' && b.typedArrayFromHeap) return b.typedArrayFromHeap(t);
  return b.readSync(t.dataId) as Float32Array | Int32Array;
}

/** GatherV2 along axis 0 as a JS row copy; other cases go to the backend's own kernel. */
function fastGatherKernel(backendName: 'cpu' | 'wasm', fallback: KernelConfig): KernelConfig {
  return kernelOver(fallback, backendName, ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const indices = inputs.indices as TensorInfo;
    const { axis, batchDims } = attrs as { axis: number; batchDims?: number };
    const ax = axis < 0 ? axis + x.shape.length : axis;
    const fast = ax === 0 && !batchDims && (x.dtype === 'float32' || x.dtype === 'int32') && x.shape.length >= 1;
    if (!fast) return null;
    const b = backend as unknown as GatherKernelBackend;
    const rows = x.shape[0];
    const inner = x.shape.slice(1).reduce((a, c) => a * c, 1);
    const shape = [...indices.shape, ...x.shape.slice(1)];
    const dtype = x.dtype as 'float32' | 'int32';
    let out: TensorInfo;
    let view: Float32Array | Int32Array;
    if (backendName === 'wasm' && b.makeOutput && b.typedArrayFromHeap) {
      out = b.makeOutput(shape, dtype);
      view = b.typedArrayFromHeap(out);
    } else {
      const n = indices.shape.reduce((a, c) => a * c, 1) * inner;
      view = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      out = { dataId: {}, shape, dtype };
    }
    // Read after the output is allocated (on wasm: views of the heap as it is now).
    const xv = read(backendName, b, x);
    const iv = read(backendName, b, indices);
    for (let i = 0; i < iv.length; i++) {
      const r = iv[i];
      if (!(r >= 0 && r < rows)) throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
      if (inner === 1) view[i] = xv[r];
      else view.set(xv.subarray(r * inner, (r + 1) * inner), i * inner);
    }
    if (backendName === 'cpu') {
      if (!b.makeTensorInfo) throw new Error('GatherV2: cpu backend without makeTensorInfo');
      return b.makeTensorInfo(shape, dtype, view);
    }
    return out;
  });
}

const ours = new WeakSet<KernelConfig>();

function install(config: KernelConfig): void {
  ours.add(config);
  tf.registerKernel(config);
}

/** `make(k)` in place of the backend's own kernel `k` (once: never over one of ours). */
function installOver(kernelName: string, backendName: string, make: (k: KernelConfig) => KernelConfig): void {
  const k = tf.getKernel(kernelName, backendName);
  if (!k || ours.has(k)) return;
  tf.unregisterKernel(kernelName, backendName);
  install(make(k));
}

/**
 * Registers the JS UnsortedSegmentSum and GatherV2 kernels for cpu and wasm, and the SIMD
 * BatchMatMul (batchMatMulKernel.ts), the leading-axes Sum (sumKernel.ts), the copy-free
 * Identity and Cast (aliasKernels.ts) and the in-heap Slice and SplitV (sliceKernels.ts) for wasm. Idempotent and cheap:
 * call it again after a backend package was loaded (the wasm package registers its kernels on
 * import, which may come after this module); the Student and its trainer call it on construction.
 */
export function installFastKernels(): void {
  for (const name of ['cpu', 'wasm'] as const) {
    const seg = tf.getKernel('UnsortedSegmentSum', name);
    if (!seg || !ours.has(seg)) {
      if (seg) tf.unregisterKernel('UnsortedSegmentSum', name);
      install(fastSegmentSumKernel(name));
    }
    installOver('GatherV2', name, (k) => fastGatherKernel(name, k));
  }
  installOver('BatchMatMul', 'wasm', fastBatchMatMulKernel);
  installOver('Sum', 'wasm', fastSumKernel);
  installOver('Identity', 'wasm', aliasKernel);
  installOver('Cast', 'wasm', aliasKernel);
  installOver('Slice', 'wasm', fastSliceKernel);
  installOver('SplitV', 'wasm', fastSplitVKernel);
}

installFastKernels();

// ---------------------------------------------------------------------------------------------
// Parameter store

export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'normal'; std: number }
  /** U(-limit, limit). */
  | { kind: 'uniform'; limit: number };

/** PyTorch's nn.Linear default: U(±1/√fanIn) for weight and bias. */
export const torchLinearInit = (fanIn: number): Init => ({ kind: 'uniform', limit: 1 / Math.sqrt(fanIn) });
/** Glorot/Xavier uniform (PyG's lin and attention weights). */
export const glorotInit = (fanIn: number, fanOut: number): Init => ({
  kind: 'uniform',
  limit: Math.sqrt(6 / (fanIn + fanOut)),
});

export interface ParamInfo {
  name: string;
  variable: tf.Variable;
  /** Decayed by AdamW (matrices and embeddings); biases, norms and frequencies are not. */
  decay: boolean;
}

/**
 * Owns a model's variables. Names are model-local ("road/gat0/lin_l/w"); the tf variable name is
 * `${prefix}/${name}`, with checkpoint.ts's "#k" suffix when another live model already holds it
 * (tfjs refuses duplicate variable names), so variableNames.canonicalName gives the prefixed name back.
 */
export class ParamStore {
  private readonly params = new Map<string, ParamInfo>();
  private readonly byTfName = new Map<string, ParamInfo>();
  private readonly rng: () => number;
  readonly prefix: string;

  constructor(seed: number, prefix: string) {
    this.rng = makeRng(seed);
    this.prefix = prefix;
  }

  create(name: string, shape: number[], init: Init, decay = shape.length >= 2): tf.Variable {
    if (this.params.has(name)) throw new Error(`ParamStore: parameter ${name} exists`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = this.initValues(size, init);
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, uniqueVariableName(`${this.prefix}/${name}`)));
    const info: ParamInfo = { name, variable, decay };
    this.params.set(name, info);
    this.byTfName.set(variable.name, info);
    return variable;
  }

  private initValues(size: number, init: Init): Float32Array {
    switch (init.kind) {
      case 'zeros':
        return new Float32Array(size);
      case 'ones':
        return new Float32Array(size).fill(1);
      case 'normal':
        return normalArray(this.rng, size, init.std);
      case 'uniform': {
        const out = new Float32Array(size);
        for (let i = 0; i < size; i++) out[i] = (2 * this.rng() - 1) * init.limit;
        return out;
      }
    }
  }

  get(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`ParamStore: no parameter ${name}`);
    return p.variable;
  }

  /** Model-local name of a tf variable name (as keys of tf.variableGrads). */
  localName(tfName: string): string | undefined {
    return this.byTfName.get(tfName)?.name;
  }

  list(filter?: (name: string) => boolean): ParamInfo[] {
    const all = [...this.params.values()];
    return filter ? all.filter((p) => filter(p.name)) : all;
  }

  variables(filter?: (name: string) => boolean): tf.Variable[] {
    return this.list(filter).map((p) => p.variable);
  }

  count(filter?: (name: string) => boolean): number {
    return this.list(filter).reduce((s, p) => s + p.variable.size, 0);
  }

  /** Decay flag keyed by tf variable, for AdamW's decayMask. */
  decayOf(v: tf.Variable): boolean {
    return this.byTfName.get(v.name)?.decay ?? v.shape.length >= 2;
  }

  /** Copies of all weights keyed by model-local name (reads back from the device). */
  getWeights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const p of this.params.values()) out[p.name] = Float32Array.from(p.variable.dataSync() as Float32Array);
    return out;
  }

  /** Restores weights by model-local name; every parameter must be present with the right size. */
  setWeights(w: Record<string, Float32Array>): void {
    for (const p of this.params.values()) {
      const v = w[p.name];
      if (!v) throw new Error(`weights lack parameter ${p.name}`);
      if (v.length !== p.variable.size) {
        throw new Error(`parameter ${p.name} has ${v.length} values, expected ${p.variable.size}`);
      }
    }
    tf.tidy(() => {
      for (const p of this.params.values()) p.variable.assign(tf.tensor(w[p.name], p.variable.shape, 'float32'));
    });
  }

  dispose(): void {
    for (const p of this.params.values()) p.variable.dispose();
    this.params.clear();
    this.byTfName.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Dense, LayerNorm, Embedding, activations

export interface DenseParams {
  w: tf.Variable; // [in, out]
  b?: tf.Variable; // [out]
}

export function denseParams(
  store: ParamStore,
  name: string,
  inDim: number,
  outDim: number,
  opts: { bias?: boolean; init?: 'torch' | 'glorot' } = {},
): DenseParams {
  const init = opts.init === 'glorot' ? glorotInit(inDim, outDim) : torchLinearInit(inDim);
  const w = store.create(`${name}/w`, [inDim, outDim], init);
  const b = opts.bias === false ? undefined : store.create(`${name}/b`, [outDim], torchLinearInit(inDim), false);
  return { w, b };
}

/** x [..., in] → [..., out]; leading dimensions are flattened for the matmul and restored. */
export function applyDense(p: DenseParams, x: tf.Tensor): tf.Tensor {
  const [inDim, outDim] = p.w.shape as [number, number];
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]);
  let y: tf.Tensor = matMulFast(x2, p.w);
  if (p.b) y = tf.add(y, p.b);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
}

/** Swaps the last two axes. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/**
 * a @ b (same rank, equal batch dims) whose gradients transpose explicitly instead of using
 * matMul's transposeA/transposeB flags: tfjs-wasm's transposed matmuls are 10–30× slower than a
 * transpose followed by a plain matmul (profiled: the Linear(128→512) weight gradient of a
 * [8192, 128] batch took 1.1 s as a transposeA matmul, ~40 ms this way). Without this, the dense
 * layers' backward passes were ~70 % of a student training step on wasm (BENCHMARKS.md).
 */
export const matMulFast: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor = tf.customGrad((...args) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy, transposeLast2(saved[1])), tf.matMul(transposeLast2(saved[0]), dy)],
  };
});

export interface LayerNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  eps: number;
}

export function layerNormParams(store: ParamStore, name: string, dim: number, eps = 1e-5): LayerNormParams {
  return {
    gamma: store.create(`${name}/gamma`, [dim], { kind: 'ones' }, false),
    beta: store.create(`${name}/beta`, [dim], { kind: 'zeros' }, false),
    eps,
  };
}

/** LayerNorm over the last axis. */
export function applyLayerNorm(p: LayerNormParams, x: tf.Tensor): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), axis, true);
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, p.eps)));
  return tf.add(tf.mul(normed, p.gamma), p.beta);
}

export function embeddingParams(store: ParamStore, name: string, count: number, dim: number, std = 1): tf.Variable {
  // PyTorch nn.Embedding initialises N(0, 1).
  return store.create(`${name}/table`, [count, dim], { kind: 'normal', std });
}

/** Rows of `table` at integer `ids` (any shape) → [...ids.shape, dim]. */
export function embed(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (ids.rank === 1) return tf.gather(table, ids);
  const flat = tf.gather(table, tf.reshape(ids, [-1]));
  return tf.reshape(flat, [...ids.shape, table.shape[1] as number]);
}

/** Exact GELU (PyTorch nn.GELU default): x·Φ(x). On wasm one fused kernel each way (geluKernel.ts). */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && fastGeluActive()) return fastGelu(x);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** Identity forward, zero gradient (tfjs has no stopGradient). */
const stopGradientOp = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}

// ---------------------------------------------------------------------------------------------
// Graph structures prepared once per graph (static during training)

/**
 * A directed graph with self loops added, ready for message passing. Tensors are owned by this
 * object (dispose it). `inPad` lists each node's incoming edge ids padded with `nEdges`, used to
 * take a per-destination max of edge scores.
 */
export interface GraphTensors {
  nNodes: number;
  nEdges: number;
  src: tf.Tensor1D;
  dst: tf.Tensor1D;
  /** [E, edgeDim] edge attributes, or per-edge scalar weights [E] for GCN. */
  edgeAttr?: tf.Tensor2D;
  edgeWeight?: tf.Tensor1D;
  inPad?: tf.Tensor2D;
  /** Host copies of the edges (with self loops) and their attributes, for subgraphs. */
  host: { src: Int32Array; dst: Int32Array; attr?: Float32Array; edgeDim?: number; weight?: Float32Array };
  dispose(): void;
}

/**
 * GATv2 graph: adds one self loop per node whose attribute is the mean of the node's incoming edge
 * attributes (PyG fill_value='mean'; zeros for a node with no incoming edge). Existing self loops
 * are dropped first, as PyG does.
 */
export function prepareGatGraph(nNodes: number, src: Int32Array, dst: Int32Array, edgeAttr: Float32Array, edgeDim: number): GraphTensors {
  const keep: number[] = [];
  for (let e = 0; e < src.length; e++) if (src[e] !== dst[e]) keep.push(e);
  const E = keep.length + nNodes;
  const s = new Int32Array(E);
  const d = new Int32Array(E);
  const a = new Float32Array(E * edgeDim);
  const sums = new Float64Array(nNodes * edgeDim);
  const deg = new Int32Array(nNodes);
  keep.forEach((e, i) => {
    s[i] = src[e];
    d[i] = dst[e];
    deg[dst[e]]++;
    for (let k = 0; k < edgeDim; k++) {
      a[i * edgeDim + k] = edgeAttr[e * edgeDim + k];
      sums[dst[e] * edgeDim + k] += edgeAttr[e * edgeDim + k];
    }
  });
  for (let v = 0; v < nNodes; v++) {
    const i = keep.length + v;
    s[i] = v;
    d[i] = v;
    for (let k = 0; k < edgeDim; k++) a[i * edgeDim + k] = deg[v] > 0 ? sums[v * edgeDim + k] / deg[v] : 0;
  }
  return makeGraphTensors(nNodes, s, d, { attr: a, edgeDim });
}

/**
 * GCN graph with PyG GCNConv normalisation: add a weight-1 self loop to nodes lacking one, then
 * w'_e = deg(src)^-½ · w_e · deg(dst)^-½ with deg = weighted in-degree.
 */
export function prepareGcnGraph(nNodes: number, src: Int32Array, dst: Int32Array, weight: Float32Array): GraphTensors {
  const hasLoop = new Uint8Array(nNodes);
  for (let e = 0; e < src.length; e++) if (src[e] === dst[e]) hasLoop[src[e]] = 1;
  const missing: number[] = [];
  for (let v = 0; v < nNodes; v++) if (!hasLoop[v]) missing.push(v);
  const E = src.length + missing.length;
  const s = new Int32Array(E);
  const d = new Int32Array(E);
  const w = new Float32Array(E);
  s.set(src);
  d.set(dst);
  w.set(weight);
  missing.forEach((v, i) => {
    s[src.length + i] = v;
    d[src.length + i] = v;
    w[src.length + i] = 1;
  });
  const deg = new Float64Array(nNodes);
  for (let e = 0; e < E; e++) deg[d[e]] += w[e];
  const inv = (x: number) => (x > 0 ? 1 / Math.sqrt(x) : 0);
  for (let e = 0; e < E; e++) w[e] = inv(deg[s[e]]) * w[e] * inv(deg[d[e]]);
  return makeGraphTensors(nNodes, s, d, { weight: w });
}

/**
 * GraphTensors over the edges `edges` of `g` (ids into g.host), with node ids renumbered by
 * `local` (global id → local id, all endpoints must be mapped) on `nNodes` local nodes. No self
 * loops are added: g's own are among its edges. GATv2 graphs only (edge attributes kept).
 */
export function subgraphTensors(g: GraphTensors, edges: Int32Array, local: Int32Array, nNodes: number): GraphTensors {
  const { src, dst, attr, edgeDim } = g.host;
  if (!attr || !edgeDim) throw new Error('subgraphTensors: a GATv2 graph (with edge attributes) is needed');
  const E = edges.length;
  const s = new Int32Array(E);
  const d = new Int32Array(E);
  const a = new Float32Array(E * edgeDim);
  for (let i = 0; i < E; i++) {
    const e = edges[i];
    s[i] = local[src[e]];
    d[i] = local[dst[e]];
    if (s[i] < 0 || d[i] < 0) throw new Error(`subgraphTensors: edge ${e} has an endpoint outside the node set`);
    for (let k = 0; k < edgeDim; k++) a[i * edgeDim + k] = attr[e * edgeDim + k];
  }
  return makeGraphTensors(nNodes, s, d, { attr: a, edgeDim });
}

function makeGraphTensors(
  nNodes: number,
  s: Int32Array,
  d: Int32Array,
  extra: { attr?: Float32Array; edgeDim?: number; weight?: Float32Array },
): GraphTensors {
  const E = s.length;
  // Incoming edge lists padded to the max in-degree (pad id = E → a -inf score appended later).
  const deg = new Int32Array(nNodes);
  for (let e = 0; e < E; e++) deg[d[e]]++;
  let maxDeg = 1;
  for (let v = 0; v < nNodes; v++) maxDeg = Math.max(maxDeg, deg[v]);
  const inPad = new Int32Array(nNodes * maxDeg).fill(E);
  const fill = new Int32Array(nNodes);
  for (let e = 0; e < E; e++) inPad[d[e] * maxDeg + fill[d[e]]++] = e;

  const src = tf.tensor1d(s, 'int32');
  const dst = tf.tensor1d(d, 'int32');
  const inPadT = tf.tensor2d(inPad, [nNodes, maxDeg], 'int32');
  const edgeAttr = extra.attr ? tf.tensor2d(extra.attr, [E, extra.edgeDim as number], 'float32') : undefined;
  const edgeWeight = extra.weight ? tf.tensor1d(extra.weight, 'float32') : undefined;
  return {
    nNodes,
    nEdges: E,
    src,
    dst,
    edgeAttr,
    edgeWeight,
    inPad: inPadT,
    host: { src: s, dst: d, attr: extra.attr, edgeDim: extra.edgeDim, weight: extra.weight },
    dispose() {
      src.dispose();
      dst.dispose();
      inPadT.dispose();
      edgeAttr?.dispose();
      edgeWeight?.dispose();
    },
  };
}

/**
 * Σ of rows of x [E, F] into `numSegments` rows by `ids` (all ids valid). Its gradient is a plain
 * gather of dy; tfjs's generic UnsortedSegmentSum gradient also masks negative ids with [E, F]
 * boolean tensors, which dominated the backward pass on wasm.
 */
export function segmentSum(x: tf.Tensor, ids: tf.Tensor1D, numSegments: number): tf.Tensor {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const v = inputs[0] as tf.Tensor;
    // Saved, not captured: a per-step subgraph's ids are freed with the forward scope.
    (inputs[1] as tf.GradSaveFunc)([ids]);
    return {
      value: tf.unsortedSegmentSum(v, ids, numSegments),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.gather(dy, saved[0]),
    };
  });
  return op(x);
}

/** Softmax of per-edge scores [E] over the incoming edges of each destination node. */
export function edgeSoftmax(scores: tf.Tensor1D, g: GraphTensors): tf.Tensor1D {
  if (!g.inPad) throw new Error('edgeSoftmax needs inPad');
  // Per-destination max, with no gradient (the softmax is shift-invariant).
  const padded = tf.concat([stopGradient(scores), tf.tensor1d([-1e30])]);
  const nodeMax = tf.max(tf.gather(padded, g.inPad), 1) as tf.Tensor1D;
  const ex = tf.exp(tf.sub(scores, tf.gather(nodeMax, g.dst)));
  const denom = segmentSum(ex, g.dst, g.nNodes);
  return tf.div(ex, tf.gather(denom, g.dst)) as tf.Tensor1D;
}

// ---------------------------------------------------------------------------------------------
// GATv2 (Brody et al.; PyG GATv2Conv with heads=1, concat, share_weights=False)

export interface GatV2Params {
  lin_l: DenseParams; // source transform (with bias)
  lin_r: DenseParams; // target transform (with bias)
  lin_edge: DenseParams; // edge attributes, no bias
  att: tf.Variable; // [out]
  bias: tf.Variable; // [out]
  negativeSlope: number;
}

export function gatV2Params(store: ParamStore, name: string, inDim: number, outDim: number, edgeDim: number): GatV2Params {
  return {
    lin_l: denseParams(store, `${name}/lin_l`, inDim, outDim, { init: 'glorot' }),
    lin_r: denseParams(store, `${name}/lin_r`, inDim, outDim, { init: 'glorot' }),
    lin_edge: denseParams(store, `${name}/lin_edge`, edgeDim, outDim, { bias: false, init: 'glorot' }),
    att: store.create(`${name}/att`, [outDim, 1], glorotInit(outDim, 1)),
    bias: store.create(`${name}/bias`, [outDim], { kind: 'zeros' }, false),
    negativeSlope: 0.2,
  };
}

/**
 * x [N, in] → [N, out]. score_e = att·LeakyReLU(W_l x_src + W_r x_dst + W_e a_e);
 * α = softmax over each node's incoming edges (self loop included); out_i = Σ α_e W_l x_src + b.
 * `fused`: the edge part as one JS kernel on cpu/wasm (fusedGat.ts); composed ops elsewhere.
 */
export function applyGatV2(p: GatV2Params, x: tf.Tensor2D, g: GraphTensors, fused = false): tf.Tensor2D {
  if (!g.edgeAttr) throw new Error('GATv2 needs edge attributes');
  const xl = applyDense(p.lin_l, x) as tf.Tensor2D;
  const xr = applyDense(p.lin_r, x) as tf.Tensor2D;
  if (fused && fusedGatAvailable()) {
    // One JS kernel for scores, edge softmax and messages (and one for their gradient): fusedGat.ts.
    const agg = fusedGatV2(xl, xr, p.lin_edge.w as tf.Tensor2D, p.att, g.edgeAttr, g.src, g.dst, p.negativeSlope);
    return tf.add(agg, p.bias) as tf.Tensor2D;
  }
  const xlSrc = tf.gather(xl, g.src);
  const pre = tf.add(tf.add(xlSrc, tf.gather(xr, g.dst)), applyDense(p.lin_edge, g.edgeAttr));
  const scores = tf.reshape(matMulFast(tf.leakyRelu(pre, p.negativeSlope), p.att), [-1]);
  const alpha = edgeSoftmax(scores as tf.Tensor1D, g);
  const msg = tf.mul(xlSrc, tf.expandDims(alpha, 1));
  return tf.add(segmentSum(msg, g.dst, g.nNodes), p.bias) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------
// GCN (Kipf & Welling; PyG GCNConv)

export interface GcnParams {
  w: tf.Variable; // [in, out], no bias inside the linear
  bias: tf.Variable; // [out]
}

export function gcnParams(store: ParamStore, name: string, inDim: number, outDim: number): GcnParams {
  return {
    w: store.create(`${name}/w`, [inDim, outDim], glorotInit(inDim, outDim)),
    bias: store.create(`${name}/bias`, [outDim], { kind: 'zeros' }, false),
  };
}

/** x [N, in] → [N, out]: out_i = Σ_{e: j→i} w'_e (x_j W) + b, w' from prepareGcnGraph. */
export function applyGcn(p: GcnParams, x: tf.Tensor2D, g: GraphTensors): tf.Tensor2D {
  if (!g.edgeWeight) throw new Error('GCN needs edge weights');
  const h = matMulFast(x, p.w);
  const msg = tf.mul(tf.gather(h, g.src), tf.expandDims(g.edgeWeight, 1));
  return tf.add(segmentSum(msg, g.dst, g.nNodes), p.bias) as tf.Tensor2D;
}
