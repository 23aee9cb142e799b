// First load of a view, measured with the Long Tasks API: the longest main-thread task from first
// paint until the view's map layers are on screen, every task over 200 ms, first paint and the app's
// performance marks (which layer kind the map admitted when; docs/architecture.md, "From a file to the
// map"). One implementation for the browser benchmark (bench/browser/bench-browser.ts, its `firstLoad`
// section: the figures) and the e2e freeze guard (e2e/longTasks.spec.ts: FREEZE_MS only).
//
// The page-side code is passed as strings: tsx (the benchmark runner) would wrap named functions in a
// __name helper that the page lacks.
import type { Page } from '@playwright/test';
import { mapPixels } from './mapPixels';

/**
 * A freeze, not a slow frame: the e2e suite fails only on a main-thread task this long. The
 * regressions this guards against froze the page for many seconds (deck.gl PathLayers over the Porto
 * trips: 12–15 s); on a busy 2-core CI machine a healthy first load's longest task has measured up to
 * 1.6 s (Teach), so a sub-second budget there tests the machine, not the app. Timings are the
 * benchmark's job (bench/browser/bench-browser.ts, BENCHMARKS.md).
 */
export const FREEZE_MS = 5000;

/** The views whose first load is measured, with how many coloured map pixels mean "layers on screen". */
export const FIRST_LOAD_VIEWS: readonly { view: string; minColoured: number; query: string }[] = [
  // The full trip layer colours ~80k pixels; the roads alone none.
  { view: 'data', minColoured: 20_000, query: '' },
  // One OD pair's vanilla and distilled routes colour ~9k pixels.
  { view: 'compare', minColoured: 2_000, query: '' },
  // The candidates, the teacher's cells and the markers colour a few thousand pixels.
  { view: 'teach', minColoured: 1_500, query: '&backend=wasm' },
];

export interface LongTask {
  startMs: number;
  durationMs: number;
}

export interface FirstLoad {
  view: string;
  firstPaintMs: number;
  /** When the view's layers were seen on screen (performance.now()). */
  layersOnScreenMs: number;
  /** The longest task that ended after first paint. */
  longestTask: LongTask;
  /** Every task over 200 ms that ended after first paint. */
  tasksOver200ms: LongTask[];
  /** The app's trajdistill:* marks: name (without the prefix) and time. */
  marks: { name: string; ms: number }[];
}

const OBSERVE_LONG_TASKS = `window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: true });`;

const READ_FIRST_LOAD = `(() => ({
  tasks: window.__longTasks,
  marks: performance
    .getEntriesByType('mark')
    .filter((m) => m.name.startsWith('trajdistill:'))
    .map((m) => ({ name: m.name.slice(12), ms: Math.round(m.startTime) })),
  firstPaint: performance.getEntriesByName('first-paint')[0]?.startTime ?? 0,
}))()`;

/** Opens `/?view=<view><query>` in a fresh page and measures its first load. */
export async function measureFirstLoad(page: Page, view: string, minColoured: number, query = '', timeoutMs = 90_000): Promise<FirstLoad> {
  await page.addInitScript(OBSERVE_LONG_TASKS);
  await page.goto(`/?view=${view}${query}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { coloured } = await mapPixels(page);
    if (coloured > minColoured) break;
    if (Date.now() > deadline)
      throw new Error(`${view}: the map showed ${coloured} coloured pixels after ${timeoutMs} ms, not over ${minColoured}`);
    await page.waitForTimeout(250);
  }
  const onScreen = (await page.evaluate('performance.now()')) as number;
  // Catch a task still running when the layers showed (a frame drawn in two parts, say).
  await page.waitForTimeout(1500);
  const raw = (await page.evaluate(READ_FIRST_LOAD)) as {
    tasks: { start: number; duration: number }[];
    marks: { name: string; ms: number }[];
    firstPaint: number;
  };
  const after = raw.tasks
    .filter((t) => t.start + t.duration > raw.firstPaint)
    .map((t) => ({ startMs: Math.round(t.start), durationMs: Math.round(t.duration) }));
  const longestTask = after.reduce((a, b) => (b.durationMs > a.durationMs ? b : a), { startMs: 0, durationMs: 0 });
  return {
    view,
    firstPaintMs: Math.round(raw.firstPaint),
    layersOnScreenMs: Math.round(onScreen),
    longestTask,
    tasksOver200ms: after.filter((t) => t.durationMs > 200),
    marks: raw.marks,
  };
}

/** One line for a log: the longest task, the tasks over 200 ms and the marks. */
export function describeFirstLoad(f: FirstLoad): string {
  return (
    `${f.view}: first paint ${f.firstPaintMs} ms, layers on screen at ${f.layersOnScreenMs} ms; longest main-thread task ` +
    `${f.longestTask.durationMs} ms at ${f.longestTask.startMs} ms; over 200 ms (start: duration): ` +
    f.tasksOver200ms.map((t) => `${t.startMs}: ${t.durationMs}`).join(', ') +
    `; marks: ${f.marks.map((m) => `${m.name} ${m.ms}`).join(', ')}`
  );
}

declare global {
  interface Window {
    __longTasks: { start: number; duration: number }[];
  }
}
