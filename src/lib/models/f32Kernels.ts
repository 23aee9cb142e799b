// The f32 SIMD kernels of wasm/f32Kernels.wat (its parts by driver: wasm/f32Kernels.*.wat): compiled
// once per process, one instance per user (each with its own memory). Null where WebAssembly SIMD
// does not validate; callers fall back to tfjs.
import type { TensorInfo } from '@tensorflow/tfjs';
import { F32_KERNELS_IMPORTED_MEMORY_WASM_BASE64, F32_KERNELS_WASM_BASE64 } from './f32KernelsWasm';

export interface F32Kernels {
  memory: WebAssembly.Memory;
  /** Batched C = op(A)·B; see f32Kernels.wat for the strides. */
  mm(
    a: number,
    b: number,
    c: number,
    M: number,
    K: number,
    N: number,
    sai: number,
    sak: number,
    ldb: number,
    ldc: number,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;
  /** C = A·W + bias (+ res), W and C with row stride ldc bytes; bias/res 0 for none; A is packed at `ap` first. */
  dense(a: number, w: number, bias: number, res: number, c: number, M: number, K: number, N: number, ldc: number, ap: number): void;
  layerNorm(x: number, gamma: number, beta: number, out: number, R: number, D: number, ld: number, eps: number): void;
  /** In place over n values, n a multiple of 4. */
  gelu(x: number, n: number): void;
  /** The decoder navigator's score of each candidate; see f32Kernels.wat for the layout. */
  navScores(
    q: number,
    ldq: number,
    zones: number,
    zoneQ: number,
    navKey: number,
    uDis: number,
    uAng: number,
    navV: number,
    nd: number,
    cands: number,
    nC: number,
    out: number,
  ): void;
  /** One variable's AdamW update over n values (n a multiple of 4) into w2, m2, v2; returns the count of non-finite new weights. */
  adamW(
    w: number,
    m: number,
    v: number,
    g: number,
    n: number,
    clip: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    bc2: number,
    eps: number,
    step: number,
    decay: number,
    w2: number,
    m2: number,
    v2: number,
  ): number;
  /** out = dy · GELU'(x) over n values, n a multiple of 4. */
  geluGrad(x: number, dy: number, out: number, n: number): void;
  /** out[2r] = max of row r of x [M, N], out[2r + 1] = Σ e^(x − max) over it. */
  rowMaxSumExp(x: number, M: number, N: number, out: number): void;
  /** out[r, j] = e^(x[r, j] − lse[r]) · dy[r]. */
  softmaxRowsGrad(x: number, lse: number, dy: number, out: number, M: number, N: number): void;
  /** out[ids[e], :] += x[e, :] over rows e ascending, rows of `inner` f32 (ids outside [0, segments) skipped). */
  segmentSum(x: number, ids: number, n: number, inner: number, segments: number, out: number): void;
  /** out[j] = Σ_i x[i, j] for x [R, C], i ascending (f32). */
  colSum(x: number, R: number, C: number, out: number): void;
  /** GATv2 per-edge passes (f32Kernels.wat; driver models/fusedGat.ts). */
  gatScores(
    xl: number,
    xr: number,
    ea: number,
    we: number,
    att: number,
    src: number,
    dst: number,
    F: number,
    A: number,
    E: number,
    slope: number,
    score: number,
  ): void;
  gatMessages(xl: number, alpha: number, src: number, dst: number, F: number, E: number, out: number): void;
  gatBackMessages(xl: number, dy: number, alpha: number, src: number, dst: number, F: number, E: number, dxl: number, dAlpha: number): void;
  gatBackScores(
    xl: number,
    xr: number,
    ea: number,
    we: number,
    att: number,
    src: number,
    dst: number,
    ds: number,
    F: number,
    A: number,
    E: number,
    slope: number,
    dxl: number,
    dxr: number,
    dwe64: number,
    datt64: number,
  ): void;
}

const compiled: Record<'own' | 'imported', WebAssembly.Module | null | undefined> = { own: undefined, imported: undefined };

function f32Module(memory: 'own' | 'imported' = 'own'): WebAssembly.Module | null {
  if (compiled[memory] !== undefined) return compiled[memory];
  compiled[memory] = null;
  if (typeof WebAssembly === 'undefined') return null;
  const b64 = memory === 'own' ? F32_KERNELS_WASM_BASE64 : F32_KERNELS_IMPORTED_MEMORY_WASM_BASE64;
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  // Synchronous compile: the module is a few kB, far below the main thread's limit for it.
  if (WebAssembly.validate(bytes)) compiled[memory] = new WebAssembly.Module(bytes);
  return compiled[memory];
}

/** True where the kernels can run (WebAssembly with SIMD). */
export function f32KernelsAvailable(): boolean {
  return f32Module() !== null;
}

/** A new instance with its own memory; throws where WebAssembly SIMD is unavailable. */
export function newF32Kernels(): F32Kernels {
  const m = f32Module();
  if (!m) throw new Error('f32 kernels: WebAssembly SIMD is not available');
  return new WebAssembly.Instance(m).exports as unknown as F32Kernels;
}

/**
 * An instance that works in `memory` (another module's: tfjs-wasm's heap), so its kernels read and
 * write tensors where they are; pointers are byte offsets into that memory. It allocates nothing.
 */
export function f32KernelsIn(memory: WebAssembly.Memory): Omit<F32Kernels, 'memory'> {
  const m = f32Module('imported');
  if (!m) throw new Error('f32 kernels: WebAssembly SIMD is not available');
  return new WebAssembly.Instance(m, { env: { memory } }).exports as unknown as Omit<F32Kernels, 'memory'>;
}

const PAGE = 65536;

/** Grows `k`'s memory to at least `bytes`. */
export function ensureMemory(k: F32Kernels, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / PAGE));
}

/** What the in-place kernels use of tfjs-wasm's backend (its heap, its tensors' offsets, its outputs). */
export interface WasmBackendInternals {
  wasm: { asm?: { memory?: WebAssembly.Memory }; _malloc(bytes: number): number; _free(ptr: number): void; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

let inBackend: { memory: WebAssembly.Memory; k: Omit<F32Kernels, 'memory'> | null } | null = null;

/**
 * The kernels in a tfjs-wasm backend's memory, or null where they cannot run there (no WebAssembly
 * SIMD, no exposed memory, or a shared one, as the threaded tfjs-wasm build has: our module imports
 * a plain memory).
 */
export function f32KernelsInBackend(b: WasmBackendInternals): Omit<F32Kernels, 'memory'> | null {
  const memory = b.wasm.asm?.memory;
  if (!memory) return null;
  if (inBackend?.memory !== memory) {
    let k: Omit<F32Kernels, 'memory'> | null = null;
    try {
      k = f32KernelsIn(memory);
    } catch {
      k = null;
    }
    inBackend = { memory, k };
  }
  return inBackend.k;
}

/** f32KernelsInBackend for a kernel already chosen to run there: an error naming `who` where they cannot. */
export function mustF32KernelsInBackend(b: WasmBackendInternals, who: string): Omit<F32Kernels, 'memory'> {
  const k = f32KernelsInBackend(b);
  if (!k) throw new Error(`${who}: cannot run in this wasm backend’s memory`);
  return k;
}

/** Byte offset of a tensor's data in the wasm backend's heap. */
export function heapOffset(b: WasmBackendInternals, t: TensorInfo, who: string): number {
  const e = b.dataIdMap.get(t.dataId);
  if (!e) throw new Error(`${who}: a tensor is not on the wasm backend`);
  return e.memoryOffset;
}
