import { describe, it, expect, vi, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { memoryInfo, selectBackend } from '../../src/lib/runtime/backend';
import { isSoftwareAdapter } from '../../src/lib/runtime/softwareAdapter';
import { initNodeBackend, nodeWasmDir } from '../../src/lib/runtime/node';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('selectBackend in Node', () => {
  it('falls back past webgpu and webgl to cpu and records every try', async () => {
    const info = await selectBackend({ order: ['webgpu', 'webgl', 'cpu'] });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.tried.map((t) => [t.name, t.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['cpu', true],
    ]);
    expect(info.tried[0].error).toMatch(/navigator\.gpu/);
    expect(info.tried[1].error).toBeTruthy();
    expect(info.adapter).toBeUndefined();
    expect(info.software).toBe(false);
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
    expect(info.tried[0]).toEqual({ name: 'wasm', ok: true });
    expect(info.software).toBe(true);
    expect(info.adapter?.architecture).toBe('swiftshader');
    expect(info.adapter?.isFallbackAdapter).toBe(true);
    expect(info.note).toMatch(/software/);
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
