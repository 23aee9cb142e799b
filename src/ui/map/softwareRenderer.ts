// Whether this browser draws WebGL in software (SwiftShader, llvmpipe: no GPU). There the page waits
// for every frame's GL work, so the map keeps frames few (docs/architecture.md, "From a file to the map").
import { SOFTWARE_RENDERER_RE } from '../../lib/runtime/softwareAdapter';

let software: boolean | null = null;

export function isSoftwareRenderer(): boolean {
  if (software === null) {
    try {
      const gl = document.createElement('canvas').getContext('webgl');
      const ext = gl?.getExtension('WEBGL_debug_renderer_info');
      const name = gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : '';
      gl?.getExtension('WEBGL_lose_context')?.loseContext();
      software = !gl || SOFTWARE_RENDERER_RE.test(name);
    } catch {
      software = true;
    }
  }
  return software;
}
