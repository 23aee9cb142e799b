import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keep, keptFiles } from '../../src/cli/study/studyKeep';
import { checkStudy, planStudy, type StudyFile } from '../../src/cli/study/studyPlan';

// study keep stages what a study finished under the git-ignored runs/ folder, so that a new machine
// continues it: the finished runs' logs, the reports with their .inputs, the weights only when
// asked; never what a run is still writing, a console log, a lock or a route cache.
const STUDY: StudyFile = checkStudy({
  dataset: 'public/data/porto',
  budget: { epochs: 2, patience: 1, maxLen: 64, batch: 8, micro: 8 },
  vanilla: { dir: 'runs/vanilla' },
  teachers: [{ name: 't', out: 'runs/teacher/teacher.safetensors', size: 'study', budget: 'study' }],
  moves: [{ from: 'runs/teacher/teacher.safetensors', out: 'runs/moved/teacher.safetensors', json: 'runs/moved/transfer.json' }],
  arms: [{ name: 'arm-d', dir: 'runs/arm-d', recipe: 'tunedVal', teacher: 't', seeds: [1, 2] }],
  scoring: { steps: ['test'], reports: [{ split: 'test', method: 'bestFirst' }], routeCache: 'runs/vanilla/.routes' },
});

const FILES = [
  'runs/teacher/teacher.safetensors',
  'runs/teacher/teacher.log.json',
  'runs/teacher/teacher.train.log',
  'runs/vanilla/vanilla-s1.safetensors',
  'runs/vanilla/vanilla-s1.log.json',
  'runs/vanilla/vanilla-s2.safetensors',
  'runs/vanilla/vanilla-s2.log.json',
  'runs/vanilla/.routes/abc.json',
  'runs/arm-d/distilled-s1.safetensors',
  'runs/arm-d/distilled-s1.log.json',
  'runs/arm-d/distilled-s1.train.log',
  // seed 2 is still training
  'runs/arm-d/.tmp-distilled-s2.safetensors',
  'runs/arm-d/.tmp-distilled-s2.safetensors.partial',
  'runs/arm-d/.lock-distilled-s2',
  'runs/arm-d/paired-steps-test.json',
  'runs/arm-d/paired-steps-test.json.inputs',
  'runs/arm-d/.tmp-paired-report-test-bestFirst.json',
  'runs/moved/teacher.safetensors',
  'runs/moved/teacher.safetensors.inputs',
  'runs/moved/transfer.json',
  'runs/elsewhere/unrelated.log.json',
];

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function repo(): (args: string[]) => string {
  dir = mkdtempSync(join(tmpdir(), 'study-keep-'));
  const git = (args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
  git(['init', '-q']);
  writeFileSync(join(dir, '.gitignore'), '/runs/\n*.log\n.tmp-*\n');
  for (const f of FILES) {
    mkdirSync(join(dir, dirname(f)), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  return git;
}

const staged = (git: (args: string[]) => string): string[] =>
  git(['diff', '--cached', '--name-only']).trim().split('\n').filter(Boolean).sort();

const LOGS_AND_REPORTS = [
  'runs/arm-d/distilled-s1.log.json',
  'runs/arm-d/paired-steps-test.json',
  'runs/arm-d/paired-steps-test.json.inputs',
  'runs/moved/teacher.safetensors.inputs',
  'runs/moved/transfer.json',
  'runs/teacher/teacher.log.json',
  'runs/vanilla/vanilla-s1.log.json',
  'runs/vanilla/vanilla-s2.log.json',
];

describe('study keep', () => {
  it("stages the finished runs' logs, the reports and their .inputs, and nothing a run is still writing", () => {
    const git = repo();
    const plan = planStudy(STUDY);
    keep(dir, plan, false);
    expect(staged(git)).toEqual(LOGS_AND_REPORTS);
  });

  it('stages the finished checkpoints too with --weights, never a .partial, .tmp-* or lock', () => {
    const git = repo();
    keep(dir, planStudy(STUDY), true);
    expect(staged(git)).toEqual(
      [
        ...LOGS_AND_REPORTS,
        'runs/arm-d/distilled-s1.safetensors',
        'runs/moved/teacher.safetensors',
        'runs/teacher/teacher.safetensors',
        'runs/vanilla/vanilla-s1.safetensors',
        'runs/vanilla/vanilla-s2.safetensors',
      ].sort(),
    );
    expect(keptFiles(dir, planStudy(STUDY), true).some((f) => /\.partial$|\/\.tmp-|\/\.lock-|\.train\.log$|\.routes/.test(f))).toBe(false);
  });

  it('a teacher still training (its best weights under the final name, no log yet) is not kept', () => {
    repo();
    rmSync(join(dir, 'runs/teacher/teacher.log.json'));
    expect(keptFiles(dir, planStudy(STUDY), true).filter((f) => f.startsWith('runs/teacher/'))).toEqual([]);
  });

  it('a teacher copied from a committed checkpoint keeps its log but not a second copy of its weights', () => {
    repo();
    const copied = checkStudy({
      ...STUDY,
      teachers: [
        {
          name: 't',
          out: 'runs/teacher/teacher.safetensors',
          committed: { path: 'public/checkpoints/t.safetensors', sha256: '0'.repeat(64) },
        },
      ],
    });
    const kept = keptFiles(dir, planStudy(copied), true).filter((f) => f.startsWith('runs/teacher/'));
    expect(kept).toEqual(['runs/teacher/teacher.log.json']);
  });

  it("stages the removal of a tracked file gone from the study's folders, and a changed report", () => {
    const git = repo();
    git(['add', '-f', 'runs/arm-d/.tmp-distilled-s2.safetensors.partial']);
    keep(dir, planStudy(STUDY), false);
    git(['commit', '-qm', 'kept']);
    // seed 2 finished: its .partial went, its checkpoint and log are in place; the report was remade.
    rmSync(join(dir, 'runs/arm-d/.tmp-distilled-s2.safetensors.partial'));
    writeFileSync(join(dir, 'runs/arm-d/distilled-s2.safetensors'), 'x');
    writeFileSync(join(dir, 'runs/arm-d/distilled-s2.log.json'), 'x');
    writeFileSync(join(dir, 'runs/arm-d/paired-steps-test.json'), 'remade');
    keep(dir, planStudy(STUDY), false);
    expect(git(['diff', '--cached', '--no-renames', '--name-status']).trim().split('\n').sort()).toEqual(
      [
        'A\truns/arm-d/distilled-s2.log.json',
        'D\truns/arm-d/.tmp-distilled-s2.safetensors.partial',
        'M\truns/arm-d/paired-steps-test.json',
      ].sort(),
    );
  });
});
