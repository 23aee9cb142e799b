import { describe, it, expect, vi, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { memoryInfo, selectBackend } from '../../src/lib/runtime/backend';
import { isSoftwareAdapter } from '../../src/lib/runtime/softwareAdapter';
import { initNodeBackend, nodeWasmDir } from '../../src/lib/runtime/node';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('selectBackend in Node', () => {
  it('does not start webgpu or webgl without an API, and records why', async () => {
    const info = await selectBackend({ order: ['webgpu', 'webgl', 'cpu'] });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.tried.map((t) => [t.name, t.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['cpu', true],
    ]);
    expect(info.tried[0].error).toBe('not tried: no WebGPU in this browser');
    expect(info.tried[1].error).toBe('not tried: no WebGL context');
    expect(info.adapter).toBeUndefined();
    expect(info.software).toBe(false);
    expect(info.note).toBe('cpu: no WebGPU in this browser; no WebGL context');
  });

  it('never starts webgpu when requestAdapter() gives no adapter (tfjs would log a failed start)', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    const warn = vi.spyOn(console, 'warn');
    const info = await selectBackend({ order: ['webgpu', 'cpu'] });
    expect(info.name).toBe('cpu');
    expect(info.tried[0]).toEqual({ name: 'webgpu', ok: false, error: 'not tried: no WebGPU adapter' });
    expect(info.note).toBe('cpu: no WebGPU adapter');
    // Forced, it is not started either, and the note says why.
    const forced = await selectBackend({ preferred: 'webgpu', order: ['webgpu', 'cpu'] });
    expect(forced.name).toBe('cpu');
    expect(forced.note).toBe("requested backend 'webgpu' not started (no WebGPU adapter); cpu: no WebGPU adapter");
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('prefers wasm over a software WebGL renderer, and ?backend= still forces webgl', async () => {
    class FakeCanvas {
      getContext(kind: string) {
        if (kind !== 'webgl2') return null;
        return {
          RENDERER: 0x1f01,
          getParameter: (p: number) =>
            p === 0x9246 ? 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)' : 'WebKit WebGL',
          getExtension: (n: string) => (n === 'WEBGL_debug_renderer_info' ? { UNMASKED_RENDERER_WEBGL: 0x9246 } : null),
        };
      }
    }
    vi.stubGlobal('OffscreenCanvas', FakeCanvas);
    const info = await selectBackend({ order: ['webgl', 'wasm', 'cpu'], wasmPaths: nodeWasmDir() });
    expect(info.name).toBe('wasm');
    expect(info.softwareWebgl).toBe(true);
    expect(info.webglRenderer).toMatch(/SwiftShader/);
    expect(info.note).toBe('wasm: WebGL is SwiftShader (software)');
    // Forced: the software renderer is tried first (it fails in Node, which has no WebGL backend).
    const forced = await selectBackend({ preferred: 'webgl', order: ['webgl', 'cpu'] });
    expect(forced.tried[0].name).toBe('webgl');
    expect(forced.note).toMatch(/requested backend 'webgl' failed/);
  });

  it('lets a working explicit choice win and skips a broken one', async () => {
    const cpu = await selectBackend({ preferred: 'cpu' });
    expect(cpu.name).toBe('cpu');
    expect(cpu.tried).toHaveLength(1);
    const bogus = await selectBackend({ preferred: 'no-such-backend', order: ['cpu'] });
    expect(bogus.name).toBe('cpu');
    expect(bogus.tried.map((t) => t.ok)).toEqual([false, true]);
    expect(bogus.note).toMatch(/no-such-backend/);
  });

  it('initNodeBackend("wasm") runs a matmul without leaking tensors', async () => {
    const info = await initNodeBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(nodeWasmDir().endsWith('/')).toBe(true);
    const before = memoryInfo().numTensors;
    const out = tf.tidy(() =>
      tf.matMul(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([[5], [6]]),
      ),
    );
    expect(Array.from(await out.data())).toEqual([17, 39]);
    out.dispose();
    expect(memoryInfo().numTensors).toBe(before);
  });

  it('prefers wasm over a software WebGPU adapter and says so', async () => {
    vi.stubGlobal('navigator', {
      gpu: {
        requestAdapter: async () => ({
          info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '' },
          isFallbackAdapter: true,
        }),
      },
    });
    const info = await selectBackend({ preferWasmOverFallbackGpu: true, wasmPaths: nodeWasmDir() });
    expect(info.name).toBe('wasm');
    expect(info.tried.filter((t) => !t.error?.startsWith('not tried'))[0]).toEqual({ name: 'wasm', ok: true });
    expect(info.software).toBe(true);
    expect(info.adapter?.architecture).toBe('swiftshader');
    expect(info.adapter?.isFallbackAdapter).toBe(true);
    expect(info.note).toBe('wasm: no WebGL context; WebGPU is SwiftShader (software)');
  });

  it('cpu backend computes too', async () => {
    const info = await initNodeBackend('cpu');
    expect(info.name).toBe('cpu');
    const s = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])));
    expect(await s.data()).toEqual(new Float32Array([6]));
    s.dispose();
  });
});

describe('isSoftwareAdapter', () => {
  const base = { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false };
  it('recognises fallback and SwiftShader/llvmpipe adapters', () => {
    expect(isSoftwareAdapter({ ...base, isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ ...base, vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ ...base, vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ ...base, vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA H100' })).toBe(false);
  });
});
