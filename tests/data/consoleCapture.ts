// The lines a CLI command prints, for tests that check its output: call captureConsole() inside a
// describe; each test that calls start() gets console.log / console.error into `logs` / `errs`,
// emptied and restored after every test.
import { afterEach, vi } from 'vitest';

export function captureConsole(): { logs: string[]; errs: string[]; start: () => void } {
  const logs: string[] = [];
  const errs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    logs.length = 0;
    errs.length = 0;
  });
  const start = (): void => {
    vi.spyOn(console, 'log').mockImplementation((s: string) => void logs.push(s));
    vi.spyOn(console, 'error').mockImplementation((s: string) => void errs.push(s));
  };
  return { logs, errs, start };
}
