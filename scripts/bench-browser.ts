// Browser benchmark runner: serves the project with Vite's dev server (which serves bench.html
// without a build entry), opens bench.html in Debian's Chromium with WebGPU enabled (SwiftShader
// on machines without a GPU) and prints ONE JSON object: per-backend training-step throughput with
// adapter info and peak memory from the page (`page`), page-load-to-drawn-map times from the app
// (`app`: performance marks trajdistill:load-start:N, data-ready:N, map-load, roads-drawn), and the
// first load of the Data, Compare and Teach views in the built app (`firstLoad`: `vite build`, then
// `vite preview`, a fresh browser context per view; the longest main-thread task after first paint
// until the view's layers are on screen, every task over 200 ms, first paint and the app's marks, by
// the Long Tasks API: e2e/firstLoad.ts, which e2e/longTasks.spec.ts uses as a freeze guard).
//   npx tsx scripts/bench-browser.ts [--batch 2] [--repeats 2] [--backends webgpu,webgl,wasm,cpu] [--out f.json]
//     [--only app,firstLoad,page] [--no-build: firstLoad measures the dist/ already built]
import { writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createServer, preview } from 'vite';
import { chromium } from '@playwright/test';
import { CHROMIUM_LAUNCH } from '../e2e/chromium';
import { FIRST_LOAD_VIEWS, describeFirstLoad, measureFirstLoad, type FirstLoad } from '../e2e/firstLoad';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The first load of each view in the built app (see the header), on a fresh browser context each. */
async function firstLoadSection(port: number): Promise<Record<string, unknown>> {
  if (!process.argv.includes('--no-build')) {
    process.stderr.write('firstLoad: vite build\n');
    await build({ logLevel: 'error' });
  }
  const server = await preview({ preview: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'error' });
  const browser = await chromium.launch({ ...CHROMIUM_LAUNCH, headless: true });
  const views: FirstLoad[] = [];
  const loadAvgBefore = loadavg();
  try {
    for (const { view, minColoured, query } of FIRST_LOAD_VIEWS) {
      const ctx = await browser.newContext({ baseURL: `http://127.0.0.1:${port}`, viewport: { width: 1280, height: 800 } });
      const f = await measureFirstLoad(await ctx.newPage(), view, minColoured, query);
      process.stderr.write(`firstLoad ${describeFirstLoad(f)}\n`);
      views.push(f);
      await ctx.close();
    }
  } finally {
    await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 10_000))]);
    await Promise.race([server.close(), new Promise((r) => setTimeout(r, 5_000))]);
  }
  return {
    method: 'built app (vite preview), headless Chromium, Long Tasks API from first paint until the layers are on screen + 1.5 s',
    loadAvg: { before: loadAvgBefore.map((x) => +x.toFixed(2)), after: loadavg().map((x) => +x.toFixed(2)) },
    views,
  };
}

async function main(): Promise<void> {
  const port = Number(flag('port', '5290'));
  const only = flag('only', 'app,firstLoad,page').split(',');
  const server = await createServer({ server: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'error' });
  await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'trajdistill-bench-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    ...CHROMIUM_LAUNCH,
    headless: true,
  });
  const result: Record<string, unknown> = { schema: 'trajdistill-bench-browser/1' };
  try {
    // 1. Page load → drawn map, in the app.
    if (only.includes('app')) {
      const app = await ctx.newPage();
      const tApp = Date.now();
      await app.goto(`${base}/`);
      await app.waitForFunction(`performance.getEntriesByName('trajdistill:roads-drawn').length > 0`, null, { timeout: 240_000 });
      // A string, not a function: tsx's transform would inject a __name helper the page lacks.
      result.app = await app.evaluate(`(() => {
      const marks = performance.getEntriesByType('mark');
      const at = (prefix) => { const e = marks.find((m) => m.name.startsWith(prefix)); return e ? e.startTime : null; };
      const mem = performance.memory;
      return {
        loadStartMs: at('trajdistill:load-start:'),
        dataReadyMs: at('trajdistill:data-ready:'),
        mapLoadMs: at('trajdistill:map-load'),
        roadsDrawnMs: at('trajdistill:roads-drawn'),
        jsHeapBytes: mem ? mem.usedJSHeapSize : null,
      };
    })()`);
      (result.app as Record<string, unknown>).wallMs = Date.now() - tApp;
      process.stderr.write(`app: ${JSON.stringify(result.app)}\n`);
      await app.close();
    }
    // 2. First load of the views, in the built app.
    if (only.includes('firstLoad')) result.firstLoad = await firstLoadSection(port + 1);
    // 3. Training step per backend on the bench page.
    if (only.includes('page')) {
      const page = await ctx.newPage();
      const qs = `batch=${flag('batch', '2')}&repeats=${flag('repeats', '2')}&backends=${flag('backends', 'wasm,cpu,webgl,webgpu')}`;
      let partial: unknown = null;
      page.on('console', (m) => {
        const t = m.text();
        if (t.startsWith('BENCH_PARTIAL ')) partial = JSON.parse(t.slice('BENCH_PARTIAL '.length));
        process.stderr.write(`[page] ${t.slice(0, 300)}\n`);
      });
      await page.goto(`${base}/bench.html?${qs}`);
      const budgetMs = Number(flag('timeout', '420')) * 1000;
      // Our own timer: Playwright's waits need the page's main thread, which a software GPU backend
      // can keep busy for minutes.
      const finished = page
        .waitForFunction(`window.__benchResult !== undefined || window.__benchError !== undefined`, null, { timeout: 0, polling: 1000 })
        .then(
          () => true,
          () => false,
        );
      const outcome = await Promise.race([finished, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), budgetMs))]);
      if (outcome !== true) result.timedOut = true;
      if (result.timedOut) {
        // Evaluating would wait for the busy main thread: use the last partial line instead.
        result.page = { partial: true, backends: partial };
      } else {
        const err = await page.evaluate(`window.__benchError`);
        if (err) throw new Error(`bench page failed: ${err}`);
        result.page = await page.evaluate(`window.__benchResult`);
      }
    }
  } finally {
    // Closing can hang while the page is busy: do not wait for it forever.
    await Promise.race([ctx.close(), new Promise((r) => setTimeout(r, 10_000))]);
    await Promise.race([server.close(), new Promise((r) => setTimeout(r, 5_000))]);
  }
  const json = JSON.stringify(result, null, 2);
  const out = flag('out', '');
  if (out) await writeFile(out, json + '\n');
  console.log(json);
  process.exit(0);
}

declare global {
  interface Window {
    __benchResult?: unknown;
    __benchError?: string;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
