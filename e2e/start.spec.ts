import { test, expect, type Locator, type Page } from '@playwright/test';

// The start path on a first visit (what the app is, three ways in), and the guided tour it leads
// to, used at phone width: the tour's buttons stay on screen, the arrow keys page the tour (not the
// trip step) while it is open, Escape closes it.

/** The element at the centre of `el` is `el` itself (or inside it): nothing covers it. */
async function uncovered(page: Page, el: Locator): Promise<void> {
  const b = (await el.boundingBox())!;
  const hit = await el.evaluate((node, [x, y]) => node.contains(document.elementFromPoint(x, y)), [b.x + b.width / 2, b.y + b.height / 2]);
  expect(hit).toBe(true);
}

const urlStep = (page: Page) => new URL(page.url()).searchParams.get('step');

test('first visit: the start path shows once, its actions open Train and Compare, "?" brings it back', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  const start = page.getByTestId('start-path');
  await expect(start).toBeVisible();
  await expect(start.getByRole('heading')).toHaveText('Start here');
  await expect(page.getByTestId('start-tour')).toContainText('Take the tour');
  await expect(page.getByTestId('start-train')).toContainText('Train a student');
  await expect(page.getByTestId('start-compare')).toContainText('Compare routes');
  await page.getByTestId('start-train').click();
  await expect(start).toHaveCount(0);
  await expect(page.getByTestId('tab-train')).toHaveAttribute('aria-current', 'page');
  await expect(page).toHaveURL(/view=train/);

  // Remembered: the plain address no longer shows it; the header's "?" does.
  await page.goto('/');
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await expect(start).toHaveCount(0);
  await page.getByTestId('start-open').click();
  await expect(start).toBeVisible();
  await page.getByTestId('start-compare').click();
  await expect(page.getByTestId('tab-compare')).toHaveAttribute('aria-current', 'page');
  await expect(start).toHaveCount(0);

  // Escape dismisses it too.
  await page.getByTestId('start-open').click();
  await expect(start).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(start).toHaveCount(0);
});

test('a ?view= link opens that view without the start path', async ({ page }) => {
  await page.goto('/?view=data');
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await expect(page.getByTestId('start-path')).toHaveCount(0);
});

test.describe('phone width', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('"Take the tour" opens Teach with the tour; its buttons fit, arrows page it, Escape closes it', async ({ page }) => {
    test.setTimeout(300_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/?backend=wasm');
    const start = page.getByTestId('start-path');
    await expect(start).toBeVisible();
    for (const id of ['start-tour', 'start-train', 'start-compare']) {
      await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 });
      await uncovered(page, page.getByTestId(id));
    }
    await page.getByTestId('start-tour').click();
    await expect(page.getByTestId('tab-teach')).toHaveAttribute('aria-current', 'page');

    const tour = page.getByTestId('tour');
    const marker = page.getByTestId('tour-step');
    await expect(marker).toHaveAttribute('data-index', '1', { timeout: 240_000 });
    const card = (await tour.boundingBox())!;
    expect(card.x).toBeGreaterThanOrEqual(0);
    expect(card.x + card.width).toBeLessThanOrEqual(390);
    expect(card.y + card.height).toBeLessThanOrEqual(844);
    const next = page.getByTestId('tour-next');
    await expect(next).toBeInViewport({ ratio: 1 });
    await uncovered(page, next);
    await next.click();
    await expect(marker).toHaveAttribute('data-index', '2');

    // The step the trip is at stays put while the arrow keys page the tour.
    await expect.poll(() => urlStep(page)).not.toBeNull();
    const step = urlStep(page);
    await page.keyboard.press('ArrowRight');
    await expect(marker).toHaveAttribute('data-index', '3');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect(marker).toHaveAttribute('data-index', '1');
    expect(urlStep(page)).toBe(step);
    await expect(page).toHaveURL(/tour=1/);

    // Every step keeps Back and Next on screen, however long its text.
    for (let i = 1; i < 12; i++) {
      const more = page.getByTestId('tour-next');
      if ((await more.count()) === 0) break;
      await expect(more).toBeInViewport({ ratio: 1 });
      await expect(page.getByTestId('tour-prev')).toBeInViewport({ ratio: 1 });
      await page.keyboard.press('ArrowRight');
      await expect(marker).toHaveAttribute('data-index', String(i + 1));
    }
    await expect(page.getByTestId('tour-done')).toBeInViewport({ ratio: 1 });

    // Escape closes the tour; then the arrow keys move the trip step again.
    await page.keyboard.press('Escape');
    await expect(tour).toHaveCount(0);
    const slider = page.getByTestId('step-slider');
    const k0 = Number(await slider.inputValue());
    const dir = k0 > 0 ? 'ArrowLeft' : 'ArrowRight';
    await page.keyboard.press(dir);
    await expect.poll(async () => Number(await slider.inputValue())).toBe(k0 + (dir === 'ArrowRight' ? 1 : -1));
    expect(errors).toEqual([]);
  });
});
