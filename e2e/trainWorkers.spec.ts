import { test, expect, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// Data-parallel training in the app: the same tiny seeded run (grid-town's 48 trips, batches of 8,
// one epoch, wasm) on 1 worker and on 2 (the train worker and one gradient helper, each on half of
// every batch) ends with the same loss and val metrics, and the throughput line says 2 workers.
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));
// TRAIN_WORKERS_BACKEND=webgpu runs it on WebGPU (here Chromium's software adapter: minutes), where
// every worker opens its own device on the one GPU.
const BACKEND = process.env.TRAIN_WORKERS_BACKEND ?? 'wasm';
const QUERY = `backend=${BACKEND}&mode=vanilla&size=small&batch=8&epochs=1&freeze=1&maxLen=16&seed=5`;

async function run(page: Page, workers: number): Promise<{ loss: number; nll: number; acc: number }> {
  await page.goto(`/?view=data&${QUERY}&trainWorkers=${workers}`);
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles(GRID);
  await expect(page.getByTestId('dataset-name')).toHaveText('grid-town', { timeout: 60_000 });
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-dataset')).toContainText('grid-town', { timeout: 120_000 });
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', BACKEND, { timeout: 120_000 });
  await expect(page.getByTestId('train-play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('train-workers-setting')).toHaveValue(String(workers));
  await page.getByTestId('train-play').click();
  // The first pass's run is saved in this browser: a new run may ask first, and keeps it.
  const state = page.locator('span.state[data-state]');
  const confirm = page.getByTestId('fresh-confirm');
  await expect(confirm.or(page.locator('span.state[data-state="running"], span.state[data-state="done"]'))).toBeVisible({
    timeout: 60_000,
  });
  if (await confirm.isVisible()) await page.getByTestId('fresh-start').click();
  await expect(state).toHaveAttribute('data-state', 'done', { timeout: BACKEND === 'wasm' ? 240_000 : 540_000 });
  await expect(page.getByTestId('train-workers')).toHaveText(workers === 1 ? '1 worker' : `${workers} workers`);
  const line = page.getByTestId('epoch-line');
  await expect(line).toBeVisible();
  // The epoch's mean training loss, not the live readout: that one averages whichever steps fell in
  // its last display window, which depends on timing (a loaded machine gave 0.862 against 0.924).
  return {
    loss: Number(await line.getAttribute('data-train-loss')),
    nll: Number(await line.getAttribute('data-nll')),
    acc: Number(await line.getAttribute('data-acc')),
  };
}

test('a run on 2 data-parallel workers matches the same run on 1', async ({ page }) => {
  test.setTimeout(BACKEND === 'wasm' ? 600_000 : 1_500_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const one = await run(page, 1);
  const two = await run(page, 2);
  console.log(`train workers: 1 → ${JSON.stringify(one)}; 2 → ${JSON.stringify(two)}`);
  for (const v of [one.loss, one.nll, two.loss, two.nll]) expect(v).toBeGreaterThan(0);
  expect(Math.abs(two.loss - one.loss)).toBeLessThan(1e-4);
  expect(Math.abs(two.nll - one.nll)).toBeLessThan(1e-4);
  expect(Math.abs(two.acc - one.acc)).toBeLessThan(1e-6);
  expect(errors).toEqual([]);
});
