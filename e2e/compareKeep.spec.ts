import { expect, test } from '@playwright/test';

// A re-run in Compare keeps the OD pair selected on the map: the re-run generates its routes too
// (ProtocolOptions.keepRoutes), so the pair stays selected and drawn even when the new sample of
// OD pairs does not hold it. Two OD pairs per split on wasm keep it short. The re-run goes through
// the tail guard (the route-features recipe's search), which the table's caption then names.
test('compare re-run: the selected OD pair stays selected, with its routes drawn', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=compare&backend=wasm&workers=1');
  const rows = page.getByTestId('od-list').getByTestId('od-row');
  await expect(rows.nth(5)).toBeVisible({ timeout: 90_000 });
  // A pair well into the committed sample of 150: the re-run's two OD pairs per split lack it.
  await rows.nth(5).click();
  const card = page.getByTestId('route-card');
  const od = await card.locator('.od').innerText();
  const kind = await card.locator('.badge').innerText();
  const start = await card.locator('.start').innerText();
  expect(od).toMatch(/^road \d+ → \d+$/);

  await page.getByText('Re-run the evaluation in this browser').click();
  await page.getByTestId('rerun-n').fill('2');
  await page.getByTestId('rerun-guard').selectOption('1.2');
  await page.getByTestId('rerun-eval').click();
  await expect(page.getByTestId('rerun-status')).toHaveAttribute('data-phase', 'done', { timeout: 240_000 });

  // The new sample (at most 2 OD pairs per split) and the kept pair, which is still the selection.
  await expect.poll(() => rows.count()).toBeLessThanOrEqual(5);
  await expect(page.getByTestId('metrics-caption')).toContainText('tail guard at 1.2× the fastest path');
  await expect(card.locator('.od')).toHaveText(od);
  await expect(card.locator('.badge')).toHaveText(kind);
  await expect(card.locator('.start')).toHaveText(start);
  await expect(page.locator('[data-testid="od-row"][aria-selected="true"]')).toContainText(od.replace(/^road /, '').replace(' → ', '→'));
  const drawn = page.getByTestId('drawn-routes');
  await expect.poll(async () => Number(await drawn.getAttribute('data-vanilla'))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-distilled'))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-real'))).toBeGreaterThanOrEqual(1);
  expect(errors).toEqual([]);
});
