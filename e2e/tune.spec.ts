import { test, expect } from '@playwright/test';

// The Train view runs the λ/τ/w search in a worker (comlink) and fills a live
// trials table and a λ–τ scatter. Tiny: 2 trials of 1 epoch on 1 % of Porto's train trips, on wasm.
// The same search on WebGPU is checked against wasm in Node, through Dawn: tests/webgpu/parity.test.ts
// (on the small grid-town network, with a teacher trained there).
test('tuning panel: vanilla then one CMA-ES trial, in the table and the scatter', async ({ page }) => {
  test.setTimeout(300_000);
  const trials = 2;
  await page.goto('/?view=train&backend=wasm');
  const panel = page.getByTestId('tune-panel');
  await expect(panel.getByTestId('tune-teacher')).toHaveText('the shipped one');
  await panel.getByTestId('tune-trials').fill(String(trials));
  await panel.getByTestId('tune-epochs').fill('1');
  await panel.getByTestId('tune-frac').fill('0.01');
  await panel.getByTestId('tune-start').click();
  const rows = panel.getByTestId('tune-table').locator('tbody tr');
  await expect(rows).toHaveCount(trials, { timeout: 240_000 });
  await expect(panel.getByTestId('tune-status')).toContainText(`Done: ${trials} trials on wasm`, { timeout: 120_000 });
  await expect(rows.nth(0)).toContainText('0 (vanilla)');
  // Every finished trial has a val NLL: a number, not a dash.
  for (let i = 0; i < trials; i++) await expect(rows.nth(i).locator('td').nth(5)).toHaveText(/^\d+\.\d{4}$/);
  await expect(panel.getByTestId('tune-scatter').locator('circle')).toHaveCount(trials - 1);
});
