import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gridTownGps } from './fixtures/gridTownGps';

// Bad input never locks the app: a random file opened as a dataset or as GPS traces is named as
// binary and every control works again at once (good traces then match onto Porto, added to its
// trips or as a set of their own); a truncated checkpoint's error shows where the user looks. A
// network without trips says so in the Train view, and GPS traces matched onto it become its
// training set. An unreadable results file is named in Compare, and the other one is still read.
const GRID = fileURLToPath(new URL('./fixtures/grid-town/', import.meta.url));
const GPS_SAMPLE = fileURLToPath(new URL('./fixtures/gps-synthetic.csv', import.meta.url));
const CHECKPOINT = fileURLToPath(new URL('../public/checkpoints/porto/vanilla.safetensors', import.meta.url));

/** 2 KB of seeded random bytes. */
function noise(seed: number): Buffer {
  const b = Buffer.alloc(2048);
  let x = seed;
  for (let i = 0; i < b.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

async function expectUsable(page: Page): Promise<void> {
  await expect(page.getByTestId('load-progress')).toHaveCount(0, { timeout: 5_000 });
  for (const name of ['Open dataset…', 'Folder…']) await expect(page.getByRole('button', { name, exact: true })).toBeEnabled();
  await expect(page.getByTestId('match-gps')).toBeEnabled();
  await expect(page.getByTestId('sim-run')).toBeEnabled();
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto');
}

test('a random file as a dataset or as GPS traces: a specific error, and every control works again', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=data&backend=wasm');
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });

  const failure = page.getByTestId('dataset-errors');
  await page.getByTestId('open-files').setInputFiles({ name: 'noise.bin', mimeType: 'application/octet-stream', buffer: noise(5) });
  await expect(failure).toContainText('No HOSER dataset file among noise.bin: pick roadmap.geo and roadmap.rel', { timeout: 10_000 });
  await expectUsable(page);

  await page.getByTestId('open-files').setInputFiles({ name: 'roadmap.geo', mimeType: 'application/octet-stream', buffer: noise(7) });
  await expect(failure).toContainText('roadmap.geo:1: (file): this is not a text CSV file (looks binary)', { timeout: 10_000 });
  await expectUsable(page);
  await expect(failure).toContainText('Still showing “Porto”');
  await page.getByRole('button', { name: 'Dismiss errors' }).click();
  await expect(failure).toHaveCount(0);

  await page.getByTestId('match-gps-file').setInputFiles({ name: 'noise.csv', mimeType: 'text/csv', buffer: noise(11) });
  await page.getByTestId('match-ask-own').click();
  await expect(failure).toContainText('noise.csv:1: (file): this is not a text CSV file (looks binary)', { timeout: 10_000 });
  await expectUsable(page);
  // No byte of the file reaches the screen: only the message's own text.
  expect([...(await failure.textContent())!].filter((c) => c < '\t' || c === '\ufffd')).toEqual([]);

  // Good traces onto Porto: added to its trips (split against its splits), or a set of their own.
  const count = page.getByTestId('trip-count');
  const before = Number(await count.textContent());
  await page.getByTestId('match-use-add').click();
  await page.getByTestId('match-gps-file').setInputFiles(GPS_SAMPLE);
  await page.getByTestId('match-ask-add').click();
  const set = page.getByTestId('match-set');
  await expect(set).toHaveText(
    /^Training set: the [\d,]+ trips of Porto \+ 3 matched trips \(\d+\/\d+\/\d+\), split OD-disjointly against the splits of Porto\.$/,
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto + gps-synthetic.csv');
  await expect(count).toHaveText(String(before + 3));
  await page.getByTestId('match-use-own').click();
  await expect(set).toHaveText(/^Training set: 3 matched trips \(\d+\/\d+\/\d+\), OD-disjoint split\.$/, { timeout: 60_000 });
  await expect(page.getByTestId('dataset-name')).toHaveText('gps-synthetic.csv matched on Porto');
  await expect(count).toHaveText('3');
  expect(errors).toEqual([]);
});

