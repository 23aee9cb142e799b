import { test, expect, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';

// Backend parity of the training and tuning workers: the same two optimiser
// steps on wasm and on WebGPU (Chromium's software adapter here), from the same seeded weights and
// batches, give the same losses to 1e-3: a tiny teacher, then a distilled student taught by it
// (teacher inference, KL, encoders frozen). The second loss of each comes after an update, so it
// also checks the gradients and AdamW on WebGPU. Then the tuning worker, given that teacher, runs
// trial 0 (vanilla) and trial 1 (distilled, the same seeded proposal on both backends) for one
// epoch: the same val decision NLLs. Tiny sizes, since SwiftShader is slow: the grid-town fixture
// (e2e/fixtures/grid-town, 48 train trips on its own small network) instead of Porto, whose whole
// road graph takes SwiftShader ≈ 45 s to encode once.
const GRID = fileURLToPath(new URL('./fixtures/grid-town', import.meta.url));
const QUERY = 'mode=teacher&batch=2&epochs=1&freeze=1&maxLen=16&seed=5&layers=1&heads=2&embd=16&block=16&dropout=0';

async function losses(page: Page, backend: string, saved = false): Promise<{ student: number[]; teacher: number[]; tune: number[] }> {
  await page.goto(`/?view=data&backend=${backend}&${QUERY}`);
  await expect(page.getByTestId('dataset-name')).toHaveText('Porto', { timeout: 90_000 });
  await page.getByTestId('open-folder').setInputFiles(GRID);
  await expect(page.getByTestId('dataset-name')).toHaveText('grid-town', { timeout: 60_000 });
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-dataset')).toContainText('grid-town', { timeout: 120_000 });
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend, { timeout: 120_000 });
  const count = page.getByTestId('train-step-count');
  const loss = page.getByTestId('train-loss');
  const two = async (): Promise<number[]> => {
    const out: number[] = [];
    for (const n of [1, 2]) {
      await page.getByTestId('train-step').click();
      // The first pass's runs are saved in this browser: a new run asks first, and keeps them.
      if (saved && n === 1) {
        await expect(page.getByTestId('fresh-confirm')).toContainText('stays saved');
        await page.getByTestId('fresh-start').click();
      }
      await expect(count).toHaveText(String(n), { timeout: 240_000 });
      out.push(Number(await loss.getAttribute('data-value')));
    }
    return out;
  };
  await expect(page.getByTestId('kind-teacher')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  const teacher = await two();
  await page.getByTestId('use-teacher').click();
  await expect(page.getByTestId('distill-teacher')).toContainText('teacher trained in this session');
  await page.getByTestId('kind-student').click();
  await expect(page.getByTestId('mode-distilled')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('mode-distilled').click();
  await expect(page.getByTestId('mode-distilled')).toHaveAttribute('aria-checked', 'true');
  const student = await two();

  const panel = page.getByTestId('tune-panel');
  await expect(panel.getByTestId('tune-teacher')).toContainText('teacher trained in this session');
  await panel.getByTestId('tune-trials').fill('2');
  await panel.getByTestId('tune-epochs').fill('1');
  await panel.getByTestId('tune-frac').fill('0.1');
  await panel.getByTestId('tune-start').click();
  await expect(panel.getByTestId('tune-status')).toContainText(`Done: 2 trials on ${backend}`, { timeout: 300_000 });
  const rows = panel.getByTestId('tune-table').locator('tbody tr');
  const tune = [Number(await rows.nth(0).locator('td').nth(5).textContent()), Number(await rows.nth(1).locator('td').nth(5).textContent())];
  return { student, teacher, tune };
}

test('train and tune workers: a teacher, a distilled student and two tuning trials give the same losses on WebGPU as on wasm', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  const wasm = await losses(page, 'wasm');
  const t1 = Date.now();
  const gpu = await losses(page, 'webgpu', true);
  const t2 = Date.now();
  for (const k of ['student', 'teacher', 'tune'] as const) {
    const d = Math.max(...gpu[k].map((g, i) => Math.abs(g - wasm[k][i])));
    console.log(`parity ${k}: wasm ${wasm[k].join(', ')}; webgpu ${gpu[k].join(', ')}; max |Δ| ${d.toExponential(2)}`);
    for (const v of [...wasm[k], ...gpu[k]]) expect(v).toBeGreaterThan(0);
    gpu[k].forEach((g, i) => expect(Math.abs(g - wasm[k][i])).toBeLessThan(1e-3));
  }
  console.log(`parity timings: wasm page ${((t1 - t0) / 1000).toFixed(1)} s, webgpu page ${((t2 - t1) / 1000).toFixed(1)} s`);
  expect(errors).toEqual([]);
});
