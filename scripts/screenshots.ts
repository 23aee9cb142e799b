// Takes the README/issue screenshots of the built app (run `npx vite build && npx vite preview
// --port 4173` first): each tour step of the Teach view, the Compare view with an OD pair selected,
// the Data view, the Train view with the shipped distilled student's choices on the map, Teach on
// another road network, the start path of a first visit, and at phone width (390×844) every view,
// the start path and the tour; `routes`: Compare's route baselines on the map and a loaded routes
// file with one of its routes drawn (an OD pair outside the report's sample), at 1440×900 and 390×844;
// `phone-compare`: Compare alone at phone width, the map with the sheet and the sheet pulled up on the answer.
// Writes PNGs to docs/screenshots/.
// `npx tsx scripts/screenshots.ts [base URL] [data|compare|teach|train|other|start|phone|routes|phone-compare]`
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { CHROMIUM_LAUNCH } from '../e2e/chromium';
import { mapPixels } from '../e2e/mapPixels';

const base = process.argv[2] ?? 'http://127.0.0.1:4173';
const only = process.argv[3];
const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });
const browser = await chromium.launch(CHROMIUM_LAUNCH);
const page = await browser.newPage({ viewport: { width: 1400, height: 880 } });
const shot = (name: string) => page.screenshot({ path: `${out}/${name}.png`, type: 'png' });

if (!only || only === 'data') {
  await page.goto(`${base}/?view=data`);
  await page.getByTestId('trip-count').waitFor({ timeout: 90_000 });
  await page.waitForTimeout(12_000);
  await shot('data-view');
}

if (!only || only === 'compare') {
  await page.goto(`${base}/?view=compare`);
  await page.getByTestId('od-row').first().waitFor({ timeout: 90_000 });
  // The view opens on the answer (per city: what ships, better than vanilla, better than the best
  // baseline), with the first differing OD pair on the map; the tables behind the answer and the
  // earlier studies' seed-paired cards follow, collapsed.
  await page.getByTestId('results-card').waitFor({ timeout: 30_000 });
  // Wait until the routes' colours are on the map (at most a minute) rather than a fixed time.
  for (let t = 0; t < 60 && (await mapPixels(page)).coloured < 2_000; t++) await page.waitForTimeout(1_000);
  await page.waitForTimeout(2_000);
  await shot('compare-answer');
  await page.getByTestId('results-tables-block').locator('summary').click();
  await page.getByTestId('results-tables-block').scrollIntoViewIfNeeded();
  await shot('compare-tables');
  await page.getByTestId('results-tables-block').locator('summary').click();
  await page.getByText('Earlier studies, arm by arm').click();
  await page.getByTestId('seed-paired').first().waitFor({ timeout: 30_000 });
  await page.getByTestId('seed-paired').first().scrollIntoViewIfNeeded();
  await shot('compare-seed-paired');
  await page.getByTestId('od-row').nth(1).click();
  await page.waitForTimeout(8_000);
  await shot('compare-view');
}

if (!only || only === 'routes') {
  for (const [suffix, viewport] of [
    ['', { width: 1440, height: 900 }],
    ['-phone', { width: 390, height: 844 }],
  ] as const) {
    const p = await browser.newPage({ viewport });
    await p.goto(`${base}/?view=compare`);
    await p.getByTestId('route-card').waitFor({ timeout: 90_000 });
    await p.getByTestId('toggle-baseline-markov').waitFor({ timeout: 90_000 });
    await p.waitForTimeout(6_000);
    await p.screenshot({ path: `${out}/compare-baselines${suffix}.png`, type: 'png' });
    await p.getByTestId('route-file-input').setInputFiles('e2e/fixtures/route-file/porto-bad-rows-hoser.csv');
    await p.getByTestId('route-file-summary').waitFor({ timeout: 90_000 });
    await p.getByTestId('route-file-list').getByRole('button').first().click();
    // The students' routes for a pair outside the sample are generated in the worker.
    await p.waitForFunction(() => document.querySelector('[data-testid=drawn-routes]')?.getAttribute('data-vanilla') === '1', null, {
      timeout: 240_000,
    });
    await p.waitForTimeout(6_000);
    if (suffix) await p.getByTestId('route-file').scrollIntoViewIfNeeded();
    await p.screenshot({ path: `${out}/compare-route-file${suffix}.png`, type: 'png' });
    await p.close();
  }
}

