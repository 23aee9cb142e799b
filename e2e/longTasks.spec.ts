// First load does not freeze the page: no main-thread task over FREEZE_MS (5 s, e2e/firstLoad.ts)
// from first paint until the view's map layers are on screen, for the Data view (roads and ~2,500
// real trips), the Compare view (an OD pair's routes) and the Teach view (its first trip). Without a
// GPU, Chromium's software WebGL (SwiftShader) makes the page wait for each frame's GL work: the trips
// drawn as deck.gl PathLayers froze the page for 12–15 s, which this catches.
//
// This is a guard, not a measurement: how long the longest task is (0.3–0.55 s on a calm machine,
// up to 1.6 s on a busy CI machine) is a timing, and timings live in the browser benchmark
// (`npx tsx bench/browser/bench-browser.ts --only firstLoad`, its `firstLoad` section; BENCHMARKS.md).
// The figures are printed here too, for a failing run's log. No retries: 5 s is far above any
// busy-machine noise measured, and far below the freeze it guards against.
import { test, expect } from '@playwright/test';
import { FIRST_LOAD_VIEWS, FREEZE_MS, describeFirstLoad, measureFirstLoad } from './firstLoad';

const names: Record<string, string> = {
  data: 'the Data view draws the real trips without freezing the page',
  compare: 'the Compare view draws its OD pair without freezing the page',
  teach: 'the Teach view shows its first trip without freezing the page',
};

for (const { view, minColoured, query } of FIRST_LOAD_VIEWS) {
  test(names[view] ?? `the ${view} view loads without freezing the page`, async ({ page }) => {
    if (view === 'teach') test.setTimeout(240_000);
    const f = await measureFirstLoad(page, view, minColoured, query);
    console.log(describeFirstLoad(f));
    expect(f.longestTask.durationMs, `long tasks after first paint: ${JSON.stringify(f.tasksOver200ms)}`).toBeLessThanOrEqual(FREEZE_MS);
  });
}
