// Runtime backend selection: webgpu → webgl → wasm → cpu, trusting only the boolean
// that tf.setBackend resolves to. Before any backend starts, the WebGPU adapter and WebGL's renderer
// are probed (here, in the worker that calls it): a GPU API without an adapter or context is not
// tried at all (tfjs would log a failed start), and a software one (SwiftShader, llvmpipe …) goes
// after wasm (backendPlan.ts says why). The webgpu and wasm backends are imported lazily so Node
// never loads webgpu.
import * as tf from '@tensorflow/tfjs';
import type { AdapterInfo } from './softwareAdapter';
import { DEFAULT_BACKEND_ORDER, planBackends, type GpuProbe } from './backendPlan';

export { DEFAULT_BACKEND_ORDER };

export interface BackendTry {
  name: string;
  ok: boolean;
  error?: string;
}

export interface BackendInfo {
  /** The backend now active in tf. */
  name: string;
  /** Every attempt, in order. */
  tried: BackendTry[];
  /** WebGPU adapter seen by navigator.gpu, when there is one. */
  adapter?: AdapterInfo;
  /** True when that WebGPU adapter is a software/fallback one (SwiftShader, llvmpipe, …). */
  software: boolean;
  /** WebGL's unmasked renderer, when a WebGL context could be made. */
  webglRenderer?: string;
  /** True when that renderer is a software one (SwiftShader, llvmpipe, Microsoft Basic Render …). */
  softwareWebgl: boolean;
  /** One line: why this backend (the override, or what the probe found that set the order). */
  note?: string;
  /**
   * Only when `wasmThreads` was asked for and wasm runs: the threads tfjs-wasm's pool reports
   * (getThreadsCount), and whether tfjs loaded its threaded build (it needs SharedArrayBuffer, i.e. a
   * cross-origin-isolated page; without one it falls back to the single-threaded SIMD build).
   */
  wasmThreads?: { asked: number; running: number; threadedBuild: boolean };
}

export type WasmPaths = string | Record<string, string>;

export interface SelectBackendOptions {
  /** Explicit choice (the `?backend=` override); wins whenever it works. */
  preferred?: string | null;
  /** Order to try; defaults to webgpu, webgl, wasm, cpu. */
  order?: string[];
  /** On a software WebGPU adapter or WebGL renderer, try wasm before it (default true). */
  preferWasmOverFallbackGpu?: boolean;
  /** Where the tfjs-backend-wasm .wasm files live (directory prefix with trailing slash, or map). */
  wasmPaths?: WasmPaths;
  /**
   * tfjs-wasm threads (`?wasmThreads=N`): above 1, tfjs may load its threaded build and run N
   * threads (setThreadsCount); absent or 1, the single-threaded build as always.
   */
  wasmThreads?: number;
}

// Minimal local view of the WebGPU API: src/lib must not depend on DOM types at runtime.
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

function gpuApi(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu ?? undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Asks navigator.gpu for an adapter. undefined: no WebGPU API at all; null: the API exists but no
 * adapter (e.g. Chromium without --enable-unsafe-webgpu).
 */
export async function probeWebGpuAdapter(): Promise<AdapterInfo | null | undefined> {
  const gpu = gpuApi();
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  let info: GpuAdapterInfoLike = adapter.info ?? {};
  if (!adapter.info && typeof adapter.requestAdapterInfo === 'function') {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      info = {};
    }
  }
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    // Older Chromium exposes it on the adapter, newer on adapter.info.
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
  };
}

// Minimal local view of WebGL in a worker (OffscreenCanvas), for the renderer's name.
interface GlLike {
  RENDERER: number;
  getParameter(p: number): unknown;
  getExtension(name: string): unknown;
}
interface OffscreenCanvasLike {
  getContext(kind: string): GlLike | null;
}

/**
 * WebGL's renderer as tfjs's webgl backend would get it (a WebGL2, else WebGL1, context on an
 * OffscreenCanvas): the unmasked name where WEBGL_debug_renderer_info is offered, else RENDERER.
 * undefined: no context (or no OffscreenCanvas, as in Node). The context is released at once.
 */
export function probeWebGlRenderer(): string | undefined {
  const Canvas = (globalThis as { OffscreenCanvas?: new (w: number, h: number) => OffscreenCanvasLike }).OffscreenCanvas;
  if (!Canvas) return undefined;
  try {
    const canvas = new Canvas(1, 1);
    const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
    if (!gl) return undefined;
    const ext = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
    const name = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    (gl.getExtension('WEBGL_lose_context') as { loseContext(): void } | null)?.loseContext();
    return name;
  } catch {
    return undefined;
  }
}

/** What the GPU APIs offer here, before any backend starts (planBackends' input). */
export async function probeGpu(): Promise<GpuProbe> {
  let webgpu: GpuProbe['webgpu'];
  try {
    webgpu = await probeWebGpuAdapter();
  } catch {
    webgpu = null;
  }
  return { webgpu, webgl: probeWebGlRenderer() };
}

let webgpuLoaded = false;
let wasmLoaded = false;
let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm') | null = null;

