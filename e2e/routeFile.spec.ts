import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// Routes from any generator, loaded from a file in the Compare view. The fixture is HOSER gene.py's
// format (gene_trace_road_id, gene_trace_datetime) holding the real road lists of the first three
// test-OD pairs of the committed route sample (public/reports/porto-routes.json, trips from
// public/data/porto/test.csv): the eval worker scores them with the table's metrics against the
// test trips of those OD pairs, and the selected pair's route is drawn beside the students'.
const FIXTURE = fileURLToPath(new URL('./fixtures/route-file/porto-test-hoser.csv', import.meta.url));
// Real road lists of three test trips whose OD pairs the committed route sample does not hold.
const OUTSIDE = fileURLToPath(new URL('./fixtures/route-file/porto-outside-hoser.csv', import.meta.url));
// The first, fourth and eighth rows of OUTSIDE's kind (good), and between them one bad row of each
// kind: line 3 a negative id, 5 an id outside the network, 6 a non-integer id, 7 an empty id, and
// line 9 (the last) cut short in its timestamp list, as a truncated download ends.
const BAD_ROWS = fileURLToPath(new URL('./fixtures/route-file/porto-bad-rows-hoser.csv', import.meta.url));

test('compare view: a routes file gets its own metrics column, a route list, and a drawn layer; bad files say why', async ({ page }) => {
  await page.goto('/?view=compare');
  await expect(page.getByTestId('metrics-table')).toBeVisible();
  await expect(page.getByTestId('route-card')).toBeVisible({ timeout: 90_000 });
  const section = page.getByTestId('route-file');
  const input = section.getByTestId('route-file-input');

  // A road id outside the network: nothing to score, the row named with file:line: reason, and the view stays usable.
  await input.setInputFiles({
    name: 'elsewhere.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`gene_trace_road_id,gene_trace_datetime\n"[1, 999999]","['2013-07-01T00:00:00Z', '2013-07-01T00:00:30Z']"\n`),
  });
  const error = section.getByTestId('route-file-error');
  await expect(error).toContainText('elsewhere.csv: none of its 1 route can be scored here', { timeout: 90_000 });
  await expect(section.getByTestId('route-file-dropped')).toContainText('elsewhere.csv:2: (route): road id 999999 is not in this network');
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

test('compare view: route baselines for the selected OD pair, drawn and toggled, with their DTW per km', async ({ page }) => {
  await page.goto('/?view=compare');
  await expect(page.getByTestId('route-card')).toBeVisible({ timeout: 90_000 });
  const drawn = page.getByTestId('drawn-routes');
  // Shortest, fastest and Markov (and any baseline added to generate/baselines.ts), computed in the eval worker.
  await expect.poll(async () => Number(await drawn.getAttribute('data-baselines')), { timeout: 90_000 }).toBeGreaterThanOrEqual(3);
  for (const m of ['shortest', 'fastest', 'markov']) {
    await expect(page.getByTestId(`toggle-baseline-${m}`)).toBeChecked();
    await expect(page.getByTestId(`baseline-detail-${m}`)).toHaveText(/km · DTW \d+\.\d{2} km \(\d+\.\d{2} per km\)/);
  }
  const before = Number(await drawn.getAttribute('data-baselines'));
  await page.getByTestId('toggle-baseline-shortest').uncheck();
  await expect(drawn).toHaveAttribute('data-baselines', String(before - 1));
  // Another pair: its own baselines.
  const card = page.getByTestId('route-card');
  const od = await card.locator('.od').innerText();
  await page.getByTestId('od-row').nth(3).click();
  await expect(card.locator('.od')).not.toHaveText(od);
  await expect.poll(async () => Number(await drawn.getAttribute('data-baselines')), { timeout: 60_000 }).toBe(before - 1);
});

test('compare view: a file with bad rows scores the rest and names each bad line once; its pairs outside the sample draw; a failed load keeps it', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/?view=compare');
  await expect(page.getByTestId('route-card')).toBeVisible({ timeout: 90_000 });
  const section = page.getByTestId('route-file');
  const input = section.getByTestId('route-file-input');

  await input.setInputFiles(BAD_ROWS);
  const summary = section.getByTestId('route-file-summary');
  await expect(summary).toContainText('porto-bad-rows-hoser.csv (HOSER format): 3 routes scored against', { timeout: 90_000 });
  await expect(summary).toContainText('5 rows of 8 left out');
  const dropped = section.getByTestId('route-file-dropped').locator('li');
  await expect(dropped).toHaveCount(5);
  expect(await dropped.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))).toEqual([3, 5, 6, 7, 9]);
  const text = await section.getByTestId('route-file-dropped').innerText();
  for (const [line, why] of [
    [3, 'road 2 of 3 is -5: a road id is never negative'],
    [5, 'road id 999999 is not in this network'],
    [6, 'road 2 of 2 is 8780.5, not an integer road id'],
    [7, 'road 2 of 3 is empty'],
    [9, 'row cut short'],
  ] as const) {
    expect(text.split(`porto-bad-rows-hoser.csv:${line}:`).length - 1, `line ${line} named once`).toBe(1);
    expect(text).toContain(why);
  }
  await expect(page.getByTestId('metrics-table').getByTestId('file-column')).toContainText('test OD');

  // Its OD pairs are outside the report's sample: listed in the OD list's File tab, and drawn with
  // the real trip, the baselines and both students' routes generated for it.
  await page.getByTestId('od-tab-file').click();
  await expect(page.getByTestId('od-file-row')).toHaveCount(3);
  const listed = section.getByTestId('route-file-list').getByRole('button');
  await expect(listed).toHaveCount(3);
  await listed.first().click();
  const card = page.getByTestId('route-card');
  await expect(card).toContainText('road 938 →');
  const drawn = page.getByTestId('drawn-routes');
  await expect.poll(async () => Number(await drawn.getAttribute('data-file'))).toBe(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-real'))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-baselines')), { timeout: 90_000 }).toBeGreaterThanOrEqual(3);
  await expect.poll(async () => Number(await drawn.getAttribute('data-vanilla')), { timeout: 180_000 }).toBe(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-distilled'))).toBe(1);

  // A file that cannot be scored: why, and the previous file stays (column, list, drawn route).
  await input.setInputFiles({
    name: 'truncated.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`gene_trace_road_id,gene_trace_datetime\n"[938, 8780, 6691]","['2013-07-01T00:00:00Z', '2013-07`),
  });
  const error = section.getByTestId('route-file-error');
  await expect(error).toContainText('truncated.csv: none of its 1 route can be scored here');
  await expect(section.getByTestId('route-file-kept')).toContainText('porto-bad-rows-hoser.csv');
  await expect(section.getByTestId('route-file-dropped').locator('li')).toHaveText([
    'truncated.csv:2: (row): row cut short (a quote is never closed)',
  ]);
  await expect(page.getByTestId('metrics-table').getByTestId('file-column')).toHaveCount(1);
  await expect(listed).toHaveCount(3);
  await expect(drawn).toHaveAttribute('data-file', '1');

  // Test OD pairs scored against Train: the view names their split and switches on a click.
  await section.getByRole('button', { name: 'Train OD' }).click();
  await input.setInputFiles(OUTSIDE);
  await expect(error).toContainText('porto-outside-hoser.csv: none of its 3 routes can be scored here: they are test OD pairs');
  await expect(section.getByTestId('route-file-offer')).toContainText('These are test OD pairs');
  await section.getByTestId('route-file-switch').click();
  await expect(summary).toContainText('porto-outside-hoser.csv (HOSER format): 3 routes scored against');
  await expect(summary).toContainText('of their test OD pairs');
  await expect(error).toHaveCount(0);
});
