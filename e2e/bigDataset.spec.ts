import { test, expect } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// A set too big to draw trip by trip or to train on whole in the tab (docs/big-dataset.md, "In the
// app"), shown on the small grid-town fixture (48 train / 8 val / 8 test trips) with the limits
// lowered to 20 by `?bigAbove=20`: the Data view draws the density of all trips or a labelled
// sample, the statistics count all of them, and the Train view's worker trains on a seeded sample
// of 20 train trips and shows the PyTorch bridge commands for all.
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));

test('a set over the limits is drawn in aggregate and trained on a sample', async ({ page, context }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);

  await page.goto('/?view=data&backend=wasm&bigAbove=20');
  const name = page.getByTestId('dataset-name');
  await expect(name).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles(GRID);
  await expect(name).toHaveText('grid-town', { timeout: 60_000 });

  // The map shows the density of all 64 trips; the statistics and the filters count all of them.
  const label = page.getByTestId('big-label');
  await expect(label).toHaveText('Density of all 64 trips: each road coloured and widened by how many trips pass it.');
  await expect(page.getByTestId('big-dataset')).toContainText('grid-town has 64 trips, more than the 20 the map draws one by one');
  await expect(page.getByTestId('density-legend')).toBeVisible();
  await expect(page.getByTestId('stat-trips')).toContainText('64');
  await expect(page.getByTestId('trip-count')).toHaveText('64');
  // Or a labelled sample of them.
  await page.getByTestId('big-sample').click();
  await expect(label).toHaveText('Showing a random sample of 20 of 64 trips (seed 1).');
  await expect(page.getByTestId('trip-count')).toHaveText('20');

  // Train: the worker holds a seeded sample of 20 train trips (and val, test in 7:1:2) and says so.
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-dataset')).toContainText('grid-town: 20 train / 3 val trips', { timeout: 120_000 });
  await expect(page.getByTestId('train-sample-text')).toHaveText(
    'grid-town has 48 train trips, more than the 20 a browser tab trains on in reasonable time, so this tab trains on a seeded random sample (seed 1): 20 of the 48 train trips, validated on 3 of the 8 val trips.',
  );
  const commands = page.getByTestId('train-bridge-commands');
  await expect(commands).toContainText('npm run cli -- export torch --dataset path/to/grid-town --out .cache/torch-grid-town');
  await expect(commands).toContainText('python3 -m trajdistill_torch.torchrun --nproc_per_node 2 -m trajdistill_torch.train');
  await page.getByTestId('train-bridge-copy').click();
  await expect(page.getByTestId('train-bridge-copy')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await commands.textContent());
  expect(errors).toEqual([]);
});
