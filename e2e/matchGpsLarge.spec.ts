// Match GPS on a file large enough to take a while: the app asks what the trips do before it
// replaces anything, shows the bytes matched in the load bar, and Cancel stops the match with the
// dataset on screen unchanged (no error). The file is the committed synthetic GPS sample's three
// traces inside Porto, repeated under new ids (made here, never committed).
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SAMPLE = readFileSync(fileURLToPath(new URL('./fixtures/gps-synthetic.csv', import.meta.url)), 'utf8')
  .trim()
  .split('\n');

function largeGps(copies: number): Buffer {
  const [header, ...rows] = SAMPLE;
  const out = [header];
  for (let k = 0; k < copies; k++) for (const r of rows) out.push(r.replace(/^([^,]+),/, `$1-${k},`));
  return Buffer.from(out.join('\n') + '\n');
}

test('Match GPS asks before replacing, shows progress, and Cancel keeps the dataset on screen', async ({ page }) => {
  await page.goto('/?view=data');
  const count = page.getByTestId('trip-count');
  await expect(count).toBeVisible({ timeout: 90_000 });
  const name = await page.getByTestId('dataset-name').textContent();
  const before = await count.textContent();
  const file = { name: 'many.csv', mimeType: 'text/csv', buffer: largeGps(400) };

  // Asked first; Cancel there does nothing at all.
  await page.getByTestId('match-gps-file').setInputFiles(file);
  const ask = page.getByTestId('match-ask');
  await expect(ask).toContainText('Match many.csv onto the roads of');
  await expect(page.getByTestId('match-ask-own')).toHaveText('Replace the trips on screen');
  await page.getByTestId('match-ask-cancel').click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId('load-progress')).toHaveCount(0);

  // Replace: the bar shows the match under way; Cancel stops it and the dataset stays.
  await page.getByTestId('match-gps-file').setInputFiles(file);
  await page.getByTestId('match-ask-own').click();
  const bar = page.getByTestId('load-progress');
  await expect(bar).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('match-cancel')).toBeVisible();
  await page.getByTestId('match-cancel').click();
  await expect(bar).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('dataset-name')).toHaveText(name!);
  await expect(count).toHaveText(before!);
  await expect(page.getByTestId('match-summary')).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
});
