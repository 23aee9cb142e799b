// scripts/keep-runs.sh stages what a long study finished under the git-ignored runs/ folder, so that
// a new machine continues the study: finished checkpoints, their logs and the aggregate reports;
// the state of a run stopped part-way only with --partial; never console logs or route caches.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const FILES = [
  'runs/sf/teacher/teacher.safetensors',
  'runs/sf/teacher/teacher.log.json',
  'runs/sf/teacher/teacher.train.log',
  'runs/sf/arm-d/distilled-s1.safetensors',
  'runs/sf/arm-d/distilled-s1.log.json',
  'runs/sf/arm-d/.tmp-distilled-s2.safetensors',
  'runs/sf/arm-d/.tmp-distilled-s2.safetensors.partial',
  'runs/sf/arm-d/.tmp-paired-steps-test.json',
  'runs/sf/arm-d/paired-steps-test.json',
  'runs/sf/vanilla/.routes/abc.json',
  'runs/sf/teacher-moves/steps-val.json',
  'runs/sf/teacher-moves/steps-val.json.inputs',
  'runs/sf/teacher-moves/steps-val.json.inputs.tmp',
  'runs/sf/teacher-moves/teacher-from-porto.safetensors',
  'runs/sf/teacher-moves/teacher-from-porto.safetensors.inputs',
  'runs/teacher-moves/teacher.safetensors',
  'runs/teacher-moves/teacher.safetensors.partial',
];

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function repo(): (args: string[]) => string {
  dir = mkdtempSync(join(tmpdir(), 'keep-runs-'));
  const git = (args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
  git(['init', '-q']);
  writeFileSync(join(dir, '.gitignore'), '/runs/\n*.log\n.tmp-*\n');
  mkdirSync(join(dir, 'scripts'));
  copyFileSync('scripts/keep-runs.sh', join(dir, 'scripts/keep-runs.sh'));
  for (const f of FILES) {
    mkdirSync(join(dir, dirname(f)), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  return git;
}

const staged = (git: (args: string[]) => string): string[] =>
  git(['diff', '--cached', '--name-only']).trim().split('\n').filter(Boolean).sort();

describe('keep-runs.sh', () => {
  it('stages finished checkpoints (those with a log, or moved ones with their inputs), logs, reports and their inputs, and nothing a run is still writing', () => {
    const git = repo();
    execFileSync('bash', ['scripts/keep-runs.sh'], { cwd: dir });
    expect(staged(git)).toEqual(
      [
        'runs/sf/arm-d/distilled-s1.log.json',
        'runs/sf/arm-d/distilled-s1.safetensors',
        'runs/sf/arm-d/paired-steps-test.json',
        'runs/sf/teacher-moves/steps-val.json',
        'runs/sf/teacher-moves/steps-val.json.inputs',
        'runs/sf/teacher-moves/teacher-from-porto.safetensors',
        'runs/sf/teacher-moves/teacher-from-porto.safetensors.inputs',
        'runs/sf/teacher/teacher.log.json',
        'runs/sf/teacher/teacher.safetensors',
      ].sort(),
    );
  });

  it('adds a stopped run’s state with --partial, stages its removal once the run is done, and not its later epochs', () => {
    const git = repo();
    execFileSync('bash', ['scripts/keep-runs.sh', '--partial'], { cwd: dir });
    expect(staged(git)).toEqual(
      expect.arrayContaining([
        'runs/sf/arm-d/.tmp-distilled-s2.safetensors.partial',
        'runs/sf/arm-d/.tmp-distilled-s2.safetensors',
        'runs/teacher-moves/teacher.safetensors',
        'runs/teacher-moves/teacher.safetensors.partial',
      ]),
    );
    git(['commit', '-qm', 'kept']);
    rmSync(join(dir, 'runs/sf/arm-d/.tmp-distilled-s2.safetensors.partial'));
    writeFileSync(join(dir, 'runs/teacher-moves/teacher.safetensors.partial'), 'a later epoch');
    execFileSync('bash', ['scripts/keep-runs.sh'], { cwd: dir });
    expect(git(['diff', '--cached', '--name-status']).trim()).toBe('D\truns/sf/arm-d/.tmp-distilled-s2.safetensors.partial');
  });
});
