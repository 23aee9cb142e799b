import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTempDirs, tempDir } from '../tests/tempDirs';

// Backend parity of the evaluation worker: the Compare view's in-browser re-run, the
// same few OD pairs generated and scored by two students on wasm and on WebGPU (Chromium's
// software adapter here), must fill the metrics table and the OD list with the same numbers.
// Generation scores every search step on the backend, so a wrong WebGPU read would change the
// routes and the table. Tiny sizes: the grid-town fixture's small network (SwiftShader needs ≈ 45 s
// per student to encode Porto's road graph) and two students trained on it for one epoch by the CLI
// (seeds 1 and 2; both vanilla, since a distilled one would need a grid-town teacher too).
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));
const ckpt: Record<'vanilla' | 'distilled', string> = { vanilla: '', distilled: '' };

test.afterAll(removeTempDirs);

test.beforeAll(() => {
  const dir = tempDir('parity-eval-');
  for (const [slot, seed] of [
    ['vanilla', 1],
    ['distilled', 2],
  ] as const) {
    ckpt[slot] = join(dir, `${slot}.safetensors`);
    const args = [
      'tsx',
      'src/cli/main.ts',
      'train',
      'student',
      '--dataset',
      GRID,
      '--mode',
      'vanilla',
      '--size',
      'small',
      '--epochs',
      '1',
      '--seed',
      String(seed),
      '--out',
      ckpt[slot],
    ];
    execFileSync('npx', args, { stdio: 'ignore' });
  }
});

async function rerunTable(page: Page, backend: string): Promise<{ table: string[]; ods: string }> {
  await page.goto(`/?view=data&backend=${backend}`);
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles(GRID);
  await expect(page.getByTestId('dataset-name')).toHaveText('grid-town', { timeout: 60_000 });
  await page.getByTestId('tab-compare').click();
  await expect(page.getByTestId('other-network')).toBeVisible();
  await page.getByTestId('rerun-file-vanilla').setInputFiles(ckpt.vanilla);
  await page.getByTestId('rerun-file-distilled').setInputFiles(ckpt.distilled);
  await page.getByTestId('rerun-n').fill('2');
  await page.getByTestId('rerun-method').selectOption('beam');
  await page.getByTestId('rerun-beam').fill('2');
  const t0 = Date.now();
  await page.getByTestId('rerun-eval').click();
  const status = page.getByTestId('rerun-status');
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 400_000 });
  await expect(status).toContainText(`on ${backend}`);
  console.log(`parity eval ${backend}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // The report is of grid-town now: Compare shows it. Each generated pair's route errors are in
  // the OD list: identical routes, identical rows.
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 60_000 });
  return {
    table: await page.getByTestId('metrics-table').locator('tbody tr.row').allInnerTexts(),
    ods: await page.getByTestId('od-list').innerText(),
  };
}

test('eval worker: generating and scoring on WebGPU fills the same metrics table as on wasm', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const wasm = await rerunTable(page, 'wasm');
  const gpu = await rerunTable(page, 'webgpu');
  expect(wasm.table.length).toBeGreaterThan(3);
  expect(gpu.table).toEqual(wasm.table);
  expect(wasm.ods.length).toBeGreaterThan(0);
  expect(gpu.ods).toEqual(wasm.ods);
  expect(errors).toEqual([]);
});
