// Browser benchmark page (bench/page/bench.html): the same vanilla/distilled training step as `npm run bench`,
// on every backend the page can start (webgpu → webgl → wasm → cpu), with adapter info and peak
// memory. Results go to window.__benchResult and the page; bench/browser/bench-browser.ts drives it.
import * as tf from '@tensorflow/tfjs';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { buildDerived } from '../../src/lib/data/derived';
import type { TextFile } from '../../src/lib/data/types';
import { selectBackend } from '../../src/lib/runtime/backend';
import { WASM_PATHS } from '../../workers/wasmPaths';
import { loadTeacher } from '../../src/lib/checkpoint/loadModel';
import { trainingBench } from '../suites/suites';
import { roundDeep } from '../suites/stats';

declare global {
  interface Window {
    __benchResult?: unknown;
    __benchError?: string;
    /** Per-backend results so far (a runner that gives up early still gets these). */
    __benchPartial?: Record<string, unknown>;
  }
}

interface ChromeMemory {
  usedJSHeapSize: number;
}

const FILES = ['roadmap.geo', 'roadmap.rel', 'train.csv', 'val.csv', 'test.csv'];

function jsHeap(): number | null {
  const m = (performance as unknown as { memory?: ChromeMemory }).memory;
  return m ? m.usedJSHeapSize : null;
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const batch = Number(q.get('batch') ?? 2);
  const repeats = Number(q.get('repeats') ?? 2);
  // Fast backends first: on a software adapter one webgpu step can take minutes.
  const names = (q.get('backends') ?? 'wasm,cpu,webgl,webgpu').split(',');
  const base = new URL(import.meta.env.BASE_URL, location.href);
  const t0 = performance.now();
  const files: TextFile[] = await Promise.all(
    FILES.map(async (name) => ({ name, text: await (await fetch(new URL(`data/porto/${name}`, base))).text() })),
  );
  const dataset = readHoserDataset(files, 'porto');
  const derived = buildDerived(dataset);
  const teacherBytes = new Uint8Array(await (await fetch(new URL('checkpoints/porto/teacher.safetensors', base))).arrayBuffer());
  const loadMs = performance.now() - t0;
  let peakHeap = jsHeap() ?? 0;
  let peakTensorBytes = 0;
  const backends: Record<string, unknown> = {};
  window.__benchPartial = backends;
  for (const name of names) {
    const info = await selectBackend({
      preferred: name,
      order: [name],
      wasmPaths: WASM_PATHS,
    }).catch((e: unknown) => ({ error: String(e) }));
    if ('error' in info) {
      backends[name] = { available: false, error: info.error };
      continue;
    }
    const teacher = loadTeacher(teacherBytes, derived).model;
    try {
      backends[name] = { available: true, running: true, adapter: info.adapter ?? null };
      // Software GPU adapters are slow: one timed step each, no warm-up beyond the first.
      const gpu = name === 'webgpu' || name === 'webgl';
      const r = await trainingBench({
        dataset,
        derived,
        teacher,
        batch,
        variants: ['vanilla', 'distilled'],
        timing: gpu ? { warmup: 1, repeats: 1 } : { warmup: 1, repeats },
      });
      peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
      peakHeap = Math.max(peakHeap, jsHeap() ?? 0);
      backends[name] = {
        available: true,
        adapter: info.adapter ?? null,
        software: info.software,
        tripsPerSec: r.tripsPerSec.vanilla,
        distilledTripsPerSec: r.tripsPerSec.distilled,
        distilledOverVanilla: r.distilledOverVanilla?.median ?? null,
        stepMs: r.stepMs,
        batch: r.batch,
      };
    } catch (e) {
      backends[name] = { available: true, error: String(e) };
    } finally {
      teacher.dispose();
    }
    // The main thread may stay busy for minutes on a software GPU backend, so a runner cannot
    // always evaluate in the page: it also listens for these lines.
    console.log(`BENCH_PARTIAL ${JSON.stringify(roundDeep(backends, 4))}`);
  }
  const result = roundDeep(
    {
      schema: 'trajdistill-bench-page/1',
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      loadAndPreprocessMs: loadMs,
      backends,
      memory: { peakJsHeapBytes: peakHeap || null, peakTensorBytes },
      wallMs: performance.now() - t0,
    },
    4,
  );
  window.__benchResult = result;
  const out = document.getElementById('out');
  if (out) out.textContent = JSON.stringify(result, null, 2);
}

main().catch((e: unknown) => {
  window.__benchError = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  const out = document.getElementById('out');
  if (out) out.textContent = `error: ${window.__benchError}`;
});
