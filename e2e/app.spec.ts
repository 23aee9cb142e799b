// End-to-end checks of the data view against the built app (vite build + preview) in Debian's
// Chromium. WebGL runs on SwiftShader here, so one deck.gl frame of ~1,000 trips takes seconds:
// the tests share one page and wait on app state rather than on fixed delays.
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { mapPixels } from './mapPixels';

const BAD_ROADMAP = ['roadmap.geo', 'roadmap.rel'].map((f) => fileURLToPath(new URL(`./fixtures/bad-roadmap/${f}`, import.meta.url)));
/** The reader's message for the broken fixture (roadmap.rel line 4 points at road 7 of 3). */
const BAD_MESSAGE = /roadmap\.rel:4: destination_id: .*7.*out of range/;
/** Synthetic GPS (one point per road of three committed test trips) plus a far and a one-point row. */
const GPS_SAMPLE = fileURLToPath(new URL('./fixtures/gps-synthetic.csv', import.meta.url));

test.describe.configure({ mode: 'serial' });

let page: Page;
const foreignRequests: string[] = [];

async function tripCount(p: Page): Promise<number> {
  return Number((await p.getByTestId('trip-count').textContent())?.trim());
}

test.beforeAll(async ({ browser, baseURL }) => {
  page = await browser.newPage();
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) foreignRequests.push(url);
  });
  await page.goto('/?view=data');
});

test.afterAll(async () => {
  await page.close();
});

test('the app loads the embedded dataset and shows ≥ 1,000 trips', async () => {
  await expect(page.getByRole('heading', { name: 'TrajDistill' })).toBeVisible();
  await expect(page.getByTestId('tab-data')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('trip-count')).toBeVisible({ timeout: 90_000 });
  expect(await tripCount(page)).toBeGreaterThanOrEqual(1000);
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto');
  await expect(page.getByTestId('load-progress')).toBeHidden();
  await expect(page.getByTestId('stat-roads')).toContainText(/\d/);
  await expect(page.getByText('© OpenStreetMap contributors, ODbL')).toBeVisible();
});

test('the map shows the road network and the trips (non-blank pixels)', async () => {
  // Wait for a frame with trips: deck.gl draws them a few seconds after the roads on SwiftShader.
  await expect.poll(async () => (await mapPixels(page)).coloured, { timeout: 60_000, intervals: [1000, 2000, 4000] }).toBeGreaterThan(500);
  const px = await mapPixels(page);
  expect(px.nonBackground / px.total).toBeGreaterThan(0.02);
  expect(foreignRequests).toEqual([]);
});

test('the split filters change the number of drawn trips', async () => {
  const all = await tripCount(page);
  const train = Number((await page.getByTestId('filter-train').locator('..').locator('.count').textContent())!.replace(/\D/g, ''));
  await page.getByTestId('filter-train').uncheck();
  await expect(page.getByTestId('trip-count')).toHaveText(String(all - train));
  await page.getByTestId('filter-train').check();
  await expect(page.getByTestId('trip-count')).toHaveText(String(all));
});

test('a broken dataset shows its error and keeps the current trips', async () => {
  const before = await tripCount(page);
  await page.getByTestId('open-files').setInputFiles(BAD_ROADMAP);
  const errors = page.getByTestId('dataset-errors');
  await expect(errors).toBeVisible();
  await expect(errors).toContainText(BAD_MESSAGE);
  await expect(errors).toContainText('Still showing “Porto”');
  expect(await tripCount(page)).toBe(before);
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto');
  await errors.getByRole('button', { name: 'Dismiss errors' }).click();
  await expect(errors).toBeHidden();
});

test('Match GPS traces… matches raw GPS onto the network on screen and draws the result', async () => {
  await page.getByTestId('match-gps-file').setInputFiles(GPS_SAMPLE);
  await page.getByTestId('match-ask-own').click();
  const summary = page.getByTestId('match-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  await expect(summary).toContainText('5 trips read, 3 inside the network, 3 kept');
  await expect(summary).toContainText("1 not inside the network's area, 1 unreadable (single point)");
  await expect(page.getByTestId('dataset-name')).toHaveText('gps-synthetic.csv matched on Porto');
  await expect(page.getByTestId('trip-count')).toHaveText('3');
});
