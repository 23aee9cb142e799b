// Starting a worker thread on one of the CLI's own modules, from TypeScript sources (tsx, vitest) or
// built JavaScript. A thread does not run .ts files by itself: from sources, a small bootstrap
// registers tsx's loader in the thread first (tsx's ESM entry, its exports map: "./esm/api" →
// import: dist/esm/api/index.mjs), then imports the module.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A thread running `name` (a CLI module, as a path under src/cli/ without extension, e.g. 'train/trainGradWorker') with `workerData`. */
export function startCliThread(name: string, workerData: unknown): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`../${name}${ts ? '.ts' : '.js'}`, import.meta.url);
  if (!ts) return new Worker(url, { workerData });
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** The pool once every thread is ready; if one fails to start, the pool is closed and its error thrown. */
export async function whenReady<P extends { close(): Promise<void> }>(pool: P, ready: readonly Promise<void>[]): Promise<P> {
  try {
    await Promise.all(ready);
  } catch (e) {
    await pool.close();
    throw e;
  }
  return pool;
}
