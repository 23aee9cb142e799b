import { test, expect, type Page } from '@playwright/test';
import { CHROMIUM_LAUNCH_DEFAULT_GPU } from './chromium';

// "Continue on wasm" goes on with the same run at the same step, in a run from random weights and in
// the fine-tune preset (issue 66: the fine-tune was left idle with "Settings changed", a run from
// scratch stuck at "choosing"). Chromium with default flags, as on a laptop without a GPU; the run
// starts on a backend the page offers wasm for (`?backend=cpu`: tfjs's plain JavaScript kernels).
test.use({ launchOptions: CHROMIUM_LAUNCH_DEFAULT_GPU });

async function stepTo(page: Page, n: number): Promise<void> {
  const count = page.getByTestId('train-step-count');
  for (let i = Number(await count.textContent()); i < n; i++) {
    await page.getByTestId('train-step').click();
    await expect(count).toHaveText(String(i + 1), { timeout: 240_000 });
  }
}

async function continueOnWasm(page: Page, step: number): Promise<void> {
  const badge = page.getByTestId('backend-badge');
  await page.getByTestId('switch-wasm-badge').click();
  await expect(badge).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect(page.getByTestId('train-notice')).toContainText(`step ${step}`, { timeout: 60_000 });
  await expect(page.getByTestId('train-step-count')).toHaveText(String(step));
  await expect(page.getByText('Settings changed')).toHaveCount(0);
  await expect(page.getByTestId('switch-wasm-badge')).toHaveCount(0);
}

test('a run from random weights continues on wasm at its step', async ({ page }) => {
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=train&backend=cpu&mode=vanilla&batch=2&epochs=1&freeze=1&maxLen=16');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'cpu', { timeout: 120_000 });
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  await stepTo(page, 2);
  await continueOnWasm(page, 2);
  await stepTo(page, 3);
  expect(errors).toEqual([]);
});

test('the fine-tune preset continues on wasm at its step, still a fine-tune', async ({ page }) => {
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=train&backend=cpu&preset=finetune&batch=2&maxLen=16&valTrips=8');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'cpu', { timeout: 120_000 });
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('preset-finetune')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('route-features')).toBeChecked();
  await stepTo(page, 1);
  await continueOnWasm(page, 1);
  await expect(page.getByTestId('preset-finetune')).toHaveAttribute('aria-checked', 'true');
  await stepTo(page, 2);
  expect(errors).toEqual([]);
});
