import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTempDirs, tempDir } from '../tests/tempDirs';

// The Compare view's re-run on a pool of evaluation workers (?workers=2: the protocol worker and one
// helper, each generating a share of every run's OD pairs) fills the metrics table and the OD list
// with the numbers of one worker. The grid-town fixture and two students trained on it for one
// epoch by the CLI keep it short.
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));
const ckpt: Record<'vanilla' | 'distilled', string> = { vanilla: '', distilled: '' };

test.afterAll(removeTempDirs);

test.beforeAll(() => {
  const dir = tempDir('eval-pool-');
  for (const [slot, seed] of [
    ['vanilla', 1],
    ['distilled', 2],
  ] as const) {
    ckpt[slot] = join(dir, `${slot}.safetensors`);
    const args = ['tsx', 'src/cli/main.ts', 'train', 'student', '--dataset', GRID, '--mode', 'vanilla', '--size', 'small'];
    execFileSync('npx', [...args, '--epochs', '1', '--seed', String(seed), '--out', ckpt[slot]], { stdio: 'ignore' });
  }
});

async function rerun(page: Page, workers: number): Promise<{ table: string[]; ods: string }> {
  await page.goto(`/?view=data&backend=wasm&workers=${workers}`);
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles(GRID);
  await expect(page.getByTestId('dataset-name')).toHaveText('grid-town', { timeout: 60_000 });
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('rerun-file-vanilla').setInputFiles(ckpt.vanilla);
  await page.getByTestId('rerun-file-distilled').setInputFiles(ckpt.distilled);
  await page.getByTestId('rerun-n').fill('6');
  await page.getByTestId('rerun-method').selectOption('beam');
  await page.getByTestId('rerun-beam').fill('2');
  await page.getByTestId('rerun-eval').click();
  const status = page.getByTestId('rerun-status');
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 100_000 });
  await expect(status).toContainText(`on wasm, ${workers} worker${workers === 1 ? '' : 's'}`);
  await expect(page.getByTestId('metrics-table')).toBeVisible();
  // One OD-sampling seed: no interval is shown, and N says how many of its OD pairs the list holds.
  await expect(page.getByTestId('one-seed')).toContainText('one seed: no interval');
  await expect(page.getByTestId('metrics-table')).not.toContainText('±');
  await expect(page.getByTestId('metrics-caption')).toContainText('the list below holds');
  return {
    table: await page.getByTestId('metrics-table').locator('tbody tr.row').allInnerTexts(),
    ods: await page.getByTestId('od-list').innerText(),
  };
}

test('re-run on two evaluation workers: the table and OD list of one worker', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const one = await rerun(page, 1);
  const two = await rerun(page, 2);
  expect(one.table.length).toBeGreaterThan(3);
  expect(two.table).toEqual(one.table);
  expect(one.ods.length).toBeGreaterThan(0);
  expect(two.ods).toEqual(one.ods);
  expect(errors).toEqual([]);
});
