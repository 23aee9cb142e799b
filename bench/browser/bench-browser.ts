// Browser benchmark runner: serves the project with Vite's dev server (which serves bench/page/bench.html
// without a build entry), opens that page in Debian's Chromium with WebGPU enabled (SwiftShader
// on machines without a GPU) and prints ONE JSON object: per-backend training-step throughput with
// adapter info and peak memory from the page (`page`), page-load-to-drawn-map times from the app
// (`app`: performance marks trajdistill:load-start:N, data-ready:N, map-load, roads-drawn), and the
// first load of the Data, Compare and Teach views in the built app (`firstLoad`: `vite build`, then
// `vite preview`, a fresh browser context per view; the longest main-thread task after first paint
// until the view's layers are on screen, every task over 200 ms, first paint and the app's marks, by
// the Long Tasks API: e2e/firstLoad.ts, which e2e/longTasks.spec.ts uses as a freeze guard).
// `train` (built app, wasm, one training worker): the default run's first val point after Train
// (`firstValSeconds`), and `timeToShippedNll.{fineTune,scratch}`: seconds from Train until the val
// decision NLL on all val trips is within 0.01 of the shipped distilled student's (its log's best
// epoch), fine-tuning the shipped vanilla student vs the same recipe from random weights, each
// capped (`--train-cap` seconds; null when the cap came first, with the best NLL reached).
// `teachTour` (built app): the Teach view's marks, the tour ready after the models loaded.
// `idle` (built app, wasm): display frames and Chromium CPU-s per idle window in the Data and Train
// views once drawn, the app's heartbeat map loop against deck.gl's every-frame one
// (`?mapLoop=every-frame`), interleaved per round on fresh browsers (bench/browser/idleMap.ts).
//   npx tsx bench/browser/bench-browser.ts [--batch 2] [--repeats 2] [--backends webgpu,webgl,wasm,cpu] [--out f.json]
//     [--only app,firstLoad,page,train,teachTour,idle] [--no-build: the built-app sections use the dist/ already built]
//     [--idle-rounds 2]
//     [--train-cap 600] [--val-every 10] [--train-parts firstVal,fineTune,scratch]
import { writeFile } from 'node:fs/promises';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createServer, preview } from 'vite';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_LAUNCH } from '../../e2e/chromium';
import { FIRST_LOAD_VIEWS, describeFirstLoad, measureFirstLoad, type FirstLoad } from '../../e2e/firstLoad';
import { measureIdle, type IdleWindow } from './idleMap';
import { median } from '../../src/lib/stats';

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

/** A built app served by `vite preview` on `port` (built first unless --no-build or already built in this run). */
let built = false;
async function withPreview<T>(port: number, fn: (base: string) => Promise<T>): Promise<T> {
  if (!built && !process.argv.includes('--no-build')) {
    process.stderr.write('vite build\n');
    await build({ logLevel: 'error' });
  }
  built = true;
  const server = await preview({ preview: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'error' });
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    await Promise.race([server.close(), new Promise((r) => setTimeout(r, 5_000))]);
  }
}

/** A fresh browser (its own IndexedDB: no saved run is offered) for one measurement. */
async function freshPage<T>(base: string, fn: (page: Page) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ ...CHROMIUM_LAUNCH, headless: true });
  try {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
    return await fn(await ctx.newPage());
  } finally {
    await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 10_000))]);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `get` every second until it returns a value or `capMs` passes (then null). */
async function waitFor<T>(get: () => Promise<T | null>, capMs: number): Promise<T | null> {
  const end = Date.now() + capMs;
  while (Date.now() < end) {
    const v = await get().catch(() => null);
    if (v !== null) return v;
    await sleep(1000);
  }
  return null;
}

/** The shipped distilled student's val decision NLL at its best epoch (its training log). */
function shippedDistilledNll(city = 'porto'): { nll: number; log: string } {
  const log = `public/checkpoints/${city}/distilled.log.json`;
  const l = JSON.parse(readFileSync(log, 'utf8')) as { bestEpoch: number; epochs: Array<{ valNllDecision: number }> };
  return { nll: l.epochs[l.bestEpoch].valNllDecision, log };
}

