import { test, expect, type Page } from '@playwright/test';

// Backend parity of the evaluation worker (issue 12): the Compare view's in-browser re-run, the
// same few OD pairs generated and scored by both shipped students on wasm and on WebGPU (Chromium's
// software adapter here), must fill the metrics table with the same numbers. Generation scores
// every search step on the backend, so a wrong WebGPU read would change the routes and the table.
async function rerunTable(page: Page, backend: string): Promise<{ table: string[]; ods: string }> {
  await page.goto(`/?view=compare&backend=${backend}`);
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 60_000 });
  await page.getByText('Re-run the evaluation in this browser').click();
  await page.getByTestId('rerun-n').fill('1');
  await page.getByTestId('rerun-beam').fill('2');
  const t0 = Date.now();
  await page.getByTestId('rerun-eval').click();
  const status = page.getByTestId('rerun-status');
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 400_000 });
  await expect(status).toContainText(`on ${backend}`);
  console.log(`parity eval ${backend}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // The OD list shows each generated pair's route errors: identical routes, identical rows.
  return { table: await page.getByTestId('metrics-table').locator('tbody tr.row').allInnerTexts(), ods: await page.getByTestId('od-list').innerText() };
}

test('eval worker: generating and scoring on WebGPU fills the same metrics table as on wasm', async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const wasm = await rerunTable(page, 'wasm');
  const gpu = await rerunTable(page, 'webgpu');
  expect(wasm.table.length).toBeGreaterThan(3);
  expect(gpu.table).toEqual(wasm.table);
  expect(wasm.ods.length).toBeGreaterThan(0);
  expect(gpu.ods).toEqual(wasm.ods);
  expect(errors).toEqual([]);
});
