// A GATv2 layer (layers.ts applyGatV2) as one fused JS kernel for the cpu and wasm backends, with
// its gradient as a second fused kernel.
//
// Why. Profiled on a batch-32 training step of the shipped small student, the road graph's GATv2
// (13,478 nodes, 98,514 edges with self loops, width 64) was most of the step: every op of the
// composed layer (two [E, 64] gathers, the edge projection, adds, LeakyReLU, the score matmul, the
// edge softmax, the message product, the segment sum) materialises an [E, 64] tensor, and its
// backward does the same again (Greater/Select for LeakyReLU, segment sums for the gathers,
// transposes for the [E, 2]·[2, 64] edge projection). Here one pass over the edges computes the
// scores, one the softmax, one the messages; the backward needs three passes and keeps nothing
// per edge but α. Same maths as applyGatV2 (float32 values, float64 softmax sums), so losses agree
// to ~1e-6 (tests/train/trainingLevers.test.ts).
//
// Inputs: xl = lin_l(x) and xr = lin_r(x) [N, F] (their dense layers stay tfjs ops), the raw edge
// attributes ea [E, A] with lin_edge's weight we [A, F] (no bias), att [F], src/dst [E] int32.
// Output [N, F] = Σ_{e: s→d} α_e xl[s] (the layer's bias is added outside). webgpu/webgl have no
// such kernel: fusedGatAvailable() says so and applyGatV2 then uses the composed ops.
//
// On wasm with WebAssembly SIMD the F-wide passes over the edges run on f32Kernels.wat's gat*
// kernels, in tfjs's memory on the tensors in place (their sums in f32 lanes, so values move by
// rounding, ~1e-7); the softmax over each node's edges stays here, in float64. Elsewhere the JS
// passes below (gatV2Forward, gatV2Backward) run.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { f32KernelsInBackend, heapOffset, type F32Kernels, type WasmBackendInternals } from './f32Kernels';

const FWD = 'TrajDistillGatV2';
const BWD = 'TrajDistillGatV2Grad';

interface KernelBackend {
  readSync(dataId: object): ArrayLike<number> | unknown;
  makeOutput?(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): TensorInfo;
  makeTensorInfo?(shape: number[], dtype: 'float32', values?: Float32Array): TensorInfo;
}

function output(backendName: 'cpu' | 'wasm', b: KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  if (backendName === 'wasm' && b.makeOutput) return b.makeOutput(shape, 'float32', undefined, values);
  if (backendName === 'cpu' && b.makeTensorInfo) return b.makeTensorInfo(shape, 'float32', values);
  throw new Error(`fused GATv2: unsupported backend ${backendName}`);
}

interface GatArrays {
  xl: Float32Array;
  xr: Float32Array;
  ea: Float32Array;
  we: Float32Array;
  att: Float32Array;
  src: Int32Array;
  dst: Int32Array;
  N: number;
  F: number;
  A: number;
  E: number;
  slope: number;
}

/** ea·we [E, F]: the edge projection (lin_edge without bias), computed once per call. */
function edgeProjection(g: GatArrays): Float32Array {
  const { ea, we, E, F, A } = g;
  const out = new Float32Array(E * F);
  for (let e = 0; e < E; e++) {
    const o = e * F;
    for (let a = 0; a < A; a++) {
      const v = ea[e * A + a];
      if (v === 0) continue;
      const w = a * F;
      for (let f = 0; f < F; f++) out[o + f] += v * we[w + f];
    }
  }
  return out;
}

/** Forward values: out [N, F] and α [E]. Exported for tests. */
export function gatV2Forward(g: GatArrays): { out: Float32Array; alpha: Float32Array } {
  const { xl, xr, att, src, dst, N, F, E, slope } = g;
  const ew = edgeProjection(g);
  const alpha = new Float32Array(E);
  for (let e = 0; e < E; e++) {
    const s = src[e] * F;
    const d = dst[e] * F;
    const o = e * F;
    let sc = 0;
    for (let f = 0; f < F; f++) {
      const p = xl[s + f] + xr[d + f] + ew[o + f];
      sc += att[f] * (p > 0 ? p : p * slope);
    }
    alpha[e] = sc;
  }
  edgeSoftmax(alpha, dst, N);
  const out = new Float32Array(N * F);
  for (let e = 0; e < E; e++) {
    const a = alpha[e];
    const s = src[e] * F;
    const d = dst[e] * F;
    for (let f = 0; f < F; f++) out[d + f] += a * xl[s + f];
  }
  return { out, alpha };
}

