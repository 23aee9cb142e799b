/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

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

// The app is a static SPA: `vite build` writes dist/, `vite preview` serves it.
// Workers are ES modules so they can import src/lib directly.
export default defineConfig({
  plugins: [svelte(), withoutLocalOnlyData()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // The app and the browser benchmark page (scripts/bench-browser.ts drives it).
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  server: { port: 5173 },
  preview: { port: 4173 },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
