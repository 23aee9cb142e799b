// Shared by the backend-choice specs (backendChoice.spec.ts with Chromium's default flags,
// backendChoiceWebgpu.spec.ts with --enable-unsafe-webgpu): the Train view, opened with every console warning kept.
import type { Page } from '@playwright/test';

/** Console lines of a failed WebGPU start in tfjs ("Initialization of backend webgpu failed", the TypeError on a null adapter). */
export const WEBGPU_INIT_WARNING = /Initialization of backend webgpu failed|reading 'features'/;

export async function openTrain(page: Page, query = ''): Promise<string[]> {
  const logged: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') logged.push(m.text());
  });
  page.on('pageerror', (e) => logged.push(e.message));
  await page.goto(`/?view=train${query}`);
  return logged;
}