test('GPS rows cut short lose only themselves: 20 rows, 2 truncated, every intact row kept and the two named by line; rows dropped at matching are listed by line too', async ({
  page,
}) => {
  await page.goto('/?view=data&backend=wasm');
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  // The fixture's three traces inside Porto's network, as 20 rows with their own ids; rows 5 and 12
  // (lines 7 and 14) cut short inside their quoted POLYLINE, as an interrupted download leaves them.
  const [header, ...rows] = readFileSync(GPS_SAMPLE, 'utf8').trim().split('\n');
  const inside = rows.filter((r) => r.startsWith('SYN-1372'));
  const lines = Array.from({ length: 20 }, (_, k) => inside[k % inside.length].replace(/^SYN-[^,]+/, `ROW-${k}`));
  lines[5] = lines[5].slice(0, 120);
  lines[12] = lines[12].slice(0, 200);
  // Two rows read but dropped at matching (lines 22 and 23): a trace outside Porto, and the first
  // two fixes of a trip, too few roads.
  const far = rows.find((r) => r.startsWith('SYN-far'))!.replace(/^SYN-far/, 'ROW-far');
  const [id, start, missing] = inside[0].split(',');
  const firstTwo = (JSON.parse(/"(\[\[.*\]\])"/.exec(inside[0])![1]) as number[][]).slice(0, 2);
  const short = [id.replace(/^SYN-[^,]+/, 'ROW-short'), start, missing, `"${JSON.stringify(firstTwo)}"`].join(',');
  const buffer = Buffer.from([header, ...lines, far, short].join('\n') + '\n');
  await page.getByTestId('match-use-own').click();
  await page.getByTestId('match-gps-file').setInputFiles({ name: 'cut.csv', mimeType: 'text/csv', buffer });
  await page.getByTestId('match-ask-own').click();
  const summary = page.getByTestId('match-summary');
  await expect(summary).toContainText('22 trips read, 19 inside the network, 18 kept', { timeout: 90_000 });
  await expect(summary).toContainText(
    "1 not inside the network's area, 1 fewer than 5 roads matched, 2 unreadable (row cut short (a quote is never closed))",
  );
  const problems = page.getByTestId('match-problems');
  await problems.locator('summary').click();
  await expect(problems.locator('li')).toHaveText([
    'cut.csv:7: (row): row cut short (a quote is never closed)',
    'cut.csv:14: (row): row cut short (a quote is never closed)',
  ]);
  // The traces dropped at matching are listed too, each at its line with its reason, as data match prints them.
  const dropped = page.getByTestId('match-dropped');
  await dropped.locator('summary').click();
  await expect(dropped.locator('li')).toHaveText([
    "cut.csv:22: trace ROW-far: not inside the network's area",
    'cut.csv:23: trace ROW-short: fewer than 5 roads matched',
  ]);
});

test('a truncated checkpoint upload shows its error in view', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=train&backend=wasm');
  await expect(page.getByTestId('train-play')).toBeEnabled({ timeout: 150_000 });
  const truncated = readFileSync(CHECKPOINT).subarray(0, 200_000);
  await page
    .getByTestId('checkpoint-upload')
    .setInputFiles({ name: 'cut.safetensors', mimeType: 'application/octet-stream', buffer: truncated });
  const notice = page.getByTestId('train-notice');
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await expect(notice).toBeInViewport();
  // Specific: it names what is wrong with the file, not only that loading failed.
  await expect(notice).toContainText(/safetensors file is truncated: tensor \S+ ends at \d+, data holds \d+ bytes/);
});

test('a network without trips: Train says so; matched GPS traces become its training set', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?view=data&backend=wasm');
  const name = page.getByTestId('dataset-name');
  await expect(name).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-files').setInputFiles([`${GRID}roadmap.geo`, `${GRID}roadmap.rel`]);
  await expect(name).toHaveText('2 local files', { timeout: 60_000 });

  await page.getByTestId('tab-train').click();
  const why = page.getByTestId('train-start-error');
  await expect(why).toContainText('2 local files has no training trips: match GPS traces onto it', { timeout: 60_000 });
  await expect(page.getByTestId('train-dock')).toContainText('has no training trips');
  await expect(page.getByText('Starting the training worker…')).toHaveCount(0);
  // No stale runtime line and no bare toast beside the reason.
  await expect(page.getByTestId('train-progress')).toHaveCount(0);
  await expect(page.getByText('initialisation failed')).toHaveCount(0);
  await expect(page.getByTestId('train-play')).toBeDisabled();

  await page.getByTestId('tab-data').click();
  await page.getByTestId('match-use-own').click();
  await page
    .getByTestId('match-gps-file')
    .setInputFiles({ name: 'grid-gps.csv', mimeType: 'text/csv', buffer: Buffer.from(gridTownGps(30)) });
  await page.getByTestId('match-ask-own').click();
  const set = page.getByTestId('match-set');
  await expect(set).toHaveText(/^Training set: 30 matched trips \(\d+\/\d+\/\d+\), OD-disjoint split\.$/, { timeout: 60_000 });
  const [train] = (await set.textContent())!.match(/\((\d+)\//)!.slice(1);
  await expect(name).toHaveText('grid-gps.csv matched on 2 local files');

  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-dataset')).toContainText(`grid-gps.csv matched on 2 local files: ${train} train`, {
    timeout: 120_000,
  });
  await expect(why).toHaveCount(0);
  const count = page.getByTestId('train-step-count');
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 60_000 });
});

test('an unreadable results file is named, and the other results file is still read', async ({ page }) => {
  const breakFile = (file: string) =>
    page.route(`**/reports/${file}*`, (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"cut short' }));
  // The test tables unreadable: the val file (which holds the ship decisions) is read all the same,
  // and its own error is named beside the first.
  await breakFile('results.json');
  await breakFile('results-val.json');
  await page.goto('/?view=compare');
  const error = page.getByTestId('results-error');
  await expect(error).toContainText('reports/results.json');
  await expect(error).toContainText('reports/results-val.json');
  await expect(page.getByTestId('results-card')).toHaveCount(0);
  // Only the val file unreadable: the answer still shows, and the missing ship decisions are named.
  await page.unroute('**/reports/results.json*');
  await page.reload();
  await expect(page.getByTestId('results-card')).toBeVisible();
  await expect(error).toContainText('reports/results-val.json');
  await expect(error).not.toContainText('reports/results.json:');
});
