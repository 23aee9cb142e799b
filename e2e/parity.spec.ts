import { test, expect, type Page } from '@playwright/test';

// The teaching worker on WebGPU (Chromium's software adapter here) in the page: it starts on
// webgpu and shows real teacher and student numbers. Synchronous tensor reads once made the WebGPU
// page show a uniform teacher and KL 0. That the numbers equal wasm's (to 1e-3) is checked in Node,
// on the same WebGPU backend through Dawn, in seconds: tests/webgpu/parity.test.ts (the teaching
// view's explainTrip), which also holds what e2e/parityTrain.spec.ts and parityEval.spec.ts checked.
interface Shown {
  backend: string;
  teacher: number[];
  student: number[];
  kl: number;
}

async function shown(page: Page, backend: string, query: string): Promise<Shown> {
  const t0 = Date.now();
  await page.goto(`/?view=teach&backend=${backend}&${query}`);
  await expect(page.getByTestId('teach-backend')).toBeVisible({ timeout: 400_000 });
  const tReady = Date.now();
  await expect(page.getByTestId('teacher-dist')).toBeVisible({ timeout: 400_000 });
  console.log(
    `parity ${backend}: ready after ${((tReady - t0) / 1000).toFixed(1)} s, trip after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const cands = page.getByTestId('teacher-dist').getByTestId('cand-prob');
  const n = await cands.count();
  const teacher: number[] = [];
  const student: number[] = [];
  for (let i = 0; i < n; i++) {
    teacher.push(Number(await cands.nth(i).getAttribute('data-teacher')));
    student.push(Number(await cands.nth(i).getAttribute('data-student')));
  }
  const kl = Number(await page.getByTestId('kl-value').getAttribute('data-value'));
  const used = ((await page.getByTestId('teach-backend').textContent()) ?? '').replace(/.*models on\s*/, '').trim();
  expect(used).not.toContain('[object');
  return { backend: used, teacher, student, kl };
}

test('teach view on WebGPU: the teaching worker runs there and shows a real teacher distribution, student and KL', async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const gpu = await shown(page, 'webgpu', 'tau=2');
  expect(gpu.backend).toBe('webgpu');
  expect(gpu.teacher.length).toBeGreaterThanOrEqual(2);
  // Not uniform: the zeros of a synchronous read would renormalise to 1/C everywhere.
  expect(Math.max(...gpu.teacher) - Math.min(...gpu.teacher)).toBeGreaterThan(1e-3);
  for (const p of [...gpu.teacher, ...gpu.student]) expect(p >= 0 && p <= 1).toBe(true);
  expect(gpu.kl).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
