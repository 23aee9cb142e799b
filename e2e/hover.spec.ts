import { test, expect } from '@playwright/test';
import { colouredPoints } from './mapPixels';

// A trip's hover highlight must not stay on the map after the pointer leaves it
// (deck.gl only cleared it on a hover over empty map). The map, once the pointer is back on the
// side panel, is pixel for pixel what it was before the hover. Near the map's right edge the
// tooltip opens to the pointer's left, inside the map. The hovers start from an idle map, whose
// deck.gl loop runs at a heartbeat (src/ui/map/idleFrames.ts): a pointer move must wake it to pick.
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
  await expect(map).toHaveAttribute('data-map-loop', 'parked');

  // Hover points of the middle of the map that the screenshot shows inside a trip, until a trip's
  // tooltip shows: a trip is highlighted.
  const tooltip = page.locator('.map-tooltip');
  const hoverUntilTooltip = async (points: { x: number; y: number }[]): Promise<boolean> => {
    for (const pt of points) {
      await page.mouse.move(pt.x, pt.y);
      const shown = await tooltip.waitFor({ state: 'visible', timeout: 3_000 }).then(
        () => true,
        () => false,
      );
      if (shown) return true;
    }
    return false;
  };
  expect(await hoverUntilTooltip(await colouredPoints(page, { x0: 0.35, x1: 0.65, y0: 0.35, y1: 0.65 }, 12))).toBe(true);
  await expect.poll(async () => (await page.screenshot({ clip })).equals(before)).toBe(false);
  // Hovered near the map's right edge, the tooltip opens to the pointer's left: nothing of it is clipped.
  expect(await hoverUntilTooltip(await colouredPoints(page, { x0: 0.88, x1: 1, y0: 0.25, y1: 0.75 }, 12))).toBe(true);
  const tip = (await tooltip.boundingBox())!;
  expect(tip.x).toBeGreaterThanOrEqual(box.x - 1);
  expect(tip.x + tip.width).toBeLessThanOrEqual(box.x + box.width + 1);

  await page.mouse.move(100, 400);
  await expect(tooltip).toBeHidden();
  await expect.poll(async () => (await page.screenshot({ clip })).equals(before), { timeout: 10_000 }).toBe(true);
});
