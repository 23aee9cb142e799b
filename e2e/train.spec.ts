import { test, expect } from '@playwright/test';

// Distilled student training in the training worker on the WebGPU backend (SwiftShader's software
// adapter here: slow). A batch of 2 trips, and the road/zone encoders frozen (`freeze=1`): their
// backward pass over the whole road graph takes minutes per step on SwiftShader, while the rest of
// a distilled step (trajectory encoder, navigator, teacher, KL) takes ~10 s.
test('distilled training runs in a worker on webgpu and the loss chart updates', async ({ page }) => {
  test.setTimeout(480_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/?view=train&backend=webgpu&batch=2&epochs=1&freeze=1&maxLen=32');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
  await expect(badge).toContainText('webgpu');

  const distilled = page.getByTestId('mode-distilled');
  await expect(distilled).toBeEnabled({ timeout: 120_000 }); // teacher checkpoint loaded
  await distilled.click();
  await expect(distilled).toHaveAttribute('aria-checked', 'true');

  const count = page.getByTestId('train-step-count');
  await expect(count).toHaveText('0');
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 240_000 });
  // The losses were read back from the GPU: not the zeros of a failed synchronous read.
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
  await expect(badge).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('train-notice')).toHaveCount(0);
  expect(errors).toEqual([]);
});