/** Gradients of Σ dy·out with respect to xl, xr, we and att. Exported for tests. */
export function gatV2Backward(
  g: GatArrays,
  alpha: Float32Array,
  dy: Float32Array,
): { dxl: Float32Array; dxr: Float32Array; dwe: Float32Array; datt: Float32Array } {
  const { xl, xr, ea, att, src, dst, N, F, A, E, slope } = g;
  const ew = edgeProjection(g);
  const dxl = new Float32Array(N * F);
  const dxr = new Float32Array(N * F);
  const dwe = new Float64Array(A * F);
  const datt = new Float64Array(F);
  // dα_e = dy[d]·xl[s]; the message path adds α_e dy[d] to xl[s].
  const dAlpha = new Float64Array(E);
  const weighted = new Float64Array(N); // Σ_{e into d} α_e dα_e
  for (let e = 0; e < E; e++) {
    const s = src[e] * F;
    const d = dst[e] * F;
    const a = alpha[e];
    let dot = 0;
    for (let f = 0; f < F; f++) {
      const y = dy[d + f];
      dot += y * xl[s + f];
      dxl[s + f] += a * y;
    }
    dAlpha[e] = dot;
    weighted[dst[e]] += a * dot;
  }
  const dpre = new Float32Array(F);
  for (let e = 0; e < E; e++) {
    const ds = alpha[e] * (dAlpha[e] - weighted[dst[e]]); // softmax backward
    if (ds === 0) continue;
    const s = src[e] * F;
    const d = dst[e] * F;
    const o = e * F;
    for (let f = 0; f < F; f++) {
      const p = xl[s + f] + xr[d + f] + ew[o + f];
      const pos = p > 0;
      datt[f] += ds * (pos ? p : p * slope);
      const dp = ds * att[f] * (pos ? 1 : slope);
      dpre[f] = dp;
      dxl[s + f] += dp;
      dxr[d + f] += dp;
    }
    for (let k = 0; k < A; k++) {
      const v = ea[e * A + k];
      if (v === 0) continue;
      const w = k * F;
      for (let f = 0; f < F; f++) dwe[w + f] += v * dpre[f];
    }
  }
  return { dxl, dxr, dwe: Float32Array.from(dwe), datt: Float32Array.from(datt) };
}

function asF32(v: unknown): Float32Array {
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function asI32(v: unknown): Int32Array {
  return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>);
}

function arraysOf(b: KernelBackend, inputs: Record<string, TensorInfo>, slope: number): GatArrays {
  const read = (t: TensorInfo): Float32Array => asF32(b.readSync(t.dataId));
  const readInt = (t: TensorInfo): Int32Array => asI32(b.readSync(t.dataId));
  const [N, F] = inputs.xl.shape;
  const [E, A] = inputs.ea.shape;
  return {
    xl: read(inputs.xl),
    xr: read(inputs.xr),
    ea: read(inputs.ea),
    we: read(inputs.we),
    att: read(inputs.att),
    src: readInt(inputs.src),
    dst: readInt(inputs.dst),
    N,
    F,
    A,
    E,
    slope,
  };
}

type InHeapKernels = Omit<F32Kernels, 'memory'>;

/** The SIMD kernels in this backend's heap, where they can run on these shapes (else null: the JS passes). */
function simdKernels(backendName: 'cpu' | 'wasm', backend: unknown, F: number): InHeapKernels | null {
  if (backendName !== 'wasm' || F % 4 !== 0) return null;
  return f32KernelsInBackend(backend as WasmBackendInternals);
}

/** Row softmax of the edge scores over each destination's incoming edges, in float64, in place. */
function edgeSoftmax(score: Float32Array, dst: Int32Array, N: number): void {
  const E = score.length;
  const nodeMax = new Float64Array(N).fill(-Infinity);
  for (let e = 0; e < E; e++) if (score[e] > nodeMax[dst[e]]) nodeMax[dst[e]] = score[e];
  const ex = new Float64Array(E);
  const denom = new Float64Array(N);
  for (let e = 0; e < E; e++) {
    ex[e] = Math.exp(score[e] - nodeMax[dst[e]]);
    denom[dst[e]] += ex[e];
  }
  for (let e = 0; e < E; e++) score[e] = ex[e] / denom[dst[e]];
}

