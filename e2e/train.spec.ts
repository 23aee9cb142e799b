import { test, expect } from '@playwright/test';

// Distilled student training in the training worker on the WebGPU backend (SwiftShader's software
// adapter in CI: slow, hence a batch of 2 trips and a handful of steps).
test('distilled training runs in a worker on webgpu and the loss chart updates', async ({ page }) => {
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/?view=train&backend=webgpu&batch=2&epochs=1');
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
  await expect(count).toHaveText('1', { timeout: 180_000 });

  await page.getByTestId('train-play').click();
  await expect.poll(async () => Number(await count.textContent()), { timeout: 180_000, intervals: [500] }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-play')).toBeVisible({ timeout: 120_000 });

  // The loss chart holds one point per metrics record: at least the single step and the run.
  const chart = page.getByTestId('loss-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
  await expect(chart.locator('canvas')).toHaveCount(1);
  await expect(page.getByTestId('train-notice')).toHaveCount(0);
  expect(errors).toEqual([]);
});
