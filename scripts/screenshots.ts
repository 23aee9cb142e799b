// Takes the README/issue screenshots of the built app (run `npx vite build && npx vite preview
// --port 4173` first): each tour step of the Teach view, the Compare view with an OD pair selected,
// and the Data view. Writes PNGs to docs/screenshots/.
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const base = process.argv[2] ?? 'http://127.0.0.1:4173';
const only = process.argv[3];
const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu'],
});
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
await page.getByTestId('od-row').nth(1).click();
await page.waitForTimeout(8_000);
await shot('compare-view');
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
await browser.close();
