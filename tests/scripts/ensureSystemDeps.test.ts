// scripts/ensure-system-deps.sh, the first step of `npm test`, on a PATH of stand-ins: nothing on
// this machine is uninstalled, and no real apt-get runs.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/ensure-system-deps.sh');
const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'trajdistill-sysdeps-'));
  dirs.push(d);
  return d;
}

function stub(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function run(env: Record<string, string>) {
  const r = spawnSync('/bin/bash', [SCRIPT], { env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, lines: r.stderr.split('\n').filter(Boolean) };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ensure-system-deps.sh', () => {
  it('is silent when Chromium and a python3 with numpy and torch are there', () => {
    const bin = tempDir();
    stub(join(bin, 'python3'), 'exit 0');
    const r = run({ PATH: bin, CHROMIUM_PATH: stub(join(bin, 'chromium'), 'exit 0') });
    expect(r).toEqual({ status: 0, stdout: '', lines: [] });
  });

  it('without python3 and without a way to install, stops with one line naming the apt-get command', () => {
    // Chromium is a stand-in here, so the line does not depend on whether this machine has it.
    const bin = tempDir();
    const r = run({ PATH: bin, CHROMIUM_PATH: stub(join(bin, 'chromium'), 'exit 0') });
    expect(r.status).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      /^ensure-system-deps: missing python3 python3-numpy.*; run: (sudo )?apt-get install -y python3 python3-numpy/,
    );
  });

  it('names a CHROMIUM_PATH that does not exist instead of installing Chromium elsewhere', () => {
    const bin = tempDir();
    stub(join(bin, 'python3'), 'exit 0');
    const r = run({ PATH: bin, CHROMIUM_PATH: join(bin, 'no-chromium') });
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      `ensure-system-deps: CHROMIUM_PATH=${join(bin, 'no-chromium')} is not an executable; point it at Chromium, or unset it to use /usr/bin/chromium`,
    ]);
  });

  it.runIf(process.getuid?.() === 0)('as root, installs the missing Debian packages with apt-get, one line each', () => {
    const bin = tempDir();
    const log = join(bin, 'apt.log');
    // The stand-in apt-get logs its arguments and, on install, provides the python3 that was missing.
    stub(
      join(bin, 'apt-get'),
      `echo "$*" >> ${log}\ncase "$*" in *install*) printf '#!/bin/sh\\nexit 0\\n' > ${bin}/python3; /bin/chmod +x ${bin}/python3;; esac`,
    );
    const r = run({ PATH: bin, CHROMIUM_PATH: stub(join(bin, 'chromium'), 'exit 0') });
    expect(r.status).toBe(0);
    expect(r.lines[0]).toMatch(/^ensure-system-deps: installing Debian python3 /);
    expect(r.lines[1]).toMatch(/^ensure-system-deps: installing Debian python3-numpy /);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls[0]).toMatch(/ update$/);
    expect(calls[1]).toMatch(/ install -y python3 python3-numpy/);
  });
});
