import { test, expect, type Page } from '@playwright/test';

// Backend parity of the training worker (issue 12, item 2): the same two optimiser steps on wasm
// and on WebGPU (Chromium's software adapter here), from the same seeded weights and batches, give
// the same losses to 1e-3: a distilled student (teacher inference, KL, encoders frozen), then a
// tiny teacher. The second loss of each comes after an update, so it also checks the gradients and
// AdamW on WebGPU. One page load per backend; tiny sizes, since SwiftShader is slow.
const QUERY = 'mode=distilled&batch=2&epochs=1&freeze=1&maxLen=16&seed=5&layers=1&heads=2&embd=16&block=16&dropout=0';

async function losses(page: Page, backend: string): Promise<{ student: number[]; teacher: number[] }> {
  await page.goto(`/?view=train&backend=${backend}&${QUERY}`);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend, { timeout: 120_000 });
  const count = page.getByTestId('train-step-count');
  const loss = page.getByTestId('train-loss');
  await expect(page.getByTestId('mode-distilled')).toBeEnabled({ timeout: 120_000 });
  const two = async (): Promise<number[]> => {
    const out: number[] = [];
    for (const n of [1, 2]) {
      await page.getByTestId('train-step').click();
      await expect(count).toHaveText(String(n), { timeout: 240_000 });
      out.push(Number(await loss.getAttribute('data-value')));
    }
    return out;
  };
  const student = await two();
  await page.getByTestId('kind-teacher').click();
  const teacher = await two();
  return { student, teacher };
}

test('train worker: a distilled student and a teacher give the same losses on WebGPU as on wasm', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  const wasm = await losses(page, 'wasm');
  const t1 = Date.now();
  const gpu = await losses(page, 'webgpu');
  const t2 = Date.now();
  for (const k of ['student', 'teacher'] as const) {
    const d = Math.max(...gpu[k].map((g, i) => Math.abs(g - wasm[k][i])));
    console.log(`parity ${k}: wasm ${wasm[k].join(', ')}; webgpu ${gpu[k].join(', ')}; max |Δ| ${d.toExponential(2)}`);
    for (const v of [...wasm[k], ...gpu[k]]) expect(v).toBeGreaterThan(0);
    gpu[k].forEach((g, i) => expect(Math.abs(g - wasm[k][i])).toBeLessThan(1e-3));
  }
  console.log(`parity timings: wasm page ${((t1 - t0) / 1000).toFixed(1)} s, webgpu page ${((t2 - t1) / 1000).toFixed(1)} s`);
  expect(errors).toEqual([]);
});
