import { test, expect } from '@playwright/test';

// Distilled student training in the training worker with the shipped Porto teacher: step, play,
// pause and the loss chart. On wasm: the same worker on WebGPU is checked against wasm, loss for
// loss, by parityTrain.spec.ts and deviceLoss.spec.ts (on a small network, since SwiftShader needs
// ≈ 45 s to encode Porto's road graph). A batch of 2 trips, encoders frozen (`freeze=1`).
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

  // One point per metrics record (the single step, then the run), each with non-zero losses.
  const chart = page.getByTestId('loss-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
  expect(Number(await chart.getAttribute('data-nonzero'))).toBe(Number(await chart.getAttribute('data-points')));
  await expect(chart.locator('canvas')).toHaveCount(1);
  await expect(badge).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('train-notice')).toHaveCount(0);
  expect(errors).toEqual([]);
});
