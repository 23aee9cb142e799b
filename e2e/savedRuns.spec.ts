import { test, expect, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// A saved run is never overwritten without a word. A run saved while training is offered, by name,
// in the main controls after a reload; Resume brings back its step, epoch readout and charts and
// goes on training. Starting fresh over a saved run asks first; afterwards both runs are listed,
// newest first, and the old one still resumes at its step. Tiny steps on wasm.
const URL = '/?view=train&backend=wasm&mode=vanilla&batch=2&epochs=3&maxLen=16&lr=0.002';

const stepOf = async (page: Page): Promise<number> => Number(await page.getByTestId('train-step-count').textContent());

test('saved runs: resumed as they were, from the main controls; a new run asks first and keeps the old one', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A reload mid-run asks "leave the page?" first: leave.
  page.on('dialog', (d) => void d.accept());
  const count = page.getByTestId('train-step-count');
  const state = page.locator('.state');
  await page.goto(URL);
  await expect(page.getByTestId('train-play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('resume-offer')).toHaveCount(0);

  // A run is saved after its first step, while it trains, under a name of its own.
  await page.getByTestId('train-play').click();
  const saved = page.getByTestId('resume-offer');
  await expect(saved).toContainText('Saved student run: epoch 1 of 3, step', { timeout: 60_000 });
  await expect(page.getByTestId('current-run-name')).toHaveText(/^Vanilla student · \d{4}-\d\d-\d\d \d\d:\d\d$/);
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);

  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toContainText('Saved student run: epoch 1 of 3, step', { timeout: 120_000 });
  await expect(offer).toContainText('it was training');
  await expect(page.getByTestId('offer-name')).toHaveText(/^Vanilla student · /);
  await expect(count).toHaveText('0');
  const savedStep = Number(/step (\d+)/.exec((await offer.textContent()) ?? '')?.[1]);
  expect(savedStep).toBeGreaterThanOrEqual(1);
  await offer.getByRole('button', { name: 'Resume' }).click();
  // It goes on training from its step, with its readouts and charts back.
  await expect(state).toHaveText('running', { timeout: 60_000 });
  expect(await stepOf(page)).toBeGreaterThanOrEqual(savedStep);
  await expect(page.getByTestId('train-epoch')).toHaveText('1/3');
  await expect(page.getByTestId('train-loss')).not.toHaveText('–');
  expect(Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(savedStep);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-play')).toBeVisible({ timeout: 60_000 });
  // Pause shows at once and takes effect after the step in flight, whose readout and autosave come
  // a moment later (CI saw "step 4" on screen and "step 5" saved): wait until the two agree.
  const savedStepOf = async (): Promise<number> => Number(/step (\d+)/.exec((await saved.textContent()) ?? '')?.[1]);
  await expect.poll(async () => (await savedStepOf()) === (await stepOf(page)), { timeout: 30_000 }).toBe(true);
  const oldStep = await stepOf(page);
  await expect(saved).toContainText(`step ${oldStep}`);

  // Renamed in the list (the name is the run's own, kept by later saves).
  const rows = page.getByTestId('saved-run');
  await expect(rows).toHaveCount(1);
  await rows.first().getByTestId('saved-rename').click();
  await rows.first().getByTestId('saved-name-input').fill('first run');
  await rows.first().getByTestId('saved-name-input').press('Enter');
  await expect(rows.first().getByTestId('saved-run-name')).toHaveText('first run');

  // A new run over a saved one asks first, then keeps the old run.
  await page.reload();
  await expect(offer).toContainText(`step ${oldStep}`, { timeout: 120_000 });
  await expect(page.getByTestId('offer-name')).toHaveText('first run');
  await expect(offer).not.toContainText('it was training');
  await page.getByTestId('train-step').click();
  await expect(page.getByTestId('fresh-confirm')).toContainText('“first run” stays saved');
  await expect(count).toHaveText('0');
  await page.getByTestId('fresh-start').click();
  await expect(count).toHaveText('1', { timeout: 60_000 });
  await expect(rows).toHaveCount(2, { timeout: 30_000 });
  await expect(rows.nth(0)).toContainText('step 1');
  await expect(rows.nth(0).getByTestId('saved-run-name')).toHaveText(/^Vanilla student · /);
  await expect(rows.nth(1).getByTestId('saved-run-name')).toHaveText('first run');
  await expect(rows.nth(1)).toContainText(`step ${oldStep}`);

  // Each saved run downloads as a checkpoint file.
  const [download] = await Promise.all([page.waitForEvent('download'), rows.nth(1).getByTestId('saved-download').click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^student-vanilla-[0-9a-f]{8}-s${oldStep}\\.safetensors$`));

  // The old run resumes at its step (paused, as it was saved), the new one stays listed.
  await rows.nth(1).getByTestId('saved-resume').click();
  await expect(count).toHaveText(String(oldStep), { timeout: 60_000 });
  await expect(state).toHaveText('paused');
  await expect(page.getByTestId('current-run-name')).toHaveText('first run');
  await expect(rows).toHaveCount(2);

  // Deleting asks once more; the other run stays.
  const fresh = rows.nth(0);
  await fresh.getByTestId('saved-delete').click();
  await fresh.getByTestId('saved-delete-confirm').click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByTestId('saved-run-name')).toHaveText('first run');
  expect(errors).toEqual([]);
});

// A run saved by an earlier version (one autosave per kind and network, under
// trajdistill:ckpt:<kind>:<fingerprint>) becomes the first entry of the list, and resumes.
test('the single autosave of earlier versions is kept as a saved run', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(URL);
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  // The network's fingerprint is in the derived-structure cache's keys; the shipped vanilla
  // student stands in for the earlier version's autosave, at the epoch and step its log records.
  const run = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, no) => {
      const r = indexedDB.open('keyval-store');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const keys = await new Promise<IDBValidKey[]>((ok) => {
      const r = db.transaction('keyval').objectStore('keyval').getAllKeys();
      r.onsuccess = () => ok(r.result);
    });
    const fp = keys
      .map(String)
      .map((k) => /^trajdistill:derived:v\d+:([^:]+):/.exec(k)?.[1])
      .find(Boolean);
    if (!fp) throw new Error(`no fingerprint among ${keys.join(', ')}`);
    const bytes = await (await fetch('checkpoints/porto/vanilla.safetensors')).arrayBuffer();
    type Log = { epochs: { step: number; valNllDecision: number }[]; hyper: { epochs: number }; bestEpoch: number };
    const log = (await (await fetch('checkpoints/porto/vanilla.log.json')).json()) as Log;
    const distilledLog = (await (await fetch('checkpoints/porto/distilled.log.json')).json()) as Log;
    const epoch = log.epochs.length;
    const step = log.epochs[epoch - 1].step;
    const key = `trajdistill:ckpt:student:${fp}`;
    const info = {
      key,
      epoch,
      step,
      created: '2026-11-20T08:00:00.000Z',
      hyper: { mode: 'vanilla' },
      bestValAcc: 0.909,
      bytes: bytes.byteLength,
    };
    await new Promise<void>((ok, no) => {
      const tx = db.transaction('keyval', 'readwrite');
      tx.objectStore('keyval').put({ info, bytes }, info.key);
      tx.oncomplete = () => ok();
      tx.onerror = () => no(tx.error);
    });
    return {
      epoch,
      step,
      epochs: log.hyper.epochs,
      lastNll: log.epochs[epoch - 1].valNllDecision,
      shippedNll: [log.epochs[log.bestEpoch].valNllDecision, distilledLog.epochs[distilledLog.bestEpoch].valNllDecision],
    };
  });
  await page.reload();
  // Epochs as the Train view counts them everywhere (savedRunText.ts epochLabel): the epoch the run is in, of its total.
  const at = run.epoch >= run.epochs ? `epoch ${run.epochs} of ${run.epochs}, finished` : `epoch ${run.epoch + 1} of ${run.epochs}`;
  const offer = page.getByTestId('resume-offer');
  // The earlier versions' autosave recorded no epoch total, so its offer counts the epoch alone.
  await expect(offer).toContainText(`Saved student run: epoch ${run.epoch + 1}, step ${run.step} · best val acc 90.9% (all steps)`, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('offer-name')).toHaveText(/^Vanilla student · 2026-11-2\d /);
  await expect(page.getByTestId('saved-run')).toHaveCount(1);
  await offer.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('train-notice')).toContainText(`Loaded saved student run: ${at}, step ${run.step}`, {
    timeout: 60_000,
  });
  // No chart history was saved with it: the charts show its epochs, the readouts its position.
  await expect(page.getByTestId('train-step-count')).toHaveText(String(run.step));
  await expect(page.getByTestId('train-epoch')).toHaveText(`${Math.min(run.epochs, run.epoch + 1)}/${run.epochs}`);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(run.epoch));
  await expect(page.getByTestId('train-loss')).not.toHaveText('–');
  // The decision NLL chart: the run's val decision NLL at every epoch (its legend at the last),
  // beside the shipped vanilla and distilled students' (their logs' best epochs) as reference lines.
  const nll = page.getByTestId('nll-chart');
  await expect(nll).toHaveAttribute('data-points', String(run.epoch));
  await expect(nll).toHaveAttribute('data-nonzero', String(run.epoch));
  await expect(nll).toContainText('Decision NLL on val');
  await expect(nll).toContainText('shipped vanilla');
  await expect(nll).toContainText('shipped distilled');
  await expect(nll.locator('.u-legend')).toContainText(run.lastNll.toFixed(4));
  for (const v of run.shippedNll) await expect(nll.locator('.u-legend')).toContainText(v.toFixed(4));
});

// Datasets can share a road network (GPS traces matched onto Porto's roads): a run trained on the
// matched trips is listed on Porto with its dataset, and Porto's Train view does not offer it.
test('a run of another dataset on the same network is listed with its dataset, never offered for resuming', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => void d.accept());
  await page.goto('/?view=data&backend=wasm');
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('match-use-own').click();
  await page
    .getByTestId('match-gps-file')
    .setInputFiles(fileURLToPath(new globalThis.URL('./fixtures/gps-synthetic.csv', import.meta.url)));
  await page.getByTestId('match-ask-own').click();
  await expect(page.getByTestId('dataset-name')).toHaveText('gps-synthetic.csv matched on Porto', { timeout: 90_000 });
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('train-step').click();
  await expect(page.getByTestId('resume-offer')).toContainText('Saved student run', { timeout: 60_000 });

  // Back on Porto (a fresh page opens on it): the matched run is listed with its dataset, not offered.
  await page.goto('/?view=train&backend=wasm');
  await expect(page.getByTestId('train-play')).toBeEnabled({ timeout: 120_000 });
  const rows = page.getByTestId('saved-run');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('gps-synthetic.csv matched on Porto');
  await expect(rows.first().getByTestId('saved-other-dataset')).toHaveText(
    'trained on gps-synthetic.csv matched on Porto: open it to resume',
  );
  await expect(rows.first().getByTestId('saved-resume')).toHaveCount(0);
  await expect(page.getByTestId('offer-resume')).toHaveCount(0);
  expect(errors).toEqual([]);
});
