// Beijing-scale check: simulating a large set of SIMULATED trips on the real
// Porto network runs in the data worker with a progress bar, the page does not freeze (no
// main-thread task over FREEZE_MS, by the Long Tasks API; a requestAnimationFrame gap monitor is
// printed) and only a sample of the trips reaches the page. SCALE_N overrides the trip count (default 100,000
// to keep the run short; 600000 is the thesis scale).
import { test, expect } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { FREEZE_MS } from './firstLoad';

const N = Number(process.env.SCALE_N ?? 100_000);
// The target is no task over 200 ms while the worker simulates (measured 117–163 ms on an idle
// machine), but that is a timing, and CI machines are shared 2-core boxes where a starved renderer
// stretches any task. So the suite only guards against a freeze (FREEZE_MS, 5 s: a simulation run on
// the main thread would block it for its whole run); SCALE_LONG_TASK_MS=200 applies the strict target
// in a local run. The measured values are printed and written to .cache/ either way.
const LONG_TASK_LIMIT_MS = Number(process.env.SCALE_LONG_TASK_MS ?? FREEZE_MS);

declare global {
  interface Window {
    __scale: {
      longTasks: { start: number; duration: number }[];
      frameGaps: { at: number; gap: number }[];
      heap: { at: number; used: number }[];
    };
  }
}

test('simulating a large trip set keeps the page responsive and memory bounded', async ({ page }) => {
  test.setTimeout(Math.max(300_000, N * 1.2));
  await page.addInitScript(() => {
    const s: Window['__scale'] = { longTasks: [], frameGaps: [], heap: [] };
    window.__scale = s;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) s.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    let last = performance.now();
    const frame = (t: number): void => {
      if (t - last > 100) s.frameGaps.push({ at: last, gap: t - last });
      last = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    setInterval(() => {
      const mem = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
      if (mem) s.heap.push({ at: performance.now(), used: mem.usedJSHeapSize });
    }, 250);
  });
  await page.goto('/?view=data');
  // The embedded (real) set first: the simulator draws its flows and departures from it.
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await expect(page.getByTestId('trip-count')).toBeVisible();
  // Let the first map frames (SwiftShader) finish so the window below measures the simulation only.
  await page.waitForTimeout(5000);

  await page.getByTestId('sim-n').fill(String(N));
  await page.getByTestId('sim-seed').fill('1');
  const t0 = await page.evaluate(() => performance.now());
  await page.getByTestId('sim-run').click();

  const bar = page.getByTestId('sim-progress').getByRole('progressbar');
  await expect(bar).toBeVisible();
  // The bar moves while the worker routes trips.
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow').catch(() => '100')), {
      timeout: Math.max(60_000, N),
      intervals: [250],
    })
    .toBeGreaterThan(30);
  await expect(page.getByTestId('sim-total')).toHaveText(N.toLocaleString('en-US'), { timeout: Math.max(240_000, N) });
  const tDone = await page.evaluate(() => performance.now());
  await expect(page.getByTestId('sim-progress')).toBeHidden();
  await expect(page.getByTestId('dataset-name')).toContainText('(simulated trips)');
  await expect(page.getByTestId('sim-summary')).toContainText('Simulated trips · not real data');
  await expect(page.getByTestId('stat-trips')).toContainText(N.toLocaleString('en-US'));
  // Only the sample is drawn.
  const drawn = Number(await page.getByTestId('trip-count').textContent());
  expect(drawn).toBeGreaterThan(0);
  expect(drawn).toBeLessThanOrEqual(2000);
  // Keep measuring while the map draws the sample (printed, not asserted).
  await page.waitForTimeout(2000);

  const m = await page.evaluate(() => window.__scale);
  const t1 = await page.evaluate(() => performance.now());
  const inRun = <T extends { start?: number; at?: number }>(x: T): boolean =>
    ((x.start ?? x.at) as number) >= t0 && ((x.start ?? x.at) as number) <= t1;
  const tasks = m.longTasks.filter(inRun);
  // Tasks while the worker simulated, before the page drew the sample (drawing is the map's cost).
  const simTasks = m.longTasks.filter((x) => x.start >= t0 && x.start <= tDone);
  const gaps = m.frameGaps.filter(inRun);
  const heap = m.heap.filter(inRun);
  const summary = {
    trips: N,
    runMs: Math.round(tDone - t0),
    longTasks: tasks.length,
    longestTaskMs: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
    longestTaskDuringSimulationMs: Math.round(Math.max(0, ...simTasks.map((t) => t.duration))),
    longestFrameGapMs: Math.round(Math.max(0, ...gaps.map((g) => g.gap))),
    /** For comparison: the longest task while the page loaded and drew the real embedded set. */
    embeddedLoadLongestTaskMs: Math.round(Math.max(0, ...m.longTasks.filter((t) => t.start < t0).map((t) => t.duration))),
    peakPageHeapMB: heap.length ? +(Math.max(...heap.map((h) => h.used)) / 2 ** 20).toFixed(1) : null,
    startPageHeapMB: heap.length ? +(heap[0].used / 2 ** 20).toFixed(1) : null,
    summaryText: {
      timing: await page.getByTestId('sim-timing').textContent(),
      memory: await page.getByTestId('sim-memory').textContent(),
    },
  };
  console.log(`scale e2e: ${JSON.stringify(summary)}`);
  mkdirSync('.cache', { recursive: true });
  writeFileSync(`.cache/scale-e2e-${N}.json`, JSON.stringify(summary, null, 2) + '\n');
  expect(summary.longestTaskDuringSimulationMs, `long tasks: ${JSON.stringify(simTasks)}`).toBeLessThanOrEqual(LONG_TASK_LIMIT_MS);
});
