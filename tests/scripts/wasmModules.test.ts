import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { WASM_MODULES, wasmModuleText } from '../../scripts/build-wasm';

// The generated modules are committed (the app and the CLI import them with no build step): each
// must be what scripts/build-wasm.ts makes from its .wat today.
describe('committed WebAssembly modules', () => {
  for (const src of WASM_MODULES) {
    it(`${src.module} is what npm run build:wasm makes from ${src.wat}`, async () => {
      expect(await readFile(src.module, 'utf8')).toBe(await wasmModuleText(src));
    });
  }
});
