import { CHROMIUM_LAUNCH } from './e2e/chromium';
import { defineConfig } from '@playwright/test';

// e2e runs against the built app (vite build + vite preview) in Debian's Chromium.
// Playwright's own browser download cannot work on these machines.
// E2E_PORT lets several checkouts run their e2e side by side on one machine.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  // One spec file at a time (E2E_WORKERS=N runs N). On this 2-core machine two at once ran the 48
  // tests in 8.4 min against 7.9–8.4 min for one (each browser keeps several threads busy: wasm
  // workers, the software GPU): no gain shown, and tests nearer their timeouts.
  workers: Number(process.env.E2E_WORKERS ?? 1),
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 800 },
    launchOptions: CHROMIUM_LAUNCH,
  },
  webServer: {
    // After the build, scripts/check-bundle.ts fails the run when the page's own chunks hold tfjs
    // (only worker chunks may); its JSON (page chunks and sizes) is not shown unless it fails.
    command: `npx vite build && npx tsx scripts/check-bundle.ts && npx vite preview --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
