import { expect, test } from '@playwright/test';

// The comparison view opens on the committed report (public/reports/), and a click on an OD pair
// draws the real trip and both students' routes.
test('compare view: metrics table, then an OD pair draws real, vanilla and distilled routes', async ({ page }) => {
  await page.goto('/?view=compare');
  await expect(page.getByTestId('metrics-table')).toBeVisible();
  await expect(page.getByTestId('metrics-table').locator('td[data-better="true"]').first()).toBeVisible();

  // The seed-paired effects (public/reports/porto-distillation.json) head the view, each
  // regime with its test decision-step rows and a verdict.
  await expect(page.getByTestId('seed-paired')).toBeVisible();
  const regimes = page.getByTestId('seed-regime');
  expect(await regimes.count()).toBeGreaterThanOrEqual(1);
  await expect(regimes.first().locator('tr[data-metric="decisionNll"]')).toHaveCount(1);
  await expect(regimes.first().getByTestId('seed-verdict')).toContainText(/Teacher-forced: (helps|hurts|no detectable effect)/);

  // One verdict (from the report's CIs), and no second count that could contradict it.
  await expect(page.getByTestId('verdict')).toHaveCount(1);
  await expect(page.getByText(/Distilled better on \d+ of \d+ metrics/)).toHaveCount(0);
  // The view opens on an OD pair and says how many pairs' routes differ.
  await expect(page.getByTestId('route-card')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('od-differ')).toContainText(/differ on \d+ of \d+ OD pairs/);

  const rows = page.getByTestId('od-list').getByTestId('od-row');
  await expect(rows.first()).toBeVisible();
  await rows.first().click();

  await expect(page.getByTestId('route-legend')).toBeVisible();
  const drawn = page.getByTestId('drawn-routes');
  // Counters appear once the road network has loaded and the paths are built.
  await expect.poll(async () => Number(await drawn.getAttribute('data-vanilla'))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-distilled'))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-real'))).toBeGreaterThanOrEqual(1);

  // A toggle hides a layer and its counter drops to zero.
  await page.getByTestId('toggle-vanilla').uncheck();
  await expect(drawn).toHaveAttribute('data-vanilla', '0');
});
