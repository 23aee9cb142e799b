import { test, expect, type Locator, type Page } from '@playwright/test';

// At phone width (390×844) every view keeps a map of at least half the screen,
// its main controls can be reached (the panel is a bottom sheet under the map that scrolls and
// can be pulled up), and Teach's distribution card no longer covers the view's title.
test.use({ viewport: { width: 390, height: 844 } });

async function mapHalfScreen(page: Page): Promise<void> {
  const box = (await page.getByTestId('map').boundingBox())!;
  expect(box.width).toBeGreaterThanOrEqual(380);
  expect(box.height).toBeGreaterThanOrEqual(844 / 2);
}

async function reachable(el: Locator): Promise<void> {
  await el.scrollIntoViewIfNeeded();
  await expect(el).toBeInViewport();
}

test('phone width: Data, Train and Compare keep half the screen for the map and reach their controls', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=data&backend=wasm');
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await mapHalfScreen(page);
  for (const v of ['data', 'train', 'compare', 'teach']) await expect(page.getByTestId(`tab-${v}`)).toBeInViewport();
  await reachable(page.getByRole('button', { name: 'Open dataset…' }));
  await reachable(page.getByRole('button', { name: 'Match GPS traces…' }));

  // The sheet pulls up over most of the map, and back down.
  const sheet = page.getByTestId('sheet-toggle');
  const panelBefore = (await page.getByTestId('panel').boundingBox())!.height;
  await sheet.click();
  await expect(sheet).toHaveAttribute('aria-expanded', 'true');
  await expect.poll(async () => (await page.getByTestId('panel').boundingBox())!.height).toBeGreaterThan(panelBefore + 150);
  await sheet.click();
  await expect.poll(async () => (await page.getByTestId('map').boundingBox())!.height).toBeGreaterThanOrEqual(844 / 2);

  await page.getByTestId('tab-train').click();
  await mapHalfScreen(page);
  const play = page.getByTestId('train-play');
  await expect(play).toBeEnabled({ timeout: 120_000 });
  await reachable(play);
  await reachable(page.getByTestId('train-step'));
  // The docked charts sit inside the map and start folded on a phone.
  const dock = (await page.getByTestId('train-dock').boundingBox())!;
  const map = (await page.getByTestId('map').boundingBox())!;
  expect(dock.y + dock.height).toBeLessThanOrEqual(map.y + map.height + 1);
  await expect(page.getByTestId('dock-charts-toggle')).toHaveAttribute('aria-expanded', 'false');
  // Unfolded, the dock (probe caption and charts) still covers at most about a third of the map: it scrolls inside.
  await page.getByTestId('dock-charts-toggle').click();
  await expect(page.getByTestId('dock-charts-toggle')).toHaveAttribute('aria-expanded', 'true');
  expect((await page.getByTestId('train-dock').boundingBox())!.height).toBeLessThanOrEqual(map.height * 0.36);
  await page.getByTestId('dock-charts-toggle').click();

  await page.getByTestId('tab-compare').click();
  await mapHalfScreen(page);
  await reachable(page.getByTestId('metrics-table'));
  await expect(page.getByTestId('route-card')).toBeAttached({ timeout: 90_000 });
  await reachable(page.getByTestId('route-card'));
  // The route card sits in the panel here: the map keeps its own key to the route colours.
  const key = page.getByTestId('phone-route-legend');
  await expect(key).toBeVisible();
  await expect(key).toContainText('Real trip');
  const keyBox = (await key.boundingBox())!;
  const mapBox = (await page.getByTestId('map').boundingBox())!;
  expect(keyBox.y).toBeGreaterThanOrEqual(mapBox.y - 1);
  expect(keyBox.y + keyBox.height).toBeLessThanOrEqual(mapBox.y + mapBox.height + 1);
  // One row (with the baselines it scrolls sideways), not two over the top of the map.
  await expect(key).toContainText('Distilled student');
  expect(keyBox.height).toBeLessThanOrEqual(30);
  await reachable(page.getByTestId('od-list').getByTestId('od-row').first());
  // The sheet raised still leaves the map about a third of the screen (it left 190 px).
  await page.getByTestId('sheet-toggle').click();
  await expect.poll(async () => (await page.getByTestId('map').boundingBox())!.height).toBeGreaterThanOrEqual(280);
  await page.getByTestId('sheet-toggle').click();
});

test('phone width: Teach keeps half the screen for the map and its card clear of the title', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?view=teach&backend=wasm');
  await expect(page.getByTestId('teacher-dist')).toBeVisible({ timeout: 240_000 });
  await mapHalfScreen(page);
  const title = (await page.getByRole('heading', { name: 'Distillation, step by step' }).boundingBox())!;
  const card = (await page.getByTestId('dist-card').boundingBox())!;
  const overlap =
    title.x < card.x + card.width && card.x < title.x + title.width && title.y < card.y + card.height && card.y < title.y + title.height;
  expect(overlap).toBe(false);
  await reachable(page.getByTestId('step-slider'));
  await reachable(page.getByTestId('tour-start'));
  await reachable(page.getByTestId('dist-card'));

  // The tour's sheet is opaque, and the step that asks for the λ slider leaves it in view, clear of the sheet.
  await page.getByTestId('tour-start').click();
  const tour = page.getByTestId('tour');
  await expect(tour).toBeVisible();
  expect(await tour.evaluate((el) => getComputedStyle(el).backgroundColor)).toMatch(/^rgb\(/);
  // Text below the sheet's fold has a cue that scrolls it on.
  const body = page.getByTestId('tour-body');
  const overflows = await body.evaluate((el) => el.scrollHeight > el.clientHeight + 2);
  if (overflows) {
    await expect(page.getByTestId('tour-more')).toBeVisible();
    await page.getByTestId('tour-more').click();
    await expect.poll(() => body.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  }
  const clear = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
    a.y + a.height <= b.y + 1 || b.y + b.height <= a.y + 1 || a.x + a.width <= b.x + 1 || b.x + b.width <= a.x + 1;
  for (let i = 1; i < 7; i++) {
    await page.getByTestId('tour-next').click();
    // The steps about the bars (teacher vs student, KL) leave the bars clear of the tour's sheet.
    if (i === 3 || i === 5) {
      await expect(page.getByTestId('tour-step')).toHaveAttribute('data-index', String(i + 1));
      await expect
        .poll(async () => clear((await page.getByTestId('dist-card').boundingBox())!, (await tour.boundingBox())!), { timeout: 10_000 })
        .toBe(true);
    }
  }
  await expect(page.getByTestId('tour-step')).toHaveAttribute('data-index', '7');
  const slider = page.getByTestId('lambda-slider');
  await expect
    .poll(async () => {
      const s = (await slider.boundingBox())!;
      const t = (await tour.boundingBox())!;
      const clear = s.y + s.height <= t.y || t.y + t.height <= s.y;
      return clear && s.y >= 0 && s.y + s.height <= 844;
    })
    .toBe(true);
});
