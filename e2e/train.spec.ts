import { test, expect } from '@playwright/test';

// Distilled student training in the training worker with the shipped Porto teacher: step, play,
// pause and the loss chart. On wasm: the same training on WebGPU is checked against wasm, loss for
// loss, in Node through Dawn (tests/webgpu/parity.test.ts), and the worker on WebGPU in the page by
// deviceLoss.spec.ts (on a small network, since SwiftShader needs ≈ 45 s to encode Porto's road graph). A batch of 2 trips, encoders frozen (`freeze=1`).
test('distilled training runs in a worker and the loss chart updates', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/?view=train&backend=wasm&batch=2&epochs=1&freeze=1&maxLen=32');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect(badge).toContainText('wasm');

  const distilled = page.getByTestId('mode-distilled');
  await expect(distilled).toBeEnabled({ timeout: 120_000 }); // teacher checkpoint loaded
  await distilled.click();
  await expect(distilled).toHaveAttribute('aria-checked', 'true');

  const count = page.getByTestId('train-step-count');
  await expect(count).toHaveText('0');
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 240_000 });
  const loss = Number(await page.getByTestId('train-loss').textContent());
  expect(loss).toBeGreaterThan(0);
  expect(Number.isFinite(loss)).toBe(true);

  await page.getByTestId('train-play').click();
  await expect.poll(async () => Number(await count.textContent()), { timeout: 240_000, intervals: [1000] }).toBeGreaterThanOrEqual(4);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-play')).toBeVisible({ timeout: 120_000 });

  // One point per metrics record (the single step, then the run), each with non-zero losses; the
  // val subset's points between them carry no losses. Both counts in one read.
  const chart = page.getByTestId('loss-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-filled'))).toBeGreaterThanOrEqual(2);
  const [nonZero, filled] = await chart.evaluate((el) => [el.getAttribute('data-nonzero'), el.getAttribute('data-filled')]);
  expect(Number(nonZero)).toBe(Number(filled));
  await expect(chart.locator('canvas')).toHaveCount(1);
  await expect(badge).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('train-notice')).toHaveCount(0);
  expect(errors).toEqual([]);
});

// The first minutes of a run (issue 51): the untrained student on the map before any step, a val
// point (the fixed val subset) and an ETA long before the first epoch ends, "pausing…" as soon as
// Pause is pressed, on the route corpus with route-aware features; then the fine-tune preset
// starts from the shipped student. Tiny settings: 2 trips a step, a val point after the first step
// and every 2 on 8 val trips; one page load.
test('a run shows its student before the first step, a val point and an ETA before its first epoch ends, "pausing…" at once; the fine-tune preset starts from the shipped student', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=train&backend=wasm&mode=vanilla&batch=2&epochs=2&freeze=1&maxLen=32&valEvery=2&valTrips=8');

  const legend = page.getByTestId('probe-legend');
  await expect(legend).toContainText('untrained (step 0)', { timeout: 180_000 });
  expect(Number(await legend.getAttribute('data-drawn'))).toBeGreaterThan(0);
  await expect(page.getByTestId('train-step-count')).toHaveText('0');

  // What the student reads: the untimed routes join the trips (more steps an epoch), and the
  // route-aware candidate features add a route part to its weights; the Markov + length counts
  // come on top of those features only.
  const info = page.getByTestId('train-dataset');
  const counts = (await info.textContent()) ?? '';
  const [trips, routes] = [/(\d+) train/, /\+ (\d+) untimed routes/].map((r) => Number(r.exec(counts)?.[1]));
  const params = async (): Promise<number> =>
    Number(/student ([\d,]+) params/.exec((await info.textContent()) ?? '')?.[1].replace(/,/g, ''));
  const plainParams = await params();
  expect(routes).toBeGreaterThan(0);
  await page.getByTestId('use-routes').check();
  await expect(page.getByTestId('route-markov')).toBeDisabled();
  await page.getByTestId('route-features').check();
  await page.getByTestId('route-markov').check();
  // Without the features the counts go too (the worker's rule, normaliseHyper).
  await page.getByTestId('route-features').uncheck();
  await expect(page.getByTestId('route-markov')).not.toBeChecked();
  await expect(page.getByTestId('route-markov')).toBeDisabled();
  await page.getByTestId('route-features').check();
  await page.getByTestId('route-markov').check();

  await page.getByTestId('train-play').click();
  const val = page.getByTestId('val-point');
  await expect(val).toBeVisible({ timeout: 180_000 });
  await expect(val).toContainText('8 val trips');
  await expect(page.getByTestId('train-eta')).toContainText('this epoch ends in');
  await expect(page.getByTestId('train-eta')).toContainText(`of ${Math.ceil((trips + routes) / 2)}`);
  // The route inputs add a third 64-wide metric to the navigator's keys (64 × 64 weights) and the
  // dense layer into it: 4 inputs per candidate (time left, unreachable, the Markov cost to go and
  // count) and a bias, 5 × 64; the time-left inputs alone would make that 3 × 64.
  expect((await params()) - plainParams).toBe(64 * 64 + 5 * 64);
  // Still in the first epoch (hundreds of 2-trip steps): no epoch-end line yet.
  await expect(page.getByTestId('epoch-line')).toHaveCount(0);
  await expect(page.getByTestId('nll-chart')).toContainText('val subset');
  await expect(page.getByTestId('acc-chart')).not.toContainText('all steps');

  // Every text the state readout shows from now on, in order (the worker answers a pause only
  // after the step in progress).
  await page.evaluate(`(() => {
    const el = document.querySelector('[data-testid=train-state]');
    window.__states = [el.textContent];
    new MutationObserver(() => window.__states.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  })()`);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-play')).toBeVisible({ timeout: 120_000 });
  const states = (await page.evaluate('window.__states')) as string[];
  expect(states.indexOf('pausing…')).toBeGreaterThanOrEqual(0);
  expect(states.indexOf('pausing…')).toBeLessThan(states.indexOf('paused'));
  const fromScratch = Number(await val.getAttribute('data-nll'));
  expect(Number.isFinite(fromScratch)).toBe(true);

  // The fine-tune preset: a new run from the shipped vanilla student's weights.
  await page.getByTestId('preset-finetune').click();
  await expect(page.getByTestId('finetune-note')).toContainText('shipped vanilla student');
  await expect(page.getByTestId('finetune-note')).toContainText('trained on the train trips and the real route corpus');
  await page.getByTestId('train-step').click();
  await expect(page.getByTestId('train-notice')).toContainText('Fine-tune: starts from vanilla.safetensors', { timeout: 120_000 });
  // The run goes on with the shipped student's own inputs: the route corpus, the route features and
  // the Markov + length router's counts.
  await expect(page.getByTestId('route-features')).toBeChecked();
  await expect(page.getByTestId('route-markov')).toBeChecked();
  await expect(page.getByTestId('use-routes')).toBeChecked();
  await expect(val).toHaveAttribute('data-step', '1', { timeout: 240_000 });
  await expect(page.getByTestId('train-step-count')).toHaveText('1');
  // One step in, at the warm-up's small learning rate, on the same 8 val trips: the shipped
  // student's NLL, far below the run from random weights above.
  expect(Number(await val.getAttribute('data-nll'))).toBeLessThan(fromScratch - 0.2);
  expect(errors).toEqual([]);
});
