// What a WebGPU adapter is and whether it is a CPU (software) implementation: tfjs-free, so the page
// (src/ui/map/softwareRenderer.ts, for WebGL's renderer string) and the backend choice
// (backend.ts) share one pattern.

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** Names of CPU implementations of WebGPU and WebGL (adapter info, WebGL's unmasked renderer). */
export const SOFTWARE_RENDERER_RE = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i;

/** Whether an adapter is a CPU (software) implementation of WebGPU. */
export function isSoftwareAdapter(a: AdapterInfo): boolean {
  if (a.isFallbackAdapter) return true;
  if (a.architecture.toLowerCase() === 'swiftshader') return true;
  const text = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`;
  return SOFTWARE_RENDERER_RE.test(text);
}
