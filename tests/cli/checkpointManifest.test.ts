import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { fillCommands, keepAbsent, logFacts, manifestText, studyCommands } from '../../src/cli/checkpoint/checkpointManifest';
import { fileSha256, type ManifestEntry } from '../../src/lib/checkpoint/manifest';

// checkpoint manifest writes checkpoints.json in prettier's layout, and every entry has a command:
// recorded in its log, rebuilt, from the study file that makes it, or that of the same bytes.
const entry = (path: string, sha256: string, command: string | null = null): ManifestEntry => ({
  path,
  bytes: 1,
  sha256,
  weightsSha256: sha256,
  kind: 'teacher',
  dataset: 'porto',
  fingerprint: 'f',
  committed: true,
  usedBy: ['a report with a long name that makes the line longer than the print width of the repository'],
  command,
  commandSource: command ? 'recorded' : null,
});

describe('checkpoint manifest', () => {
  it('keeps the entries of uncommitted runs this machine does not have, and takes its own entry for what it has', () => {
    const uncommitted = (path: string, sha: string) => ({ ...entry(path, sha, 'cmd'), committed: false });
    const previous = [
      uncommitted('runs/a/s1.safetensors', 'old-a'), // trained elsewhere, absent here: kept
      uncommitted('runs/b/s1.safetensors', 'old-b'), // made here again: this machine's entry
      entry('public/checkpoints/x.safetensors', 'old-x'), // committed: only what is here counts
      uncommitted('runs/c/s1.safetensors', 'old-c'), // present here but no longer read by a report: dropped
    ];
    const built = [uncommitted('runs/b/s1.safetensors', 'new-b'), entry('public/checkpoints/y.safetensors', 'y')];
    const exists = (p: string) => p === 'runs/b/s1.safetensors' || p === 'runs/c/s1.safetensors';
    expect(keepAbsent(built, previous, exists).map((e) => [e.path, e.sha256])).toEqual([
      ['public/checkpoints/y.safetensors', 'y'],
      ['runs/a/s1.safetensors', 'old-a'],
      ['runs/b/s1.safetensors', 'new-b'],
    ]);
  });

  it("writes prettier's layout", async () => {
    const text = await manifestText('.', [entry('runs/x.safetensors', 'a'.repeat(64), 'npm run cli -- train teacher')]);
    expect(await prettier.check(text, { ...(await prettier.resolveConfig('checkpoints.json')), filepath: 'checkpoints.json' })).toBe(true);
    expect(text).not.toBe(JSON.stringify(JSON.parse(text), null, 2) + '\n');
  });

  it('fills a missing command from the study that makes the file, else from an entry with the same bytes', async () => {
    const cmds = await studyCommands('.');
    const rde2 = cmds.get('runs/teacher-rde2/teacher.safetensors')!;
    expect(rde2).toMatch(/^npm run cli -- train teacher --dataset public\/data\/porto --out runs\/teacher-rde2\/teacher.safetensors /);
    expect(cmds.get('runs/sf/zero-shot/sf-s2.safetensors')).toBe(
      'npm run cli -- checkpoint transfer runs/sf/zero-shot/porto-idfree-s2.safetensors --dataset public/data/sf --out runs/sf/zero-shot/sf-s2.safetensors',
    );
    expect(cmds.get('runs/arm-d/distilled-s1.safetensors')).toContain('--out runs/arm-d/distilled-s1.safetensors');
    const filled = fillCommands(
      [entry('runs/teacher-rde2/teacher.safetensors', 'b'), entry('public/checkpoints/porto/teacher.safetensors', 'b')],
      cmds,
    );
    expect(filled.map((e) => [e.command, e.commandSource])).toEqual([
      [rde2, 'study'],
      [rde2, 'same bytes'],
    ]);
  });

  it("a teacher's committed copy gets the study's command, then the copy", async () => {
    const cmds = await studyCommands('.');
    const [copy] = fillCommands(
      [entry('public/checkpoints/sf/teacher.safetensors', '28c696405a98590117db636eb5b97a8c59a864323af5af22f235120167eaadae')],
      cmds,
    );
    expect(copy.commandSource).toBe('study');
    expect(copy.command).toBe(
      `${cmds.get('runs/sf/teacher/teacher.safetensors')!} && cp runs/sf/teacher/teacher.safetensors public/checkpoints/sf/teacher.safetensors`,
    );
  });

  it("a shipped copy whose bytes changed (calibrated) gets its run's command by the same training log and weights", async () => {
    const m = JSON.parse(readFileSync('checkpoints.json', 'utf8')) as { checkpoints: ManifestEntry[] };
    const pick = (path: string): ManifestEntry => ({ ...m.checkpoints.find((e) => e.path === path)! });
    const copyCommand = (run: ManifestEntry) =>
      `${run.command!} && cp runs/sf/final-kl/distilled-s1.safetensors public/checkpoints/sf/distilled.safetensors && npm run cli -- calibrate-time --checkpoint public/checkpoints/sf/distilled.safetensors --dataset public/data/sf`;
    const run = pick('runs/sf/final-kl/distilled-s1.safetensors');
    const other = pick('runs/sf/final-kl/distilled-s2.safetensors');
    expect(run.command).toMatch(/--seed 1 --out runs\/sf\/final-kl\/\.tmp-distilled-s1\.safetensors$/);
    const logs = await logFacts('.', [pick('public/checkpoints/sf/distilled.safetensors'), other, run]);
    expect(logs.get('public/checkpoints/sf/distilled.safetensors')!.calibrated).toBe(true);
    expect(logs.get(run.path)!.calibrated).toBe(false);
    // Its log records no command (older runs), or the run's own, which writes the run, not the copy.
    for (const [command, commandSource] of [
      [null, null],
      [run.command, 'recorded'],
    ] as const) {
      const shipped = { ...pick('public/checkpoints/sf/distilled.safetensors'), command, commandSource };
      expect(shipped.sha256).not.toBe(run.sha256);
      fillCommands([shipped, other, { ...run }], new Map(), logs);
      expect(shipped.commandSource).toBe('same log');
      expect(shipped.command).toBe(copyCommand(run));
    }
    // What checkpoints.json holds is what a re-run of the manifest gives.
    expect(pick('public/checkpoints/sf/distilled.safetensors').command).toBe(copyCommand(run));
    // The same log with other weights is not the same run.
    const forged = { ...pick('public/checkpoints/sf/distilled.safetensors'), command: null, commandSource: null, weightsSha256: 'other' };
    fillCommands([forged, { ...run }], new Map(), logs);
    expect(forged.command).toBeNull();
    // A run's own recorded command (its study's temporary name) stays as recorded.
    const own = { ...run };
    fillCommands([own, { ...other }], new Map(), logs);
    expect(own).toMatchObject({ command: run.command, commandSource: 'recorded' });
  });

  it('every committed manifest entry has its command', () => {
    const m = JSON.parse(readFileSync('checkpoints.json', 'utf8')) as { checkpoints: ManifestEntry[] };
    expect(m.checkpoints.filter((e) => !e.command).map((e) => e.path)).toEqual([]);
  });

  // An entry written before its file was staged said `committed: false` for a file git holds, so a
  // reader was sent to train again what the clone has (two SF runs, found on 2026-11-29).
  it("says committed exactly for the files git holds, and a committed file has the entry's bytes", async () => {
    const m = JSON.parse(readFileSync('checkpoints.json', 'utf8')) as { checkpoints: ManifestEntry[] };
    const tracked = new Set(
      execFileSync('git', ['ls-files', '-z', '--', ...m.checkpoints.map((e) => e.path)], { encoding: 'utf8' }).split('\0'),
    );
    expect(m.checkpoints.filter((e) => e.committed !== tracked.has(e.path)).map((e) => e.path)).toEqual([]);
    const differ: string[] = [];
    for (const e of m.checkpoints.filter((x) => x.committed)) {
      if ((await fileSha256(readFileSync(e.path))) !== e.sha256) differ.push(e.path);
    }
    expect(differ).toEqual([]);
  });
});
