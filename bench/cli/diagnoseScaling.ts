// Why does generation on 2 worker threads give no speed-up? Times, in interleaved rounds, on the
// same 1- and 2-thread pools (the benchmark's scaling workload: test OD pairs, beam 4):
//   w1-one      one thread, the OD pairs as one piece (what the bench's 1-thread side runs)
//   w1-halves   one thread, the same OD pairs as two half pieces in sequence (what each thread of
//               the 2-thread side runs, one after the other)
//   w2-halves   two threads, one half piece each (the bench's 2-thread side)
//   w2-split    two 1-thread pools, one half each (the same as w2-halves without the 2-thread pool)
//   w2-whole    two threads, the whole list each (equal, large work per thread: 2× the trips)
// with the process's CPU time beside each wall time (CPU / wall ≈ threads busy), and two
// controls on 1 vs 2 threads: integer arithmetic and our f32 SIMD dense kernel.
// Usage: npx tsx bench/cli/diagnoseScaling.ts [--n 64] [--rounds 3] [--only w1-one,w2-halves,ctl-int-w1,…] [--names]
import { loadavg } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { GenerationPool } from '../../src/cli/generate/generatePool';
import { testOdPairs, generationSearch } from '../suites/suites';
import { initNodeBackend } from '../../src/lib/runtime/node';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const n = arg('n', 64);
const rounds = arg('rounds', 3);
const datasetDir = 'public/data/porto';
const distilled = 'public/checkpoints/porto/distilled.safetensors';

/** CPU ms of each OS thread of this process (/proc/self/task/<tid>/stat utime + stime; Linux only). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(`${tid}:${comm}`, ((Number(rest[11]) + Number(rest[12])) * 1000) / 100);
    }
  } catch {
    // not Linux: no per-thread figures
  }
  return out;
}

async function timed(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number; threads: number[] }> {
  const c0 = process.cpuUsage();
  const th0 = threadCpu();
  const t0 = performance.now();
  await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const th1 = threadCpu();
  // The threads that did any work, busiest first (ms, 10 ms ticks).
  const threads = [...th1]
    .map(([k, v]) => ({ k, d: v - (th0.get(k) ?? 0) }))
    .filter((x) => x.d > 0)
    .sort((a, b) => b.d - a.d);
  if (process.argv.includes('--names')) console.error(threads.map((x) => `${x.k}=${x.d}`).join(' '));
  return { wall, cpu: (c.user + c.system) / 1000, threads: threads.map((x) => x.d) };
}

/** CPU ms of the calling thread (Linux /proc/thread-self; 10 ms ticks). */
const THREAD_CPU = `const cpuMs = () => { const s = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8'); const r = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(r[11]) + Number(r[12])) * 10; };`;

/**
 * `k` threads that each set up (tsx's loader, our f32 kernels), wait for one "go", run `body`
 * and report their own CPU and wall ms for it: the control's figures exclude thread start-up, and
 * the threads' loops overlap.
 */