/** Registers a lazily loaded backend; throws with a reason when it cannot be used here. */
async function prepare(name: string, opts: SelectBackendOptions): Promise<void> {
  if (name === 'webgpu') {
    if (!gpuApi()) throw new Error('navigator.gpu is not available');
    if (!webgpuLoaded) {
      await import('@tensorflow/tfjs-backend-webgpu');
      webgpuLoaded = true;
    }
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasmModule = wasm;
    if (!wasmLoaded) {
      const threads = opts.wasmThreads ?? 1;
      // By default no threads: threaded wasm hung in minified builds and gained nothing on 2 cores
      // (BENCHMARKS.md "tfjs-wasm threads"). Asked for, tfjs picks its threaded build where the
      // page allows SharedArrayBuffer (cross-origin isolated), else the single-threaded one.
      if (threads > 1) wasm.setThreadsCount(threads);
      else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      if (opts.wasmPaths !== undefined) wasm.setWasmPaths(opts.wasmPaths);
      wasmLoaded = true;
    }
  }
}

/**
 * tfjs-wasm (4.22, src/cc/backend.cc) caps its thread pool at navigator.hardwareConcurrency / 2
 * ("2 threads per core"), read once when the module starts: on a 2-core machine that is 1 thread
 * whatever setThreadsCount asks. While the backend starts with `wasmThreads` N > 1, the worker's
 * navigator reports at least 2·N, so the cap lets N through; it is put back right after.
 */
function shadowHardwareConcurrency(threads: number): () => void {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (!nav || threads <= 1 || (nav.hardwareConcurrency ?? 0) >= 2 * threads) return () => {};
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  } catch {
    return () => {};
  }
  return () => {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  };
}

async function attempt(name: string, opts: SelectBackendOptions): Promise<BackendTry> {
  const restore = name === 'wasm' && !wasmLoaded ? shadowHardwareConcurrency(opts.wasmThreads ?? 1) : () => {};
  try {
    await prepare(name, opts);
    const ok = await tf.setBackend(name);
    if (!ok) return { name, ok: false, error: 'tf.setBackend resolved false' };
    await tf.ready();
    return { name, ok: true };
  } catch (e) {
    return { name, ok: false, error: message(e) };
  } finally {
    restore();
  }
}

/** BackendInfo.wasmThreads: what tfjs-wasm runs, when threads were asked for and wasm runs. */
async function wasmThreadsInfo(name: string, opts: SelectBackendOptions): Promise<Pick<BackendInfo, 'wasmThreads'>> {
  if (name !== 'wasm' || opts.wasmThreads === undefined || !wasmModule) return {};
  try {
    const threadedBuild = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    return { wasmThreads: { asked: opts.wasmThreads, running: wasmModule.getThreadsCount(), threadedBuild } };
  } catch {
    return {};
  }
}

/** Picks and activates a tfjs backend; see SelectBackendOptions. */
export async function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendInfo> {
  const probe = await probeGpu();
  const preferred = opts.preferred?.trim() || null;
  const plan = planBackends(probe, { preferred, order: opts.order, preferWasmOverSoftware: opts.preferWasmOverFallbackGpu ?? true });
  const seen = {
    adapter: probe.webgpu ?? undefined,
    software: plan.softwareWebgpu,
    webglRenderer: probe.webgl,
    softwareWebgl: plan.softwareWebgl,
  };
  // The backends the probe ruled out, listed as not tried (after a forced one that ran, not at all).
  const notTried: BackendTry[] = plan.skipped.map((s) => ({ name: s.name, ok: false, error: `not tried: ${s.why}` }));
  const tried: BackendTry[] = [];
  const slow = (name: string): boolean => (name === 'webgpu' && plan.softwareWebgpu) || (name === 'webgl' && plan.softwareWebgl);
  const first = (opts.order ?? DEFAULT_BACKEND_ORDER)[0];
  const ruledOut = plan.skipped.find((s) => s.name === preferred);
  let failedPreferred: string | null = ruledOut ? `requested backend '${preferred}' not started (${ruledOut.why})` : null;
  for (const name of plan.order) {
    const t = await attempt(name, opts);
    tried.push(t);
    if (!t.ok) {
      if (name === preferred) failedPreferred = `requested backend '${preferred}' failed (${t.error ?? 'unknown'})`;
      continue;
    }
    const threads = await wasmThreadsInfo(name, opts);
    if (name === preferred) {
      const note = `requested backend '${preferred}'${slow(name) ? ' (a software renderer: expect it to be slow)' : ''}`;
      return { name, tried, ...seen, note, ...threads };
    }
    tried.unshift(...notTried);
    const why = name !== first && plan.reason ? `${name}: ${plan.reason}` : undefined;
    const note = [failedPreferred, why].filter(Boolean).join('; ') || undefined;
    return { name, tried, ...seen, note, ...threads };
  }
  tried.unshift(...notTried);
  throw new Error(`No tfjs backend could be initialised: ${tried.map((t) => `${t.name}: ${t.error ?? 'failed'}`).join('; ')}`);
}

/** Live tensor count and bytes of the active backend (for the leak check and the UI). */
export function memoryInfo(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}
