import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// Routes from any generator, loaded from a file in the Compare view. The fixture is HOSER gene.py's
// format (gene_trace_road_id, gene_trace_datetime) holding the real road lists of the first three
// test-OD pairs of the committed route sample (public/reports/porto-routes.json, trips from
// public/data/porto/test.csv): the eval worker scores them with the table's metrics against the
// test trips of those OD pairs, and the selected pair's route is drawn beside the students'.
const FIXTURE = fileURLToPath(new URL('./fixtures/route-file/porto-test-hoser.csv', import.meta.url));

test('compare view: a routes file gets its own metrics column, a route list, and a drawn layer; bad files say why', async ({ page }) => {
  await page.goto('/?view=compare');
  await expect(page.getByTestId('metrics-table')).toBeVisible();
  await expect(page.getByTestId('route-card')).toBeVisible({ timeout: 90_000 });
  const section = page.getByTestId('route-file');
  const input = section.getByTestId('route-file-input');

  // A road id outside the network: file:line: reason, and the view stays usable.
  await input.setInputFiles({
    name: 'elsewhere.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`gene_trace_road_id,gene_trace_datetime\n"[1, 999999]","['2013-07-01T00:00:00Z', '2013-07-01T00:00:30Z']"\n`),
  });
  const error = section.getByTestId('route-file-error');
  await expect(error).toContainText('elsewhere.csv:2: road id 999999 is not in this network', { timeout: 90_000 });
  await expect(page.getByTestId('file-column')).toHaveCount(0);

  await input.setInputFiles(FIXTURE);
  await expect(section.getByTestId('route-file-summary')).toContainText('porto-test-hoser.csv (HOSER format): 3 routes scored against', {
    timeout: 90_000,
  });
  await expect(error).toHaveCount(0);
  // The table's extra column: real numbers in it (real trips of the pairs: every route reaches its destination).
  const table = page.getByTestId('metrics-table');
  await expect(table.getByTestId('file-column')).toContainText('test OD');
  await expect(table.locator('td[data-file-metric="reachedRate"]')).toHaveText(/^100(\.0)?\s*%$/);
  await expect(table.locator('td[data-file-metric="dtwKm"]')).toHaveText(/^\d+\.\d{3}$/);
  await expect(table.locator('td[data-file-metric="dtwPerKm"]')).toHaveText(/^\d+\.\d+$/);
  const distance = await table.locator('td[data-file-metric="distanceJSD"]').innerText();
  expect(distance.trim()).toMatch(/^\d/);

  // Listed, and drawn beside real, vanilla and distilled routes once its OD pair is selected.
  const listed = section.getByTestId('route-file-list').getByRole('button');
  await expect(listed).toHaveCount(3);
  await expect(listed.first()).toContainText('road 979 → 10052');
  await listed.first().click();
  await expect(page.getByTestId('route-card')).toContainText('road 979 → 10052');
  await expect(page.getByTestId('route-legend')).toContainText('Routes from file');
  const drawn = page.getByTestId('drawn-routes');
  await expect.poll(async () => Number(await drawn.getAttribute('data-file'))).toBe(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-real'))).toBeGreaterThanOrEqual(1);
  await page.getByTestId('toggle-file').uncheck();
  await expect(drawn).toHaveAttribute('data-file', '0');
});
