import { test, expect } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// One dataset is current everywhere. A small dataset of another road network
// (e2e/fixtures/grid-town, made by scripts/make-grid-fixture.ts) is opened in the Data view; Train
// trains on it, Teach and Compare say why they cannot show it and offer what they can, and
// "Back to Porto" brings every view back to the embedded set.
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));

test('an opened dataset of another network is the one every view uses', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/?view=data&backend=wasm');
  const name = page.getByTestId('dataset-name');
  await expect(name).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles(GRID);
  await expect(name).toHaveText('grid-town', { timeout: 60_000 });

  // Train: the worker now holds grid-town; the Porto teacher is refused for this network.
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-dataset')).toContainText('grid-town: 48 train / 8 val trips', { timeout: 120_000 });
  await expect(page.getByTestId('mode-distilled')).toBeDisabled();
  await expect(page.getByText(/teacher checkpoint refused: .*different road network/)).toBeVisible();
  const count = page.getByTestId('train-step-count');
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 60_000 });
  // The map shows the student's choices on a grid-town val trip (ids g1xx), drawn on its roads.
  const probe = page.getByTestId('probe-legend');
  await expect(probe).toContainText(/val trip g1\d\d/);
  await expect.poll(async () => Number(await probe.getAttribute('data-drawn'))).toBeGreaterThan(2);
  // The choices are recomputed by the worker after each epoch.
  await page.getByTestId('train-play').click();
  await expect.poll(async () => Number(await probe.getAttribute('data-epoch')), { timeout: 120_000 }).toBeGreaterThanOrEqual(1);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-play')).toBeVisible({ timeout: 60_000 });
  const stepped = await count.textContent();
  // The λ/τ/w search distils from the shipped teacher, made for Porto's roads: it says why it
  // cannot run on grid-town instead of tuning on Porto behind the user's back.
  await expect(page.getByTestId('tune-other-network')).toContainText('grid-town is another road network');
  await expect(page.getByTestId('tune-start')).toBeDisabled();

  // Teach: no checkpoint fits this network; it says so and offers training.
  await page.getByTestId('tab-teach').click();
  const other = page.getByTestId('other-network');
  await expect(other).toBeVisible();
  await expect(other).toContainText('grid-town is another road network');
  await expect(page.getByTestId('teacher-dist')).toHaveCount(0);
  await expect(page.getByTestId('offer-train')).toBeVisible();

  // Compare: the Porto report is not shown on these roads; an evaluation needs two checkpoints.
  await page.getByTestId('tab-compare').click();
  await expect(other).toHaveAttribute('data-view', 'compare');
  await expect(page.getByTestId('metrics-table')).toHaveCount(0);
  await expect(page.getByTestId('rerun-eval')).toBeDisabled();
  await page.getByTestId('offer-train').click();
  await expect(count).toHaveText(stepped!);

  // Back to Porto: Compare shows the committed report again, Train trains on Porto.
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('offer-porto').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 90_000 });
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-dataset')).toContainText('Porto:', { timeout: 120_000 });
  expect(errors).toEqual([]);
});
