import { test, expect, type Page } from '@playwright/test';

// Backend parity of the teaching worker: the same trip and step on wasm and on WebGPU (Chromium's
// software adapter here) must show the same teacher and student numbers. Synchronous tensor reads
// once made the WebGPU page show a uniform teacher and KL 0.
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

test('teach view: WebGPU shows the same teacher and student numbers as wasm', async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const wasm = await shown(page, 'wasm', 'tau=2');
  // Pin the trip and step that the wasm page opened on.
  const url = new URL(page.url());
  const query = `tau=2&trip=${url.searchParams.get('trip')}&step=${url.searchParams.get('step')}`;
  const gpu = await shown(page, 'webgpu', query);
  expect(wasm.backend).toBe('wasm');
  expect(gpu.backend).toBe('webgpu');
  expect(gpu.teacher.length).toBe(wasm.teacher.length);
  expect(gpu.teacher.length).toBeGreaterThanOrEqual(2);
  // Not uniform: the zeros of a synchronous read would renormalise to 1/C everywhere.
  expect(Math.max(...gpu.teacher) - Math.min(...gpu.teacher)).toBeGreaterThan(1e-3);
  gpu.teacher.forEach((q, i) => expect(Math.abs(q - wasm.teacher[i])).toBeLessThan(1e-3));
  gpu.student.forEach((p, i) => expect(Math.abs(p - wasm.student[i])).toBeLessThan(1e-3));
  expect(Math.abs(gpu.kl - wasm.kl)).toBeLessThan(1e-3);
  expect(errors).toEqual([]);
});
