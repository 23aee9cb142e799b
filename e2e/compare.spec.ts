import { expect, test } from '@playwright/test';

// The comparison view opens on the committed report (public/reports/): the seed-paired verdicts
// under one rule, the single pair's table with none, and a click on an OD pair draws the real trip
// and both students' routes.
test('compare view: metrics table, then an OD pair draws real, vanilla and distilled routes', async ({ page }) => {
  await page.goto('/?view=compare');
  // It opens on the answer (public/reports/results.json): per city, three questions answered in a
  // line each (e2e/compareAnswer.spec.ts checks their words against their intervals); the tables
  // behind it, the one-pair table and the earlier studies follow, collapsed.
  const answer = page.getByTestId('results-card');
  await expect(answer).toBeVisible();
  const porto = answer.locator('[data-testid="results-city"][data-city="Porto"]');
  await expect(porto.getByTestId('answer-ships')).toContainText(/^\s*Vanilla student alone: /);
  await expect(answer.locator('[data-testid="results-city"][data-city="San Francisco"]').getByTestId('answer-ships')).toContainText(
    'alone: ',
  );
  // In that order: the app's question (distilled against vanilla), what ships, better than the best baseline.
  const order = await porto.evaluate((city) =>
    ['answer-vs-vanilla', 'answer-ships', 'answer-vs-baseline'].map((id) => {
      const el = city.querySelector(`[data-testid="${id}"]`);
      return el ? Array.from(city.querySelectorAll('*')).indexOf(el) : -1;
    }),
  );
  expect(order.every((x, i) => x >= 0 && (i === 0 || x > order[i - 1]))).toBe(true);
  // The tables are collapsed until asked for; then baselines, vanilla, arms and controls, values apart from differences.
  const tables = page.getByTestId('results-tables-block');
  await expect(tables.getByTestId('results-values').first()).toBeHidden();
  await tables.locator('summary').click();
  const portoTables = tables.locator('[data-testid="results-table-city"][data-city="Porto"]');
  await expect(portoTables.locator('[data-testid="results-row"][data-kind="baseline"]')).toHaveCount(5);
  await expect(portoTables.locator('[data-testid="results-row"][data-kind="vanilla"]')).toHaveCount(1);
  await expect(
    tables
      .locator('[data-testid="results-table-city"][data-city="Porto, the first students (the train trips alone)"]')
      .getByTestId('results-differences'),
  ).toContainText('teacher − uniform');

  await expect(page.getByTestId('metrics-table')).toBeVisible();
  await expect(page.getByTestId('metrics-table').locator('td[data-better="true"]').first()).toBeVisible();

  // The earlier studies' seed-paired effects (public/reports/distillation.json) follow, collapsed,
  // each regime with its test decision-step rows and a verdict.
  await page.getByText('Earlier studies, arm by arm').click();
  // The region-transfer card is collapsed too.
  await page.getByTestId('transfer-summary').locator('summary').first().click();
  await expect(page.getByTestId('seed-paired').first()).toBeVisible();
  const regimes = page.getByTestId('seed-regime');
  expect(await regimes.count()).toBeGreaterThanOrEqual(1);
  // Every regime names its city (the summary holds Porto's and, as they finish, San Francisco's).
  await expect(page.getByTestId('regime-city')).toHaveCount(await regimes.count());
  await expect(regimes.first().getByTestId('regime-city')).toHaveText('Porto');
  await expect(regimes.first().locator('tr[data-metric="decisionNll"]')).toHaveCount(1);
  await expect(regimes.first().getByTestId('seed-verdict')).toContainText(/Teacher-forced: (helps|hurts|no detectable effect)/);

  // One rule. Every metric row carries exactly one label, from its interval.
  for (const regime of await regimes.all()) {
    const n = await regime.locator('tr[data-metric]').count();
    expect(n).toBeGreaterThanOrEqual(2);
    const labels = await regime.getByTestId('metric-verdict').allInnerTexts();
    expect(labels).toHaveLength(n);
    for (const l of labels) expect(l.trim()).toMatch(/^(helps|hurts|no detectable effect)$/);
  }
  // A group never votes: it names the metrics that help and those that hurt, "mixed" when both
  // occur, primary generation metrics (reached, DTW) first. Trained to the end (arm a): nothing
  // either way. The earlier capped full-data runs: accuracy helps, routes hurt.
  const armA = page.locator('[data-testid="seed-regime"][data-label^="Arm a"]');
  await expect(armA.locator('[data-testid="group-summary"][data-group="regime"]')).toHaveAttribute('data-verdict', 'no detectable effect');
  const full = page.locator('[data-testid="seed-regime"][data-label="Earlier: full data, 4-epoch cap, beam 4"]');
  const overall = full.locator('[data-testid="group-summary"][data-group="regime"]');
  await expect(overall).toHaveAttribute('data-verdict', 'mixed');
  await expect(overall).toContainText('All test metrics: mixed — helps: accuracy · hurts: reached, DTW, EDR');
  await expect(full.locator('[data-testid="group-summary"][data-group="steps"]')).toHaveText(/Teacher-forced: helps — helps: accuracy$/);
  await expect(full.locator('[data-testid="group-summary"][data-group="generation"]')).toContainText(
    'Generation: hurts — hurts: reached, DTW, EDR',
  );
  await expect(full.locator('tr[data-primary="true"]')).toHaveCount(2);
  for (const g of await page.getByTestId('group-summary').all()) {
    const text = await g.innerText();
    const v = await g.getAttribute('data-verdict');
    if (/helps: /.test(text) && /hurts: /.test(text)) expect(v).toBe('mixed');
    if (v === 'no detectable effect') expect(text).not.toMatch(/helps: |hurts: /);
  }

  // The distillation card's columns are vanilla and distilled; the region-transfer card
  // (public/reports/sf-transfer.json) names its own arms and its city.
  await expect(page.getByTestId('seed-paired').first().getByTestId('arm-base').first()).toHaveText('vanilla');
  const transfer = page.getByTestId('transfer-summary');
  await expect(transfer).toBeVisible();
  const shares = transfer.getByTestId('seed-regime');
  expect(await shares.count()).toBeGreaterThanOrEqual(2);
  await expect(shares.first().getByTestId('regime-city')).toHaveText('San Francisco');
  await expect(shares.first().getByTestId('arm-base')).toHaveText('scratch');
  await expect(shares.first().getByTestId('arm-treated')).toHaveText('transfer');
  await expect(transfer).toContainText('Each difference is the mean over training seeds of transfer − scratch');

  // The single pair's table is labelled as one pair, with no verdict of its own (no headline and
  // no count of metrics won); the better value of each row is still marked.
  const onePair = page.getByTestId('one-pair');
  await expect(onePair).toContainText('one vanilla and one distilled checkpoint, spread over OD-sampling seeds, not training seeds');
  await expect(onePair).toContainText('No verdict on distillation here');
  // The pair names its recipe and teacher; DTW per km stands beside summed DTW.
  await expect(page.getByTestId('one-pair-recipe')).toContainText(/Distilled with λ 0\.\d+, τ [\d.]+, w \d+/);
  await expect(page.getByTestId('one-pair-recipe')).toContainText(/teacher: the (converged )?LM-TAD teacher/);
  await expect(page.getByTestId('one-pair-recipe')).toContainText(/Both students trained on the train trips/);
  const table = page.getByTestId('metrics-table');
  await expect(table.locator('tr[data-metric="dtwKm"]')).toHaveCount(1);
  await expect(table.locator('tr[data-metric="dtwPerKm"]')).toContainText(/DTW per km[\s\S]*\d\.\d{3}/);
  await expect(page.getByTestId('verdict')).toHaveCount(0);
  await expect(page.getByText(/distillation (helped|did not help|had no clear effect)|better on \d+\/\d+/i)).toHaveCount(0);
  await expect(page.getByText(/Distilled better on \d+ of \d+ metrics/)).toHaveCount(0);
  // The view opens on an OD pair and says how many pairs' routes differ.
  await expect(page.getByTestId('route-card')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('od-differ')).toContainText(/differ on \d+ of \d+ OD pairs/);
  // It opens on a test pair (the answer's figures are test figures); every row carries its own split.
  await expect(page.getByTestId('route-card').locator('.badge').first()).toHaveText('Test OD');
  const list = page.getByTestId('od-list');
  await expect(list.locator('[data-testid="od-row"][aria-selected="true"] [data-testid="od-split"]')).toHaveText('TE');
  await page.getByTestId('od-filter-train').click();
  expect(new Set(await list.getByTestId('od-split').allInnerTexts())).toEqual(new Set(['TR']));
  await page.getByTestId('od-filter-all').click();

  const rows = page.getByTestId('od-list').getByTestId('od-row');
  await expect(rows.first()).toBeVisible();
  await rows.first().click();
  await expect(page.getByTestId('od-dtw-per-km').first()).toHaveText(/^\d+\.\d\d\/km$/);
  await expect(page.getByTestId('route-legend')).toContainText(/per km/);

  await expect(page.getByTestId('route-legend')).toBeVisible();
  // Coinciding routes stay visible: widths step down in drawing order (real, vanilla, distilled),
  // and the legend's swatches show the same steps (the baselines' thin lines apart).
  const swatches = await page
    .getByTestId('route-legend')
    .locator('.sw:not(.baseline)')
    .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
  expect(swatches).toHaveLength(3);
  expect(swatches[0]).toBeGreaterThan(swatches[1]);
  expect(swatches[1]).toBeGreaterThan(swatches[2]);
  const drawn = page.getByTestId('drawn-routes');
  // Counters appear once the road network has loaded and the paths are built.
  await expect.poll(async () => Number(await drawn.getAttribute('data-vanilla'))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-distilled'))).toBeGreaterThanOrEqual(1);
  await expect.poll(async () => Number(await drawn.getAttribute('data-real'))).toBeGreaterThanOrEqual(1);

  // A toggle hides a layer and its counter drops to zero.
  await page.getByTestId('toggle-vanilla').uncheck();
  await expect(drawn).toHaveAttribute('data-vanilla', '0');
});

// A page at a path of "//" (a doubled slash in a pasted link): the URL the views write back stays a
// same-origin URL (a path-only "//?view=…" would read as protocol-relative and throw), so the map draws.
test('compare view at a doubled-slash path: selecting an OD pair keeps the URL and draws', async ({ page, baseURL }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${baseURL}//?view=compare`);
  await page.getByTestId('od-row').nth(1).click();
  await expect(page).toHaveURL(/\/\/\?view=compare&od=\d+$/);
  await expect(page.getByTestId('route-card')).toBeVisible();
  expect(errors).toEqual([]);
});

// A set too big to draw trip by trip (here Porto with the limits lowered to 50) leaves most real trips
// off the page: the data worker, which holds them all, sends the selected pair's, and the map draws it.
test('compare view on a sampled set: a real trip outside the page sample is drawn all the same', async ({ page }) => {
  await page.goto('/?view=compare&backend=wasm&bigAbove=50');
  await page.getByTestId('od-row').first().waitFor({ timeout: 90_000 });
  const drawn = page.getByTestId('drawn-routes');
  await expect.poll(async () => Number(await drawn.getAttribute('data-real')), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('real-missing')).toHaveCount(0);
  await expect(page.getByTestId('route-legend')).not.toContainText('not in the drawn sample');
});
