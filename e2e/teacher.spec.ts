import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';

// The teacher (LM-TAD) trains in the app, on the student's session/worker
// pattern. A tiny teacher on wasm (1 layer, width 16, 32-token windows, batch 16: about 110 steps an
// epoch): a checkpoint of the wrong kind is refused with the reason, step / play / pause work, the
// perplexity chart gets train and val points, the run is auto-saved, a downloaded checkpoint loads
// back, and the new teacher then drives a distilled student step in the same session.
test('a teacher trains in the app and is then used for distillation', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=train&mode=teacher&backend=wasm&batch=16&epochs=2&layers=1&heads=2&embd=16&block=32&lr=0.005');
  await expect(page.getByTestId('kind-teacher')).toHaveAttribute('aria-checked', 'true');
  const count = page.getByTestId('train-step-count');
  const stepBtn = page.getByTestId('train-step');
  await expect(stepBtn).toBeEnabled({ timeout: 120_000 });

  // A student checkpoint in teacher mode: refused, and the notice says why.
  await page.getByTestId('checkpoint-upload').setInputFiles('public/checkpoints/porto/vanilla.safetensors');
  await expect(page.getByTestId('train-notice')).toContainText('holds a student model; teacher mode needs a teacher checkpoint');
  await page.getByTestId('train-notice').getByRole('button', { name: 'Dismiss' }).click();

  await stepBtn.click();
  await expect(count).toHaveText('1', { timeout: 60_000 });
  const ppl = Number(await page.getByTestId('teacher-ppl').textContent());
  // An untrained teacher is close to uniform over the ~8k cells: a real number, not the zeros of
  // a failed read (perplexity 1) nor NaN.
  expect(ppl).toBeGreaterThan(1000);
  await expect(page.getByTestId('resume-offer')).toContainText('Saved teacher run: epoch 1 of 2, step 1', { timeout: 30_000 });

  await page.getByTestId('train-play').click();
  await expect(page.getByTestId('teacher-epoch')).toContainText('val perplexity', { timeout: 180_000 });
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-play')).toBeVisible({ timeout: 60_000 });
  const steps = Number(await count.textContent());
  expect(steps).toBeGreaterThan(1);
  const chart = page.getByTestId('ppl-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
  const epochText = (await page.getByTestId('teacher-epoch').textContent()) ?? '';
  const valPpl = Number(/val perplexity\s*([\d.]+)/.exec(epochText)?.[1]);
  expect(valPpl).toBeLessThan(ppl); // it learned something in one epoch
  await expect(page.getByTestId('resume-offer')).toContainText(`step ${steps}`, { timeout: 30_000 });

  // Download (weights + optimiser state), then load it back: the counters continue from it.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^teacher-.*\.safetensors$/);
  const path = await download.path();
  expect((await readFile(path)).byteLength).toBeGreaterThan(10_000);
  await page
    .getByTestId('checkpoint-upload')
    .setInputFiles({ name: 'mine.safetensors', mimeType: 'application/octet-stream', buffer: await readFile(path) });
  await expect(page.getByTestId('train-notice')).toContainText(`Loaded mine.safetensors: epoch 2 of 2, step ${steps}`);
  await expect(count).toHaveText(String(steps));

  // The teacher just trained drives distillation from now on.
  await page.getByTestId('use-teacher').click();
  await expect(page.getByTestId('distill-teacher')).toContainText('teacher trained in this session (best epoch 1)');
  await page.getByTestId('kind-student').click();
  await page.getByTestId('mode-distilled').click();
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 120_000 });
  expect(Number(await page.getByTestId('train-loss').textContent())).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
