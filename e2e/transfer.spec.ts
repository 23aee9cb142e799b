import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTempDirs, tempDir } from '../tests/tempDirs';

// Region transfer in the Train view: a student trained on another road network (the grid-town
// fixture, one epoch by the CLI) is refused as a checkpoint to continue, with the reason, and the
// notice offers a transfer instead; the new Porto run then starts from it with its id tables
// re-initialised and trains.
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));
let ckpt = '';

test.afterAll(removeTempDirs);

test.beforeAll(() => {
  ckpt = join(tempDir('transfer-'), 'grid-town.safetensors');
  const args = ['tsx', 'src/cli/main.ts', 'train', 'student', '--dataset', GRID, '--mode', 'vanilla', '--size', 'small'];
  execFileSync('npx', [...args, '--epochs', '1', '--seed', '1', '--quiet', '--out', ckpt], { stdio: 'ignore' });
});

test('a student of another road network starts a Porto run as an explicit transfer', async ({ page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=train&backend=wasm&mode=vanilla');
  const stepBtn = page.getByTestId('train-step');
  await expect(stepBtn).toBeEnabled({ timeout: 120_000 });

  await page.getByTestId('checkpoint-upload').setInputFiles(ckpt);
  const notice = page.getByTestId('train-notice');
  await expect(notice).toContainText('made for a different road network');
  await notice.getByTestId('notice-action').click();
  await expect(notice).toContainText(
    /^Transfer from grid-town\.safetensors: tables re-initialised \(road ids, zone ids, road types\): (\d+) of (\d+) tensors carried over\./,
  );
  const [, carried, total] = /(\d+) of (\d+) tensors/.exec((await notice.textContent()) ?? '')!;
  expect(Number(total) - Number(carried)).toBe(3);

  // The transferred run trains from step 0.
  await expect(page.getByTestId('train-step-count')).toHaveText('0');
  await stepBtn.click();
  await expect(page.getByTestId('train-step-count')).toHaveText('1', { timeout: 60_000 });
  expect(errors).toEqual([]);
});
