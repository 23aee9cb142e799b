import { test, expect } from '@playwright/test';
import { openTrain, WEBGPU_INIT_WARNING } from './backendChoice';

// The backend choice with --enable-unsafe-webgpu (the e2e default, CHROMIUM_LAUNCH): WebGPU's adapter
// is SwiftShader, a software one, and so is WebGL: wasm goes first, and the page says why.
test('wasm is chosen before the software adapter, with the reason', async ({ page }) => {
  test.setTimeout(180_000);
  const logged = await openTrain(page);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect(page.getByTestId('backend-reason')).toHaveText(
    /^wasm: WebGPU is SwiftShader \(software\); WebGL is SwiftShader \(software\)$/,
  );
  expect(logged.filter((l) => WEBGPU_INIT_WARNING.test(l))).toEqual([]);
});
