import { readFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';

// Teaching view on the wasm backend (the models run in the teaching worker; SwiftShader WebGPU
// would be far slower). One page load covers τ, the arrow keys, the URL state and the whole tour.
const entropy = async (page: Page) => Number(await page.getByTestId('teacher-entropy').textContent());

test('teach view: τ softens the teacher, arrow keys scrub steps, the tour runs start to end', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Teach reads only the ship decisions of Compare's reports, not every report Compare opens on.
  const reports: string[] = [];
  page.on('request', (r) => {
    const m = /\/reports\/([^?]+)/.exec(new URL(r.url()).pathname);
    if (m) reports.push(m[1]);
  });

  await page.goto('/?view=teach&backend=wasm&tau=1');
  const dist = page.getByTestId('teacher-dist');
  await expect(dist).toBeVisible({ timeout: 240_000 });
  // The tour's examples were precomputed for the shipped checkpoints (public/checkpoints/porto/
  // telling.json): the view opens on the committed trip, with no search at load.
  const committed = JSON.parse(readFileSync('public/checkpoints/porto/telling.json', 'utf8')) as { telling: { trip: string } };
  await expect(page.getByTestId('tour-start')).toHaveAttribute('data-telling', 'file');
  await expect(page).toHaveURL(new RegExp(`trip=${committed.telling.trip}(&|$)`));
  await expect(page.getByTestId('teach-loading')).toHaveCount(0);

  // One element per candidate; q^τ and p^τ are distributions over the candidates.
  const cands = dist.getByTestId('cand-prob');
  const n = await cands.count();
  expect(n).toBeGreaterThanOrEqual(2);
  let sq = 0;
  let sp = 0;
  for (let i = 0; i < n; i++) {
    sq += Number(await cands.nth(i).getAttribute('data-teacher'));
    sp += Number(await cands.nth(i).getAttribute('data-student'));
  }
  expect(sq).toBeCloseTo(1, 5);
  expect(sp).toBeCloseTo(1, 5);
  await expect(page.getByTestId('kl-value')).toHaveText(/\d/);
  // The λ panel says why moving λ leaves the student's bars alone.
  await expect(page.getByTestId('lambda-fixed')).toContainText('trained with a fixed λ');
  // Porto ships vanilla alone (public/reports/results-val.json): the before / after panel says its distilled student does not ship.
  const portoShip = (
    JSON.parse(readFileSync('public/reports/results-val.json', 'utf8')) as {
      ship: { city: string; distilled: unknown; sentence: string }[];
    }
  ).ship.find((s) => s.city === 'Porto');
  if (portoShip?.distilled === null)
    await expect(page.getByTestId('teach-ships-alone')).toContainText(`does not ship as a route generator (${portoShip.sentence})`);
  else await expect(page.getByTestId('teach-ships-alone')).toHaveCount(0);
  expect(reports).toEqual(['results-val.json']);

  // Raising τ softens the teacher: its entropy rises, instantly (no model call).
  const h1 = await entropy(page);
  await page.getByTestId('tau-slider').fill('6');
  await expect.poll(() => entropy(page)).toBeGreaterThan(h1 + 1e-4);
  await expect(dist).toHaveAttribute('data-tau', '6');
  await expect(page).toHaveURL(/tau=6/);

  // Arrow keys move the step (focus outside any slider first).
  const slider = page.getByTestId('step-slider');
  const k0 = Number(await slider.inputValue());
  const max = Number(await slider.getAttribute('max'));
  await page.getByRole('heading', { name: 'Distillation, step by step' }).click();
  const dir = k0 < max ? 'ArrowRight' : 'ArrowLeft';
  await page.keyboard.press(dir);
  await expect.poll(async () => Number(await slider.inputValue())).toBe(k0 + (dir === 'ArrowRight' ? 1 : -1));
  await page.keyboard.press(dir === 'ArrowRight' ? 'ArrowLeft' : 'ArrowRight');
  await expect.poll(async () => Number(await slider.inputValue())).toBe(k0);
  // The URL's step is 1-based, as the screen shows it; the slider is 0-based.
  await expect(page).toHaveURL(new RegExp(`step=${k0 + 1}(&|$)`));
  await expect(page).toHaveURL(/trip=/);

  // "Telling example" goes through several telling steps: two clicks, two different places.
  const telling = page.getByRole('button', { name: 'Telling example' });
  await expect(telling).toBeEnabled({ timeout: 120_000 });
  const where = async () => `${new URL(page.url()).searchParams.get('trip')}#${new URL(page.url()).searchParams.get('step')}`;
  await telling.click();
  await expect.poll(where).not.toBe('null#null');
  const first = await where();
  await telling.click();
  await expect.poll(where).not.toBe(first);

  // The guided tour, start to end.
  await page.getByTestId('tour-start').click();
  const marker = page.getByTestId('tour-step');
  const trained = (JSON.parse(readFileSync('public/checkpoints/porto/distilled.log.json', 'utf8')) as { hyper: { tau: number } }).hyper.tau;
  for (let i = 1; ; i++) {
    await expect(marker).toHaveAttribute('data-index', String(i));
    // λ's step states the teacher's share at the τ the distilled student was trained with (not the thesis's 4.37).
    if (i === 7)
      await expect
        .poll(async () => Math.abs(Number(await page.getByTestId('teacher-dist').getAttribute('data-tau')) - trained))
        .toBeLessThan(1e-3);
    // "Did it work?" states the drawn pair's committed results, each with a link to where Compare shows it.
    if (i === 8) {
      // The test results are read for this step, once the tour runs (not at start-up, above).
      expect(reports).toContain('results.json');
      await expect(page.getByTestId('tour-claim').first()).toContainText('final recipe + teacher KL − final recipe');
      await expect(page.getByTestId('tour-claim-link')).toHaveCount(await page.getByTestId('tour-claim').count());
    }
    const next = page.getByTestId('tour-next');
    if ((await next.count()) === 0) break;
    await next.click();
    expect(i).toBeLessThan(12);
  }
  expect(Number(await marker.getAttribute('data-index'))).toBeGreaterThanOrEqual(6);
  // The last step made a detour; its score is shown.
  await expect(page.getByTestId('detour-score')).toHaveText(/\d/, { timeout: 60_000 });
  await page.getByTestId('tour-done').click();
  await expect(page.getByTestId('tour')).toHaveCount(0);
  expect(errors).toEqual([]);
});
