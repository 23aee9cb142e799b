// The commands a CLI command runs in turn (`ship`, `study publish`): each as its argv, its stdout to
// the console or to a file. The runner is a parameter, so that a test records the list instead of
// running it.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

/** Runs `argv` in the repository root; resolves with its exit code. `stdout`: a file for its output (stderr stays on the console). */
export type Runner = (argv: string[], stdout?: string) => Promise<number>;

/** `npm run --silent cli -- …` as an argv. */
export const cli = (...args: string[]): string[] => ['npm', 'run', '--silent', 'cli', '--', ...args];

/** The runner of the real commands, in `cwd` (default: this process's). */
export function spawnRunner(cwd?: string): Runner {
  return (argv, stdout) =>
    new Promise((resolve) => {
      void (async () => {
        const out = stdout ? await open(stdout, 'w') : null;
        const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', out ? out.fd : 'inherit', 'inherit'] });
        child.on('error', () => resolve(127));
        child.on('close', (code) => {
          void out?.close();
          resolve(code ?? 1);
        });
      })();
    });
}
