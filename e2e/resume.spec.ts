import { test, expect } from '@playwright/test';

// A reload mid-run must not lose the run. Two single steps on wasm (each is
// auto-saved), a reload, Resume: the counter shows the saved step, the settings are the saved
// run's (no "Settings changed"), and the next step continues from there.
test('resume after a reload, and trips to another view (paused and mid-run), continue the step count', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=train&backend=wasm&batch=2&epochs=3&maxLen=16&lr=0.002');
  const count = page.getByTestId('train-step-count');
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 60_000 });
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('2', { timeout: 60_000 });
  await expect(page.getByTestId('resume-offer')).toContainText('step 2', { timeout: 30_000 });

  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toContainText('step 2', { timeout: 120_000 });
  await offer.getByRole('button', { name: 'Resume' }).click();
  await expect(count).toHaveText('2', { timeout: 60_000 });
  await expect(page.getByText('Settings changed')).toHaveCount(0);
  // It was paused when saved: it stays paused, with its readouts and both steps' chart points back.
  await expect(page.locator('.state')).toHaveText('paused');
  await expect(page.getByTestId('train-epoch')).toHaveText('1/3');
  await expect(page.getByTestId('train-loss')).not.toHaveText('–');
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('acc-chart')).toHaveAttribute('data-points', '2');
  // One accuracy everywhere: decision accuracy, beside the shipped models' as reference lines.
  await expect(page.getByTestId('acc-chart')).toContainText('Decision accuracy on val');
  await expect(page.getByTestId('acc-chart')).toContainText('shipped vanilla');
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('3', { timeout: 60_000 });

  // Another view and back keeps the run (the worker outlives the view).
  await page.getByTestId('tab-data').click();
  await expect(count).toHaveCount(0);
  await page.getByTestId('tab-train').click();
  await expect(count).toHaveText('3');
  await expect(page.getByText('Settings changed')).toHaveCount(0);
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('4', { timeout: 60_000 });

  // The same mid-run: a running session keeps running while another view is open.
  await page.getByTestId('train-play').click();
  await expect.poll(async () => Number(await count.textContent()), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
  await page.getByTestId('tab-compare').click();
  await expect(count).toHaveCount(0);
  await page.waitForTimeout(3_000);
  await page.getByTestId('tab-train').click();
  await expect(page.locator('.state')).toHaveText('running');
  const back = Number(await count.textContent());
  expect(back).toBeGreaterThanOrEqual(5);
  await expect.poll(async () => Number(await count.textContent()), { timeout: 60_000 }).toBeGreaterThan(back);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-play')).toBeVisible({ timeout: 60_000 });
});
