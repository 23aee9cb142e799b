// Reports record paths relative to the repository root so that their commands re-run on any checkout:
// inside the root a path loses the root's prefix, outside it keeps a visible `../`, and arguments
// that are not paths (labels, numbers, URLs, flags) pass through untouched.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandLine } from '../../src/cli/common/args';
import { portableArg, repoPath, repoRoot, type PathBase } from '../../src/cli/common/repoPath';

// Under npm the CLI runs in the root itself.
const atRoot: PathBase = { cwd: '/build/trajdistill', root: '/build/trajdistill' };
// Run with tsx from a subfolder: relative paths start there.
const inDocs: PathBase = { cwd: '/build/trajdistill/docs', root: '/build/trajdistill' };

describe('repoPath', () => {
  it('writes a path inside the root relative to it', () => {
    expect(repoPath('/build/trajdistill/public/checkpoints/porto/x.safetensors', atRoot)).toBe('public/checkpoints/porto/x.safetensors');
    expect(repoPath('public/data/porto', atRoot)).toBe('public/data/porto');
    expect(repoPath('/build/trajdistill', atRoot)).toBe('.');
  });

  it('keeps a path outside the root visibly outside', () => {
    expect(repoPath('/build/runs/full/s1/v.safetensors', atRoot)).toBe('../runs/full/s1/v.safetensors');
    expect(repoPath('/build/shared/data/porto', atRoot)).toBe('../shared/data/porto');
  });

  it('rebases a path given relative to a cwd below the root', () => {
    expect(repoPath('o.json', inDocs)).toBe('docs/o.json');
    expect(repoPath('../public/data/porto', inDocs)).toBe('public/data/porto');
    expect(repoPath('../../runs/x.ckpt', inDocs)).toBe('../runs/x.ckpt');
  });
});

describe('repoRoot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'repo-root-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the nearest folder with a package.json at or above the cwd', () => {
    writeFileSync(join(dir, 'package.json'), '{}');
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    expect(repoRoot(join(dir, 'a', 'b'))).toBe(dir);
    expect(repoRoot(dir)).toBe(dir);
    expect(repoRoot()).toBe(process.cwd()); // vitest runs in this repository's root
  });
});

describe('portableArg', () => {
  it('rewrites every path in a list, a label=dir list and a --flag=value', () => {
    expect(portableArg('/build/runs/full/v1.safetensors,/build/trajdistill/public/v2.safetensors', atRoot)).toBe(
      '../runs/full/v1.safetensors,public/v2.safetensors',
    );
    expect(portableArg('full data=/build/runs/full;10 %=/build/runs/frac10', atRoot)).toBe('full data=../runs/full;10 %=../runs/frac10');
    expect(portableArg('--out=/build/trajdistill/public/reports/r.json', atRoot)).toBe('--out=public/reports/r.json');
  });

  it('leaves arguments that are not paths alone', () => {
    for (const base of [atRoot, inDocs]) {
      for (const a of [
        '--label',
        'frac 0.1, λ 0.3',
        'test',
        '1e-3',
        '0.5',
        '1,2,3',
        '-1',
        'beam',
        'training,levers',
        'https://example.org/tmp/x',
      ]) {
        expect(portableArg(a, base)).toBe(a);
      }
    }
  });

  it('leaves relative paths alone in the root, and rebases path-like ones from a subfolder', () => {
    expect(portableArg('public/data/porto', atRoot)).toBe('public/data/porto');
    expect(portableArg('../runs/x.ckpt', atRoot)).toBe('../runs/x.ckpt');
    expect(portableArg('o.json', inDocs)).toBe('docs/o.json');
    expect(portableArg('../public/data/porto', inDocs)).toBe('public/data/porto');
    expect(portableArg('./experiments,runs/a.json', inDocs)).toBe('docs/experiments,docs/runs/a.json');
  });
});

describe('commandLine with paths', () => {
  it('records root-relative paths and still quotes what the shell would split', () => {
    const args = [
      '--vanilla',
      '/build/runs/full/v1.safetensors',
      '--dataset',
      '/build/trajdistill/public/data/porto',
      '--label',
      'full data',
      '--split',
      'test',
    ];
    expect(commandLine('eval paired-steps', args, atRoot)).toBe(
      "npm run cli -- eval paired-steps --vanilla ../runs/full/v1.safetensors --dataset public/data/porto --label 'full data' --split test",
    );
    expect(
      commandLine(
        'eval steps',
        ['--checkpoint', '../public/checkpoints/porto/vanilla.safetensors', '--out', 'run.json', '--label', "it's"],
        inDocs,
      ),
    ).toBe("npm run cli -- eval steps --checkpoint public/checkpoints/porto/vanilla.safetensors --out docs/run.json --label 'it'\\''s'");
  });
});
