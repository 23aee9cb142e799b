// No committed file may name a folder of the machine that wrote it (a checkout under /work, a home
// folder, /root, /tmp): a recorded command with such a path does not re-run on another checkout.
// Reports and docs write paths relative to the repository root instead (src/cli/common/repoPath.ts). System
// paths used on purpose (/usr/bin/chromium, /dev/null) and URLs are not machine paths.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// A path that starts at a boundary (not inside a URL or a relative path such as ../tmp/x) under
// /work, /root or /tmp with a name after it (so .gitignore's `/tmp/` is fine), a home folder with its
// user, or a Windows user folder.
const MACHINE_PATH =
  /(?:(?<![\w.~/$})\]-])|(?<=file:\/\/))(?:\/(?:work|root|tmp)\/[\w.-]|\/(?:home|Users)\/[^/\s"'`]+\/)|\b[A-Za-z]:(?:\\{1,2}|\/)Users(?:\\{1,2}|\/)/g;

const BINARY = /\.(?:png|jpe?g|gif|webp|ico|safetensors|partial|ckpt|bin|wasm|gz|tgz|zip|woff2?|ttf|pdf)$/i;

/** Files git would commit: tracked ones and new ones not ignored. Null outside a git checkout. */
function repoFiles(): string[] | null {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return [...new Set(out.split('\0').filter(Boolean))];
  } catch {
    return null;
  }
}

function machinePaths(text: string): { line: number; path: string }[] {
  return [...text.matchAll(MACHINE_PATH)].map((m) => ({
    line: text.slice(0, m.index).split('\n').length,
    path: text.slice(m.index, m.index + 60).split(/[\s"'`,;)]/)[0],
  }));
}

const join = (...parts: string[]): string => parts.join('/');

describe('machine paths', () => {
  it('the pattern flags machine folders and nothing else', () => {
    const flagged = [
      join('', 'work', 'main', 'x'),
      `"${join('', 'root', '.cache')}"`,
      `--out=${join('', 'tmp', 'peer')}`,
      join('', 'home', 'ana', 'r'),
      `file://${join('', 'work', 'x')}`,
      'C:\\\\Users\\\\ana\\\\r',
    ];
    for (const s of flagged) expect(machinePaths(s), s).toHaveLength(1);
    const fine = [
      '/usr/bin/chromium',
      '/usr/bin/python3',
      '/dev/null',
      'https://example.org/tmp/x',
      '../runs/full/v.safetensors',
      '../tmp/x',
      '/tmp/',
      'src/lib/work/x',
      '${dir}/tmp/x',
      'public/reports/porto-tuning.json',
    ];
    for (const s of fine) expect(machinePaths(s), s).toEqual([]);
  });

  const files = repoFiles();
  it.skipIf(files === null)('no committed text file holds one', () => {
    const found: string[] = [];
    for (const f of files ?? []) {
      if (f === 'package-lock.json' || f.startsWith('node_modules/') || BINARY.test(f) || !existsSync(f)) continue;
      const buf = readFileSync(f);
      if (buf.subarray(0, 8000).includes(0)) continue;
      for (const m of machinePaths(buf.toString('utf8'))) found.push(`${f}:${m.line}: ${m.path}`);
    }
    expect(found, `absolute paths of a machine (write them relative to the repository root):\n${found.join('\n')}`).toEqual([]);
  });
});
