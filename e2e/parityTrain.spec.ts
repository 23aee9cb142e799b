import { test, expect, type Page } from '@playwright/test';

// Backend parity of the training worker (issue 12, item 2): the same two optimiser steps on wasm
// and on WebGPU (Chromium's software adapter here), from the same seeded weights and batches, give
// the same losses to 1e-3. The second loss comes after an update, so it also checks the gradients
// and AdamW on WebGPU. Tiny sizes: SwiftShader runs a distilled student step in about 10 s.
async function twoLosses(page: Page, query: string, backend: string): Promise<number[]> {
  await page.goto(`/?view=train&backend=${backend}&${query}`);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend, { timeout: 120_000 });
  const count = page.getByTestId('train-step-count');
  const loss = page.getByTestId('train-loss');
  await expect(page.getByTestId('train-step')).toBeEnabled({ timeout: 120_000 });
  const out: number[] = [];
  for (const n of [1, 2]) {
    await page.getByTestId('train-step').click();
    await expect(count).toHaveText(String(n), { timeout: 240_000 });
    out.push(Number(await loss.getAttribute('data-value')));
  }
  return out;
}

for (const [what, query] of [
  ['distilled student', 'mode=distilled&batch=2&epochs=1&freeze=1&maxLen=16&seed=5'],
  ['teacher', 'mode=teacher&batch=4&epochs=1&layers=1&heads=2&embd=16&block=16&dropout=0&seed=5'],
] as const) {
  test(`train ${what}: two steps on WebGPU give the losses of wasm`, async ({ page }) => {
    test.setTimeout(420_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const t0 = Date.now();
    const wasm = await twoLosses(page, query, 'wasm');
    const t1 = Date.now();
    const gpu = await twoLosses(page, query, 'webgpu');
    console.log(`parity ${what}: wasm ${wasm.join(', ')} (${((t1 - t0) / 1000).toFixed(1)} s); webgpu ${gpu.join(', ')} (${((Date.now() - t1) / 1000).toFixed(1)} s); max |Δ| ${Math.max(...gpu.map((g, i) => Math.abs(g - wasm[i]))).toExponential(2)}`);
    for (const v of [...wasm, ...gpu]) expect(v).toBeGreaterThan(0);
    gpu.forEach((g, i) => expect(Math.abs(g - wasm[i])).toBeLessThan(1e-3));
    expect(errors).toEqual([]);
  });
}
