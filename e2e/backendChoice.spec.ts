import { test, expect } from '@playwright/test';
import { CHROMIUM_LAUNCH_DEFAULT_GPU } from './chromium';
import { openTrain, WEBGPU_INIT_WARNING } from './backendChoice';

// The backend choice on a machine without a GPU (issue 66): Chromium with default flags has no WebGPU
// adapter and draws WebGL with SwiftShader. The workers choose wasm before starting a GPU backend,
// the page says why in one line, no worker logs tfjs's failed WebGPU start, and `?backend=` still
// forces one. backendChoiceWebgpu.spec.ts: the same with --enable-unsafe-webgpu.
test.use({ launchOptions: CHROMIUM_LAUNCH_DEFAULT_GPU });

test('wasm is chosen, the reason is shown, and no warning comes from a WebGPU start', async ({ page }) => {
  test.setTimeout(180_000);
  const logged = await openTrain(page);
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect(page.getByTestId('backend-reason')).toHaveText('wasm: no WebGPU adapter; WebGL is SwiftShader (software)');
  await expect(badge).toContainText('software WebGL');
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  expect(logged.filter((l) => WEBGPU_INIT_WARNING.test(l))).toEqual([]);
});

test('?backend=webgl still forces the software WebGL, and says so', async ({ page }) => {
  test.setTimeout(180_000);
  await openTrain(page, '&backend=webgl');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgl', { timeout: 120_000 });
  await expect(page.getByTestId('backend-reason')).toHaveText("requested backend 'webgl' (a software renderer: expect it to be slow)");
  await expect(page.getByTestId('switch-wasm-badge')).toBeVisible();
});