const WHO = 'fused GATv2';
let simdCalls = 0;

/** Forward and backward calls that ran on the SIMD kernels in this process (tests check that they ran). */
export function fusedGatSimdCalls(): number {
  return simdCalls;
}

/** One call of the SIMD passes: the kernels in the backend's heap, the inputs and their sizes. */
interface SimdPass {
  k: InHeapKernels;
  b: WasmBackendInternals;
  ins: Record<string, TensorInfo>;
  slope: number;
  /** Nodes N of F features, edges E with A attributes. */
  N: number;
  F: number;
  E: number;
  A: number;
}

function simdForward({ k, b, ins, slope, N, F, E, A }: SimdPass): TensorInfo[] {
  const out = b.makeOutput([N, F], 'float32');
  const alpha = b.makeOutput([E], 'float32');
  const at = (t: TensorInfo): number => heapOffset(b, t, WHO);
  const [xl, xr, ea, we, att, src, dst] = [ins.xl, ins.xr, ins.ea, ins.we, ins.att, ins.src, ins.dst].map(at);
  k.gatScores(xl, xr, ea, we, att, src, dst, F, A, E, slope, at(alpha));
  // Views after every allocation (an allocation may grow the heap and replace its buffer).
  const heap = b.wasm.HEAPF32;
  edgeSoftmax(heap.subarray(at(alpha) / 4, at(alpha) / 4 + E), new Int32Array(heap.buffer, dst, E), N);
  heap.fill(0, at(out) / 4, at(out) / 4 + N * F);
  k.gatMessages(xl, at(alpha), src, dst, F, E, at(out));
  return [out, alpha];
}

function simdBackward({ k, b, ins, slope, N, F, E, A }: SimdPass): TensorInfo[] {
  const dxl = b.makeOutput([N, F], 'float32');
  const dxr = b.makeOutput([N, F], 'float32');
  const dwe = b.makeOutput([A, F], 'float32');
  const datt = b.makeOutput([F], 'float32');
  const dAlpha = b.wasm._malloc(4 * E);
  const sums = b.wasm._malloc(8 * (A + 1) * F); // dwe [A, F] then datt [F], float64
  try {
    const at = (t: TensorInfo): number => heapOffset(b, t, WHO);
    const [xl, xr, ea, we, att, src, dst, alpha, dy] = [ins.xl, ins.xr, ins.ea, ins.we, ins.att, ins.src, ins.dst, ins.alpha, ins.dy].map(
      at,
    );
    let heap = b.wasm.HEAPF32;
    heap.fill(0, at(dxl) / 4, at(dxl) / 4 + N * F);
    heap.fill(0, at(dxr) / 4, at(dxr) / 4 + N * F);
    new Float64Array(heap.buffer, sums, (A + 1) * F).fill(0);
    k.gatBackMessages(xl, dy, alpha, src, dst, F, E, at(dxl), dAlpha);
    heap = b.wasm.HEAPF32;
    // Softmax backward: ds_e = α_e (dα_e − Σ_{e' into d} α_e' dα_e'), into dAlpha's place.
    const a = heap.subarray(alpha / 4, alpha / 4 + E);
    const d = new Int32Array(heap.buffer, dst, E);
    const da = heap.subarray(dAlpha / 4, dAlpha / 4 + E);
    const weighted = new Float64Array(N);
    for (let e = 0; e < E; e++) weighted[d[e]] += a[e] * da[e];
    for (let e = 0; e < E; e++) da[e] = a[e] * (da[e] - weighted[d[e]]);
    k.gatBackScores(xl, xr, ea, we, att, src, dst, dAlpha, F, A, E, slope, at(dxl), at(dxr), sums, sums + 8 * A * F);
    heap = b.wasm.HEAPF32;
    const s64 = new Float64Array(heap.buffer, sums, (A + 1) * F);
    heap.set(s64.subarray(0, A * F), at(dwe) / 4);
    heap.set(s64.subarray(A * F), at(datt) / 4);
  } finally {
    b.wasm._free(dAlpha);
    b.wasm._free(sums);
  }
  return [dxl, dxr, dwe, datt];
}