async function controlThreads(k: number, body: string): Promise<{ wall: number; cpu: number; threads: number[] }> {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  const kern = pathToFileURL(join(process.cwd(), 'src/lib/models/f32Kernels.ts')).href;
  const code = `${THREAD_CPU} const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(kern)}); }).then((K) => {
      parentPort.once('message', () => { const c0 = cpuMs(); const t0 = performance.now(); ${body}; parentPort.postMessage({ cpu: cpuMs() - c0, wall: performance.now() - t0 }); });
      parentPort.postMessage('ready');
    });`;
  const workers = Array.from({ length: k }, () => new Worker(code, { eval: true }));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          }),
      ),
    );
    const t0 = performance.now();
    const reports = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ cpu: number; wall: number }>((resolve) => {
            w.once('message', resolve);
            w.postMessage('go');
          }),
      ),
    );
    const wall = performance.now() - t0;
    return { wall, cpu: reports.reduce((a, r) => a + r.cpu, 0), threads: reports.map((r) => r.cpu) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const spin = (iters: number): string => `let x = 0; for (let i = 0; i < ${iters}; i++) x = (x + i * 7) % 1000003;`;
// The decoder's shape: 32 rows × K 64 × N 256 (the MLP's first product at the small preset's D = 64).
const simd = (calls: number): string => `
  const k = K.newF32Kernels(); K.ensureMemory(k, 4 << 20);
  const M = 32, Kd = 64, N = 256, a = 0, w = 65536, c = 262144, ap = 524288;
  new Float32Array(k.memory.buffer).fill(0.01);
  for (let i = 0; i < ${calls}; i++) k.dense(a, w, 0, 0, c, M, Kd, N, N * 4, ap);`;

// The same kernel on 4 MiB of weights per thread (K 512 × N 2048): past a core's L2, so the two
// threads share the L3 and the memory bus.
const simdBig = (calls: number): string => `
  const k = K.newF32Kernels(); K.ensureMemory(k, 8 << 20);
  const M = 32, Kd = 512, N = 2048, a = 0, w = 1 << 20, c = 6 << 20, ap = 7 << 20;
  new Float32Array(k.memory.buffer).fill(0.01);
  for (let i = 0; i < ${calls}; i++) k.dense(a, w, 0, 0, c, M, Kd, N, N * 4, ap);`;

async function main(): Promise<void> {
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived(datasetDir);
  const ods = testOdPairs(dataset, n, 11);
  const search = { ...generationSearch(derived), method: 'beam' as const, batchSize: 256 };
  const half = { ...search, batchSize: Math.ceil(n / 2) };
  const p1 = await GenerationPool.start(1, datasetDir);
  const p2 = await GenerationPool.start(2, datasetDir);
  // A second 1-thread pool: w2-whole runs the whole list on p1 and p1b at once (one thread each).
  const p1b = await GenerationPool.start(1, datasetDir);
  for (const p of [p1, p2, p1b]) await p.generate(distilled, ods.slice(0, 4), search);
  const variants: Record<string, () => Promise<unknown>> = {
    'w1-one': () => p1.generate(distilled, ods, search),
    'w1-halves': () => p1.generate(distilled, ods, half),
    'w2-halves': () => p2.generate(distilled, ods, search),
    'w2-split': () => Promise.all([p1.generate(distilled, ods.slice(0, n / 2), search), p1b.generate(distilled, ods.slice(n / 2), search)]),
    'w2-whole': () => Promise.all([p1, p1b].map((p) => p.generate(distilled, ods, search))),
  };
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : null;
  const names = Object.keys(variants).filter((k) => !only || only.includes(k));
  const res: Record<string, { wall: number; cpu: number; threads: number[] }[]> = {};
  console.error(
    `load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${n} OD pairs, ${rounds} rounds`,
  );
  const controls: Record<string, () => Promise<{ wall: number; cpu: number; threads: number[] }>> = {
    'ctl-int-w1': () => controlThreads(1, spin(2e8)),
    'ctl-int-w2': () => controlThreads(2, spin(1e8)),
    'ctl-simd-w1': () => controlThreads(1, simd(8000)),
    'ctl-simd-w2': () => controlThreads(2, simd(4000)),
    'ctl-big-w1': () => controlThreads(1, simdBig(256)),
    'ctl-big-w2': () => controlThreads(2, simdBig(128)),
  };
  for (const k of Object.keys(controls)) if (!only || only.includes(k)) names.push(k);
  for (const k of names) res[k] = [];
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const k of order) res[k].push(controls[k] ? await controls[k]() : await timed(variants[k]));
    console.error(`round ${r + 1} done, load ${loadavg()[0].toFixed(2)}`);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const k of names)
    console.log(
      `${k.padEnd(12)} per round: ${res[k].map((x) => `wall ${x.wall.toFixed(0)} cpu ${x.cpu.toFixed(0)} [${x.threads.join(' ')}]`).join(' | ')}`,
    );
  for (const k of names)
    console.log(
      `${k.padEnd(12)} wall ${med(res[k].map((x) => x.wall))
        .toFixed(0)
        .padStart(6)} ms  cpu ${med(res[k].map((x) => x.cpu))
        .toFixed(0)
        .padStart(
          6,
        )} ms  cpu/wall ${med(res[k].map((x) => x.cpu / x.wall)).toFixed(2)}  all ${res[k].map((x) => x.wall.toFixed(0)).join(' ')}`,
    );
  console.log(
    `load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  await Promise.all([p1.close(), p2.close(), p1b.close()]);
}

void main();