interface NllTrace {
  /** Seconds from pressing Train until the val NLL was within `tolerance` of the target; null: capped first. */
  seconds: number | null;
  /** Every val point: seconds since Train, step, val decision NLL on all val trips. */
  points: Array<{ s: number; step: number; nll: number }>;
  best: number | null;
}

/** One run of the Train view from `query`: Train pressed, val points read until the target or the cap. */
async function timeToNll(base: string, query: string, fineTune: boolean, target: number, capMs: number): Promise<NllTrace> {
  return freshPage(base, async (page) => {
    await page.goto(`/?view=train&backend=wasm&${query}`);
    await page.getByTestId('train-play').waitFor({ state: 'visible', timeout: 240_000 });
    await waitFor(async () => ((await page.getByTestId('train-play').isEnabled()) ? true : null), 240_000);
    if (fineTune) {
      await waitFor(async () => ((await page.getByTestId('preset-finetune').isEnabled()) ? true : null), 120_000);
      await page.getByTestId('preset-finetune').click();
    }
    const t0 = Date.now();
    await page.getByTestId('train-play').click();
    const points: NllTrace['points'] = [];
    const val = page.getByTestId('val-point');
    const hit = await waitFor(async () => {
      if ((await val.count()) === 0) return null;
      const step = Number(await val.getAttribute('data-step'));
      const nll = Number(await val.getAttribute('data-nll'));
      if (points.at(-1)?.step !== step) {
        points.push({ s: (Date.now() - t0) / 1000, step, nll });
        process.stderr.write(`train ${fineTune ? 'fineTune' : 'scratch'}: ${JSON.stringify(points.at(-1))}\n`);
      }
      return nll <= target ? points.at(-1)!.s : null;
    }, capMs);
    const finite = points.map((p) => p.nll).filter(Number.isFinite);
    return { seconds: hit, points, best: finite.length ? Math.min(...finite) : null };
  });
}

/** The `train` section (see the header). */
async function trainSection(port: number): Promise<Record<string, unknown>> {
  const capMs = Number(flag('train-cap', '600')) * 1000;
  const valEvery = Number(flag('val-every', '10'));
  const shipped = shippedDistilledNll();
  const tolerance = 0.01;
  const loadAvgBefore = loadavg();
  const parts = flag('train-parts', 'firstVal,fineTune,scratch').split(',');
  const skipped: NllTrace = { seconds: null, points: [], best: null };
  return withPreview(port, async (base) => {
    // The default run (the view's own settings and val check), as a newcomer presses Train.
    const firstVal = !parts.includes('firstVal')
      ? { seconds: null, step: null }
      : await freshPage(base, async (page) => {
          await page.goto('/?view=train&backend=wasm');
          await waitFor(async () => ((await page.getByTestId('train-play').isEnabled()) ? true : null), 240_000);
          const t0 = Date.now();
          await page.getByTestId('train-play').click();
          const s = await waitFor(async () => ((await page.getByTestId('val-point').count()) > 0 ? (Date.now() - t0) / 1000 : null), capMs);
          const step = s === null ? null : Number(await page.getByTestId('val-point').getAttribute('data-step'));
          return { seconds: s, step };
        });
    process.stderr.write(`train firstVal: ${JSON.stringify(firstVal)}\n`);
    // Fine-tune vs scratch: the same recipe (the shipped distilled student's), val on all val trips.
    const q = `valEvery=${valEvery}&valTrips=all`;
    const fineTune = parts.includes('fineTune') ? await timeToNll(base, q, true, shipped.nll + tolerance, capMs) : skipped;
    const scratch = parts.includes('scratch')
      ? await timeToNll(base, `${q}&mode=distilled&batch=16&lr=0.001&epochs=40`, false, shipped.nll + tolerance, capMs)
      : skipped;
    return {
      method:
        'built app (vite preview), headless Chromium, ?backend=wasm, one training worker; seconds from pressing Train; val decision NLL on all val trips every val-every steps',
      firstValSeconds: firstVal.seconds,
      firstValStep: firstVal.step,
      target: { shippedDistilledNll: shipped.nll, from: shipped.log, tolerance },
      timeToShippedNll: { fineTune: fineTune.seconds, scratch: scratch.seconds },
      capSeconds: capMs / 1000,
      valEvery,
      parts,
      runs: {
        fineTune: { settings: 'preset "Fine-tune the shipped student" (lib/train/fineTune.ts)', ...fineTune },
        scratch: { settings: 'random weights, mode distilled, recipe tunedVal, batch 16, lr 1e-3, epochs 40', ...scratch },
      },
      loadAvg: { before: loadAvgBefore.map((x) => +x.toFixed(2)), after: loadavg().map((x) => +x.toFixed(2)) },
    };
  });
}