/** One of the two kernels on `backendName`: the SIMD passes where they run there (`simd`), else the JS passes over the inputs' arrays (`js`). */
function gatKernel(
  kernelName: string,
  backendName: 'cpu' | 'wasm',
  simd: typeof simdForward,
  js: (b: KernelBackend, ins: Record<string, TensorInfo>, g: GatArrays) => Array<[number[], Float32Array]>,
): KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const ins = inputs as Record<string, TensorInfo>;
      const slope = (attrs as { slope: number }).slope;
      const k = simdKernels(backendName, backend, ins.xl.shape[1]);
      if (k) {
        simdCalls++;
        const [N, F] = ins.xl.shape;
        const [E, A] = ins.ea.shape;
        return simd({ k, b: backend as WasmBackendInternals, ins, slope, N, F, E, A });
      }
      const b = backend as unknown as KernelBackend;
      return js(b, ins, arraysOf(b, ins, slope)).map(([shape, values]) => output(backendName, b, shape, values));
    },
  };
}

function forwardKernel(backendName: 'cpu' | 'wasm'): KernelConfig {
  return gatKernel(FWD, backendName, simdForward, (_b, _ins, g) => {
    const { out, alpha } = gatV2Forward(g);
    return [
      [[g.N, g.F], out],
      [[g.E], alpha],
    ];
  });
}

function backwardKernel(backendName: 'cpu' | 'wasm'): KernelConfig {
  return gatKernel(BWD, backendName, simdBackward, (b, ins, g) => {
    const r = gatV2Backward(g, asF32(b.readSync(ins.alpha.dataId)), asF32(b.readSync(ins.dy.dataId)));
    return [
      [[g.N, g.F], r.dxl],
      [[g.N, g.F], r.dxr],
      [[g.A, g.F], r.dwe],
      [[g.F], r.datt],
    ];
  });
}

let installed = false;

/** Registers the two kernels for cpu and wasm (idempotent). */
export function installFusedGatKernels(): void {
  if (installed) return;
  installed = true;
  for (const name of ['cpu', 'wasm'] as const) {
    tf.registerKernel(forwardKernel(name));
    tf.registerKernel(backwardKernel(name));
  }
}

/** True when the active backend has the fused kernels (cpu, wasm). */
export function fusedGatAvailable(): boolean {
  installFusedGatKernels();
  return tf.getKernel(FWD, tf.getBackend()) !== undefined;
}

/**
 * Σ_{e: s→d} softmax_d(att·LeakyReLU(xl[s] + xr[d] + ea_e·we)) · xl[s], as one kernel with a fused
 * gradient for xl, xr, we and att (src, dst and ea are constants of the graph).
 */
export function fusedGatV2(
  xl: tf.Tensor2D,
  xr: tf.Tensor2D,
  we: tf.Tensor2D,
  att: tf.Tensor,
  ea: tf.Tensor2D,
  src: tf.Tensor1D,
  dst: tf.Tensor1D,
  slope: number,
): tf.Tensor2D {
  installFusedGatKernels();
  const attFlat = tf.reshape(att, [-1]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [l, r, w, a] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const [out, alpha] = tf.engine().runKernel(FWD, { xl: l, xr: r, ea, we: w, att: a, src, dst }, { slope }) as unknown as tf.Tensor[];
    // The graph's tensors are saved too: a caller's per-step subgraph (receptive-field lever) is
    // freed with the forward scope, before the backward pass runs.
    save([l, r, w, a, alpha, ea, src, dst]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sl, sr, sw, sa, sAlpha, sEa, sSrc, sDst] = saved;
        const grads = tf
          .engine()
          .runKernel(
            BWD,
            { xl: sl, xr: sr, ea: sEa, we: sw, att: sa, src: sSrc, dst: sDst, alpha: sAlpha, dy },
            { slope },
          ) as unknown as tf.Tensor[];
        return grads;
      },
    };
  });
  const out = op(xl, xr, we, attFlat) as tf.Tensor2D;
  return out;
}
