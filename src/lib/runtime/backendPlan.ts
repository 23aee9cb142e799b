// Which tfjs backends to try, in what order, from what the worker found before starting any of them:
// the WebGPU adapter (or none) and WebGL's unmasked renderer (or none). Pure and tfjs-free, so the
// decision is tested with made-up adapters and renderers (tests/runtime/backendPlan.test.ts).
//
// Why before: tfjs initialises a backend by trying it, and a failed WebGPU start (requestAdapter()
// answering null, as in Chromium without a GPU) logs a warning and a TypeError in every worker. A
// software GPU backend (SwiftShader, llvmpipe …) runs its shaders on the CPU: a training step took
// 40 s there against well under a second on wasm (issue 66), so wasm goes first and the software
// backends stay behind it as fallbacks.
import { isSoftwareAdapter, SOFTWARE_RENDERER_RE, type AdapterInfo } from './softwareAdapter';

export const DEFAULT_BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** What the worker saw of the GPU APIs, before any backend started. */
export interface GpuProbe {
  /** The WebGPU adapter; null: the API exists but gave no adapter; undefined: no WebGPU API. */
  webgpu: AdapterInfo | null | undefined;
  /**
   * WebGL's renderer (WEBGL_debug_renderer_info's unmasked one, else RENDERER); undefined: no
   * WebGL context could be made. An empty string: a context, but its renderer is not told.
   */
  webgl: string | undefined;
}

export interface BackendPlanOptions {
  /** The `?backend=` override: tried first whatever the probe says. */
  preferred?: string | null;
  /** Order to try; default webgpu, webgl, wasm, cpu. */
  order?: readonly string[];
  /** Put wasm before a software WebGPU adapter or a software WebGL renderer (default true). */
  preferWasmOverSoftware?: boolean;
}

export interface BackendPlan {
  /** Backends to try, in order (the preferred one first, unless the probe rules it out: then it is in `skipped`). */
  order: string[];
  /** Backends not tried at all, with why (no adapter, no context). */
  skipped: { name: string; why: string }[];
  /** The WebGPU adapter is a CPU implementation. */
  softwareWebgpu: boolean;
  /** WebGL draws on a CPU implementation. */
  softwareWebgl: boolean;
  /** One line on why the automatic order is what it is; null when nothing was skipped or moved. */
  reason: string | null;
}

/** Whether a WebGL renderer string names a CPU implementation (SwiftShader, llvmpipe, Microsoft Basic Render …). */
export const isSoftwareRenderer = (renderer: string): boolean => SOFTWARE_RENDERER_RE.test(renderer);

/** A renderer string cut to its telling part: ANGLE's "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …)…)" → "SwiftShader". */
function rendererName(renderer: string): string {
  const m = SOFTWARE_RENDERER_RE.exec(renderer);
  if (!m) return renderer;
  const word = m[0].toLowerCase();
  return word === 'swiftshader' ? 'SwiftShader' : word === 'software' ? renderer.slice(0, 60) : m[0];
}

function adapterName(a: AdapterInfo): string {
  const text = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ');
  return a.isFallbackAdapter && !SOFTWARE_RENDERER_RE.test(text) ? 'a fallback adapter' : rendererName(text) || 'a software adapter';
}

export function planBackends(probe: GpuProbe, opts: BackendPlanOptions = {}): BackendPlan {
  const preferred = opts.preferred?.trim() || null;
  const softwareWebgpu = !!probe.webgpu && isSoftwareAdapter(probe.webgpu);
  const softwareWebgl = probe.webgl !== undefined && isSoftwareRenderer(probe.webgl);
  const skipped: BackendPlan['skipped'] = [];
  const why: string[] = [];
  let order = [...(opts.order ?? DEFAULT_BACKEND_ORDER)].filter((n) => n !== preferred);
  // A forced backend the probe rules out is not started either: it could only fail, with tfjs's warning.
  let forced = preferred;

  const skip = (name: string, text: string): void => {
    if (forced === name) forced = null;
    else if (!order.includes(name)) return;
    order = order.filter((n) => n !== name);
    skipped.push({ name, why: text });
    why.push(text);
  };
  if (probe.webgpu === undefined) skip('webgpu', 'no WebGPU in this browser');
  else if (probe.webgpu === null) skip('webgpu', 'no WebGPU adapter');
  if (probe.webgl === undefined) skip('webgl', 'no WebGL context');

  if ((opts.preferWasmOverSoftware ?? true) && order.includes('wasm')) {
    const soft = (n: string): boolean => (n === 'webgpu' && softwareWebgpu) || (n === 'webgl' && softwareWebgl);
    const moved = order.filter(soft);
    if (moved.length) {
      const wasmAt = order.indexOf('wasm');
      order = [...order.slice(0, wasmAt + 1).filter((n) => !soft(n)), ...moved, ...order.slice(wasmAt + 1)];
      if (moved.includes('webgpu') && probe.webgpu) why.push(`WebGPU is ${adapterName(probe.webgpu)} (software)`);
      if (moved.includes('webgl') && probe.webgl !== undefined) why.push(`WebGL is ${rendererName(probe.webgl)} (software)`);
    }
  }
  if (forced) order = [forced, ...order];
  return { order, skipped, softwareWebgpu, softwareWebgl, reason: why.length ? why.join('; ') : null };
}
