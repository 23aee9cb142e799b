import { test, expect } from '@playwright/test';

// Issue 10 item 4: the Train view runs the λ/τ/w search in a worker (comlink) and fills a live
// trials table and a λ–τ scatter. Tiny: 2 trials of 1 epoch on 1 % of the train trips.
test('tuning panel: vanilla then one CMA-ES trial, in the table and the scatter', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?view=train&backend=wasm');
  const panel = page.getByTestId('tune-panel');
  await panel.getByTestId('tune-trials').fill('2');
  await panel.getByTestId('tune-epochs').fill('1');
  await panel.getByTestId('tune-frac').fill('0.01');
  await panel.getByTestId('tune-start').click();
  const rows = panel.getByTestId('tune-table').locator('tbody tr');
  await expect(rows).toHaveCount(2, { timeout: 280_000 });
  await expect(panel.getByTestId('tune-status')).toContainText('Done: 2 trials', { timeout: 60_000 });
  await expect(rows.nth(0)).toContainText('0 (vanilla)');
  // Every finished trial has a val NLL: a number, not a dash.
  for (const i of [0, 1]) await expect(rows.nth(i).locator('td').nth(5)).toHaveText(/^\d+\.\d{4}$/);
  await expect(panel.getByTestId('tune-scatter').locator('circle')).toHaveCount(1);
});
