// Backend set-up for Node (CLI and tests): wasm with the package's own .wasm files, or plain cpu.
// Only imported from Node code, so it may use node: modules.
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { selectBackend, type BackendInfo } from './backend';

/** Directory of the tfjs-backend-wasm binaries, with a trailing separator. */
export function nodeWasmDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkg), 'dist') + sep;
}

export async function initNodeBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<BackendInfo> {
  return selectBackend({
    preferred: name,
    order: name === 'wasm' ? ['wasm', 'cpu'] : ['cpu'],
    wasmPaths: name === 'wasm' ? nodeWasmDir() : undefined,
  });
}