if (!only || only === 'teach') {
  await page.goto(`${base}/?view=teach&backend=wasm`);
  await page.getByTestId('teacher-dist').waitFor({ timeout: 240_000 });
  await page.getByTestId('tour-start').click();
  for (let i = 1; i <= 12; i++) {
    await page.waitForTimeout(3_500);
    await shot(`teach-tour-${i}`);
    const next = page.getByTestId('tour-next');
    if ((await next.count()) === 0) break;
    await next.click();
  }
}
if (!only || only === 'train') {
  // The shipped distilled student, uploaded as a checkpoint: the map shows a trained student's
  // next-road choices on the probe trip, the charts its validation history.
  await page.goto(`${base}/?view=train&backend=wasm`);
  await page.getByTestId('train-dataset').waitFor({ timeout: 120_000 });
  await page.getByTestId('checkpoint-upload').setInputFiles('public/checkpoints/porto/distilled.safetensors');
  await page.locator('[data-testid=probe-legend]:not([data-step="0"]):not([data-step=""])').waitFor({ timeout: 120_000 });
  await page.waitForTimeout(6_000);
  await shot('train-view');
}

if (!only || only === 'other') {
  await page.goto(`${base}/?view=data`);
  await page.getByTestId('dataset-name').filter({ hasText: 'Porto' }).waitFor({ timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles('e2e/fixtures/grid-town');
  await page.getByTestId('dataset-name').filter({ hasText: 'grid-town' }).waitFor({ timeout: 60_000 });
  await page.getByTestId('tab-teach').click();
  await page.getByTestId('other-network').waitFor();
  await page.waitForTimeout(3_000);
  await shot('teach-other-network');
}

if (!only || only === 'start') {
  // A fresh context: the start path shows only until it is dismissed (localStorage).
  const first = await browser.newPage({ viewport: { width: 1400, height: 880 } });
  await first.goto(`${base}/`);
  await first.getByTestId('start-path').waitFor({ timeout: 90_000 });
  await first.getByTestId('dataset-name').filter({ hasText: 'Porto' }).waitFor({ timeout: 90_000 });
  await first.waitForTimeout(8_000);
  await first.screenshot({ path: `${out}/start-path.png`, type: 'png' });
  await first.close();
}

if (only === 'phone-compare') {
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await phoneContext.newPage();
  await phone.goto(`${base}/?view=compare&backend=wasm`);
  await phone.getByTestId('route-card').waitFor({ timeout: 240_000 });
  await phone.waitForTimeout(8_000);
  await phone.screenshot({ path: `${out}/phone-compare.png`, type: 'png' });
  await phone.getByTestId('sheet-toggle').click();
  await phone.waitForTimeout(1_500);
  await phone.screenshot({ path: `${out}/phone-compare-answer.png`, type: 'png' });
}

if (!only || only === 'phone') {
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await phoneContext.newPage();
  await phone.goto(`${base}/?backend=wasm`);
  await phone.getByTestId('start-path').waitFor({ timeout: 90_000 });
  await phone.waitForTimeout(8_000);
  await phone.screenshot({ path: `${out}/phone-start.png`, type: 'png' });
  await phone.getByTestId('start-tour').click();
  await phone.getByTestId('tour-step').waitFor({ timeout: 240_000 });
  for (let i = 1; i <= 12; i++) {
    await phone.waitForTimeout(3_500);
    await phone.screenshot({ path: `${out}/phone-tour-${i}.png`, type: 'png' });
    const next = phone.getByTestId('tour-next');
    if ((await next.count()) === 0 || (await next.isDisabled())) break;
    await next.click();
  }
  const views: [string, string, number][] = [
    ['data', 'trip-count', 12_000],
    ['train', 'probe-legend', 15_000],
    ['compare', 'route-card', 8_000],
    ['teach', 'teacher-dist', 6_000],
  ];
  for (const [view, ready, settle] of views) {
    await phone.goto(`${base}/?view=${view}&backend=wasm`);
    await phone.getByTestId(ready).waitFor({ timeout: 240_000 });
    await phone.waitForTimeout(settle);
    await phone.screenshot({ path: `${out}/phone-${view}.png`, type: 'png' });
  }
}
await browser.close();
