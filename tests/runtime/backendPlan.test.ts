import { describe, it, expect } from 'vitest';
import { planBackends, type GpuProbe } from '../../src/lib/runtime/backendPlan';
import type { AdapterInfo } from '../../src/lib/runtime/softwareAdapter';

const adapter = (o: Partial<AdapterInfo>): AdapterInfo => ({
  vendor: '',
  architecture: '',
  device: '',
  description: '',
  isFallbackAdapter: false,
  ...o,
});
const nvidia = adapter({ vendor: 'nvidia', architecture: 'hopper' });
const SWIFTSHADER_GL = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const HW_GL = 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)';

describe('planBackends', () => {
  it('keeps the GPU order on hardware', () => {
    const p = planBackends({ webgpu: nvidia, webgl: HW_GL });
    expect(p.order).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(p.reason).toBeNull();
  });

  it('a laptop without a GPU (Chromium default flags): no adapter, SwiftShader WebGL → wasm first, in one line', () => {
    const p = planBackends({ webgpu: null, webgl: SWIFTSHADER_GL });
    expect(p.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(p.skipped).toEqual([{ name: 'webgpu', why: 'no WebGPU adapter' }]);
    expect(p.softwareWebgl).toBe(true);
    expect(p.reason).toBe('no WebGPU adapter; WebGL is SwiftShader (software)');
  });

  it.each<[string, GpuProbe, string[]]>([
    [
      'SwiftShader WebGPU',
      { webgpu: adapter({ vendor: 'google', architecture: 'swiftshader' }), webgl: HW_GL },
      ['webgl', 'wasm', 'webgpu', 'cpu'],
    ],
    ['a fallback adapter', { webgpu: adapter({ vendor: 'x', isFallbackAdapter: true }), webgl: HW_GL }, ['webgl', 'wasm', 'webgpu', 'cpu']],
    [
      'lavapipe WebGPU',
      { webgpu: adapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits) lavapipe' }), webgl: HW_GL },
      ['webgl', 'wasm', 'webgpu', 'cpu'],
    ],
    ['llvmpipe WebGL', { webgpu: nvidia, webgl: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, ['webgpu', 'wasm', 'webgl', 'cpu']],
    [
      'Microsoft Basic Render',
      { webgpu: undefined, webgl: 'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11)' },
      ['wasm', 'webgl', 'cpu'],
    ],
    ['"Software" in the renderer', { webgpu: undefined, webgl: 'Software Rasterizer' }, ['wasm', 'webgl', 'cpu']],
    ['both software', { webgpu: adapter({ architecture: 'swiftshader' }), webgl: SWIFTSHADER_GL }, ['wasm', 'webgpu', 'webgl', 'cpu']],
  ])('%s goes after wasm', (_name, probe, order) => {
    expect(planBackends(probe).order).toEqual(order);
  });

  it('names the software adapter in the reason', () => {
    expect(planBackends({ webgpu: adapter({ vendor: 'google', architecture: 'swiftshader' }), webgl: undefined }).reason).toBe(
      'no WebGL context; WebGPU is SwiftShader (software)',
    );
    expect(planBackends({ webgpu: adapter({ vendor: 'acme', isFallbackAdapter: true }), webgl: HW_GL }).reason).toBe(
      'WebGPU is a fallback adapter (software)',
    );
  });

  it('?backend= still forces a backend first, whatever the probe says', () => {
    const p = planBackends({ webgpu: null, webgl: SWIFTSHADER_GL }, { preferred: 'webgl' });
    expect(p.order).toEqual(['webgl', 'wasm', 'cpu']);
    expect(planBackends({ webgpu: nvidia, webgl: undefined }, { preferred: 'webgpu' }).order[0]).toBe('webgpu');
  });

  it('does not start a forced backend the probe rules out (it could only fail, with a warning)', () => {
    const p = planBackends({ webgpu: null, webgl: SWIFTSHADER_GL }, { preferred: 'webgpu' });
    expect(p.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(p.skipped).toEqual([{ name: 'webgpu', why: 'no WebGPU adapter' }]);
  });

  it('can keep software GPUs in place when asked', () => {
    expect(planBackends({ webgpu: null, webgl: SWIFTSHADER_GL }, { preferWasmOverSoftware: false }).order).toEqual([
      'webgl',
      'wasm',
      'cpu',
    ]);
  });
});
