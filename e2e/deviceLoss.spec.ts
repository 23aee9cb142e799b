import { test, expect } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// A lost GPU device during training pauses the run, says why, and offers to
// resume on wasm from the last autosave; nothing saved is lost. The drill destroys the worker's
// WebGPU device (GPUDevice.destroy() on SwiftShader's adapter) while the run goes on. On the small
// grid-town network (e2e/fixtures/grid-town): SwiftShader encodes Porto's whole graph in ≈ 45 s.
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));
test('a lost WebGPU device pauses training and the run resumes on wasm from its autosave', async ({ page }) => {
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=data&backend=webgpu&mode=vanilla&batch=2&epochs=1&freeze=1&maxLen=16&drill=1');
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles(GRID);
  await expect(page.getByTestId('dataset-name')).toHaveText('grid-town', { timeout: 60_000 });
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-dataset')).toContainText('grid-town', { timeout: 120_000 });
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
  const count = page.getByTestId('train-step-count');
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('kind-student')).toHaveAttribute('aria-checked', 'true');
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 240_000 });
  await expect(page.getByTestId('resume-offer')).toContainText('step 1', { timeout: 60_000 });

  await page.getByTestId('train-play').click();
  await expect(page.locator('.state')).toHaveText('running');
  expect(
    await page.evaluate(() =>
      (globalThis as unknown as { trajdistillDrill: { loseGpuDevice(): Promise<boolean> } }).trajdistillDrill.loseGpuDevice(),
    ),
  ).toBe(true);

  const failure = page.getByTestId('gpu-failure');
  await expect(failure).toContainText('GPU device was lost', { timeout: 60_000 });
  await expect(page.locator('.state')).toHaveText('paused');
  const saved = Number(/step (\d+)/.exec((await page.getByTestId('resume-offer').textContent()) ?? '')?.[1]);
  expect(saved).toBeGreaterThanOrEqual(1);

  await failure.getByTestId('resume-wasm').click();
  await expect(badge).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect(page.getByTestId('train-notice')).toContainText(`Loaded saved student run: epoch 1 of 1, step ${saved}`, {
    timeout: 60_000,
  });
  await expect(count).toHaveText(String(saved));
  await expect(page.getByTestId('train-dataset')).toContainText('grid-town');
  await expect(page.getByText('Settings changed')).toHaveCount(0);
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText(String(saved + 1), { timeout: 60_000 });
  await expect(page.getByTestId('gpu-failure')).toHaveCount(0);
  expect(errors).toEqual([]);
});