/** The `teachTour` section: the Teach view's marks (ms since navigation) on a fresh browser. */
async function teachTourSection(port: number): Promise<Record<string, unknown>> {
  return withPreview(port, (base) =>
    freshPage(base, async (page) => {
      await page.goto('/?view=teach&backend=wasm');
      await waitFor(async () => ((await page.getByTestId('tour-start').isEnabled()) ? true : null), 300_000);
      const marks = (await page.evaluate(`(() => {
        const at = (n) => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : null; };
        return { modelsReadyMs: at('trajdistill:teach-ready'), tourReadyMs: at('trajdistill:tour-ready') };
      })()`)) as { modelsReadyMs: number | null; tourReadyMs: number | null };
      const source = await page.getByTestId('tour-start').getAttribute('data-telling');
      return {
        ...marks,
        tourAfterModelsMs: marks.tourReadyMs !== null && marks.modelsReadyMs !== null ? marks.tourReadyMs - marks.modelsReadyMs : null,
        tellingSource: source,
      };
    }),
  );
}

/** The `idle` section (see the header). */
async function idleSection(port: number): Promise<Record<string, unknown>> {
  const rounds = Number(flag('idle-rounds', '2'));
  const loops = { heartbeat: '', everyFrame: '&mapLoop=every-frame' } as const;
  const loadAvgBefore = loadavg();
  const views: Record<string, unknown> = {};
  await withPreview(port, async (base) => {
    for (const view of ['data', 'train']) {
      const windows: Record<keyof typeof loops, IdleWindow[]> = { heartbeat: [], everyFrame: [] };
      for (let r = 0; r < rounds; r++) {
        for (const loop of Object.keys(loops) as (keyof typeof loops)[]) {
          const got = await freshPage(base, (page) => measureIdle(page, `/?view=${view}&backend=wasm${loops[loop]}`, 2, 5000, 8000));
          process.stderr.write(`idle ${view} ${loop}: ${JSON.stringify(got)}\n`);
          windows[loop].push(...got);
        }
      }
      const med = (ws: IdleWindow[], f: (w: IdleWindow) => number | null): number | null => {
        const xs = ws.map(f).filter((x): x is number => x !== null);
        return xs.length ? +median(xs).toFixed(3) : null;
      };
      const [hb, ef] = [windows.heartbeat, windows.everyFrame];
      const cpu = [med(hb, (w) => w.cpuSeconds), med(ef, (w) => w.cpuSeconds)];
      views[view] = {
        windows,
        medianFrames: { heartbeat: med(hb, (w) => w.frames), everyFrame: med(ef, (w) => w.frames) },
        medianCpuSeconds: { heartbeat: cpu[0], everyFrame: cpu[1] },
        cpuHeartbeatOverEveryFrame: cpu[0] !== null && cpu[1] ? +(cpu[0] / cpu[1]).toFixed(3) : null,
      };
    }
  });
  return {
    method:
      'built app, headless Chromium, a fresh browser per load; after roads-drawn + 8 s, two 5 s windows untouched: requestAnimationFrame callbacks and CPU-s of every Chromium process (/proc)',
    loadAvg: { before: loadAvgBefore.map((x) => +x.toFixed(2)), after: loadavg().map((x) => +x.toFixed(2)) },
    rounds,
    views,
  };
}

async function main(): Promise<void> {
  const port = Number(flag('port', '5290'));
  const only = flag('only', 'app,firstLoad,page,teachTour,train,idle').split(',');
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
    if (only.includes('firstLoad')) {
      result.firstLoad = await firstLoadSection(port + 1);
      built = true;
    }
    // The Teach tour's readiness and the Train view's time to a useful model, in the built app.
    if (only.includes('teachTour')) result.teachTour = await teachTourSection(port + 2);
    if (only.includes('train')) result.train = await trainSection(port + 3);
    if (only.includes('idle')) result.idle = await idleSection(port + 4);
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
      await page.goto(`${base}/bench/page/bench.html?${qs}`);
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
