/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { ISOLATED_TESTS } from './tests/isolatedTests.js';

/**
 * Leaves the locally built San Francisco set (public/data/sf/, CRAWDAD trips that may not be
 * redistributed) out of dist/, so a deployed build never carries it, and SF's models with it (of no
 * use without the trips); the dev server still serves both.
 */
function withoutLocalOnlyData(): Plugin {
  let outDir = 'dist';
  return {
    name: 'without-local-only-data',
    apply: 'build',
    configResolved(c) {
      outDir = resolve(c.root, c.build.outDir);
    },
    closeBundle() {
      rmSync(resolve(outDir, 'data/sf'), { recursive: true, force: true });
      rmSync(resolve(outDir, 'checkpoints/sf'), { recursive: true, force: true });
    },
  };
}

/**
 * Lets tfjs-wasm's threaded build start in a minified bundle (only `?wasmThreads=N` on a
 * cross-origin-isolated page uses it). tfjs hands its pthread workers the Emscripten factory as
 * source (`factory.toString()` in a Blob); the factory's one check of the enclosing closure's
 * `_scriptDir`, `typeof _scriptDir !== "undefined" && _scriptDir`, is minified to `e!==void 0&&e`,
 * which throws "e is not defined" in every pthread worker, so the backend never initialises. The
 * check only matters for classic scripts loaded by a <script> tag (our workers have no
 * document.currentScript, and tfjs is given the .wasm URLs), so it is dropped.
 */
function threadedWasmInBlob(): Plugin {
  const check = 'if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}';
  return {
    name: 'threaded-wasm-in-blob',
    apply: 'build',
    transform(code, id) {
      if (!id.endsWith('tfjs-backend-wasm-threaded-simd.js')) return null;
      if (!code.includes(check)) {
        this.warn('tfjs-backend-wasm-threaded-simd.js changed: its _scriptDir check was not found');
        return null;
      }
      return { code: code.replace(check, ''), map: null };
    },
  };
}

// Opt-in cross-origin isolation (`TRAJDISTILL_ISOLATE=1 npm start`): with these two headers the
// page gets SharedArrayBuffer, so `?wasmThreads=N` can load tfjs-wasm's threaded build. Without
// them (the default, and any static host that does not send them) the app runs single-threaded.
const ISOLATION_HEADERS =
  process.env.TRAJDISTILL_ISOLATE === '1'
    ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
    : undefined;

// The app is a static SPA: `vite build` writes dist/, `vite preview` serves it.
// Workers are ES modules so they can import src/lib directly.
export default defineConfig({
  plugins: [svelte(), withoutLocalOnlyData(), threadedWasmInBlob()],
  worker: { format: 'es', plugins: () => [threadedWasmInBlob()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // The app and the browser benchmark page (bench/browser/bench-browser.ts drives it).
    rollupOptions: { input: { main: 'index.html', bench: 'bench/page/bench.html' } },
  },
  server: { port: 5173, headers: ISOLATION_HEADERS },
  preview: { port: 4173, headers: ISOLATION_HEADERS },
  test: {
    // Dawn (WebGPU in Node) for tests/webgpu/: installed on first use, its Vulkan variables set for the test processes.
    globalSetup: ['tests/webgpu/dawnSetup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every core: vitest's default leaves one free, which on a 2-core machine runs the files one at
    // a time (115 s against 153 s for the whole unit suite here).
    maxWorkers: availableParallelism(),
    // Most test files share their process's modules (isolate: false): each file re-importing tfjs,
    // the wasm backend and the kernels cost more than its tests (the unit suite: 444 s and 482 CPU-s
    // isolated, 253 s and 273 CPU-s shared, under the same load). The files that change what later
    // files would see keep a module graph of their own (tests/isolatedTests.ts says which, and why).
    projects: [
      { extends: true, test: { name: 'shared', isolate: false, include: ['tests/**/*.test.ts'], exclude: ISOLATED_TESTS } },
      { extends: true, test: { name: 'isolated', include: ISOLATED_TESTS } },
    ],
  },
});
