import { test, expect } from '@playwright/test';

// A trip's hover highlight must not stay on the map after the pointer leaves it
// (deck.gl only cleared it on a hover over empty map). The map, once the pointer is back on the
// side panel, is pixel for pixel what it was before the hover. Near the map's right edge the
// tooltip opens to the pointer's left, inside the map.
test('a hover highlight goes when the pointer leaves the map', async ({ page }) => {
  await page.goto('/?view=data');
  await expect(page.getByTestId('trip-count')).toBeVisible({ timeout: 90_000 });
  const map = page.getByTestId('map');
  const box = (await map.boundingBox())!;
  const clip = { x: box.x, y: box.y, width: box.width, height: box.height };
  // Let the roads and trips finish drawing: the roads' mark, then two equal screenshots in a row.
  await page.waitForFunction(() => performance.getEntriesByName('trajdistill:roads-drawn').length > 0, null, { timeout: 90_000 });
  await page.mouse.move(100, 400);
  let before = await page.screenshot({ clip });
  await expect
    .poll(
      async () => {
        const now = await page.screenshot({ clip });
        const same = now.equals(before);
        before = now;
        return same;
      },
      { timeout: 60_000, intervals: [1500] },
    )
    .toBe(true);

  // Sweep the middle of the map until a trip's tooltip shows: a trip is highlighted.
  const tooltip = page.locator('.map-tooltip');
  let hit = false;
  for (let y = box.y + box.height * 0.35; y < box.y + box.height * 0.65 && !hit; y += 7) {
    for (let x = box.x + box.width * 0.35; x < box.x + box.width * 0.65 && !hit; x += 7) {
      await page.mouse.move(x, y);
      await page.waitForTimeout(60);
      hit = await tooltip.isVisible();
    }
  }
  expect(hit).toBe(true);
  await expect.poll(async () => (await page.screenshot({ clip })).equals(before)).toBe(false);
  // Hovered near the map's right edge, the tooltip opens to the pointer's left: nothing of it is clipped.
  let edge = false;
  for (let y = box.y + box.height * 0.25; y < box.y + box.height * 0.75 && !edge; y += 7) {
    for (let x = box.x + box.width - 8; x > box.x + box.width * 0.88 && !edge; x -= 7) {
      await page.mouse.move(x, y);
      await page.waitForTimeout(40);
      edge = await tooltip.isVisible();
    }
  }
  expect(edge).toBe(true);
  const tip = (await tooltip.boundingBox())!;
  expect(tip.x).toBeGreaterThanOrEqual(box.x - 1);
  expect(tip.x + tip.width).toBeLessThanOrEqual(box.x + box.width + 1);

  await page.mouse.move(100, 400);
  await expect(tooltip).toBeHidden();
  await expect.poll(async () => (await page.screenshot({ clip })).equals(before), { timeout: 10_000 }).toBe(true);
});
