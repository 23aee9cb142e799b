import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { decodeCheckpoint } from '../src/lib/checkpoint/checkpoint';
import { encodeLegacyCheckpoint } from '../src/lib/checkpoint/legacyCheckpoint';

// The Train view downloads safetensors (torch names, Adam moments included) and
// still accepts a checkpoint in the older .ckpt format.
test('download is safetensors; an old .ckpt upload still loads', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?view=train&backend=wasm&batch=2&epochs=3&maxLen=16&lr=0.002');
  const count = page.getByTestId('train-step-count');
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('train-step').click();
  await expect(count).toHaveText('1', { timeout: 60_000 });

  const pending = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download', exact: true }).click();
  const download = await pending;
  expect(download.suggestedFilename()).toMatch(/\.safetensors$/);
  const bytes = new Uint8Array(readFileSync(await download.path()));
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  expect(header.__metadata__.format).toBe('trajdistill-checkpoint/2');
  expect(header.__metadata__.kind).toBe('student');
  expect(header['navigator.q_proj.weight'].dtype).toBe('F32');
  expect(header['optimizer.exp_avg.navigator.q_proj.weight']).toBeTruthy();

  // The same run, written in the older format, loads through the upload button.
  const legacy = encodeLegacyCheckpoint(decodeCheckpoint(bytes));
  await page
    .getByTestId('checkpoint-upload')
    .setInputFiles({ name: 'older-run.ckpt', mimeType: 'application/octet-stream', buffer: Buffer.from(legacy) });
  await expect(page.getByText(/Loaded older-run\.ckpt: epoch 1( of \d+)?, step 1/)).toBeVisible({ timeout: 60_000 });
  await expect(count).toHaveText('1');
});
