// scripts/made-from.sh decides whether a study's report is up to date with the checkpoints it
// scores by their content, since a new checkout's modification times say nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const LIB = resolve(import.meta.dirname, '../../scripts/made-from.sh');
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sh = (script: string) => spawnSync('bash', ['-c', `source ${LIB}; cd ${dir}; ${script}`], { encoding: 'utf8' });
const age = (file: string, secondsAgo: number) => {
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(join(dir, file), t, t);
};

describe('made-from.sh', () => {
  it('keeps a report whose inputs are unchanged, whatever the modification times say', () => {
    dir = mkdtempSync(join(tmpdir(), 'made-from-'));
    writeFileSync(join(dir, 'a.safetensors'), 'weights a');
    writeFileSync(join(dir, 'b.safetensors'), 'weights b');
    writeFileSync(join(dir, 'report.json'), '{}');
    expect(sh('made_from report.json a.safetensors b.safetensors').status).toBe(0);
    // A new checkout: the report is now older than its checkpoints.
    age('report.json', 100);
    expect(sh('up_to_date report.json a.safetensors b.safetensors').status).toBe(0);
    // A checkpoint retrained: its content changed.
    writeFileSync(join(dir, 'b.safetensors'), 'weights b, retrained');
    expect(sh('up_to_date report.json a.safetensors b.safetensors').status).toBe(1);
    // Missing report.
    expect(sh('up_to_date other.json a.safetensors').status).toBe(1);
  });

  it('adopts a report made before records only when it is newer than every input', () => {
    dir = mkdtempSync(join(tmpdir(), 'made-from-'));
    writeFileSync(join(dir, 'a.safetensors'), 'weights a');
    writeFileSync(join(dir, 'report.json'), '{}');
    age('a.safetensors', 100);
    expect(sh('up_to_date report.json a.safetensors').status).toBe(0);
    expect(sh('cat report.json.inputs').stdout.trim()).toMatch(/^[0-9a-f]{64}$/);

    writeFileSync(join(dir, 'old.json'), '{}');
    age('old.json', 200);
    expect(sh('up_to_date old.json a.safetensors').status).toBe(1);
  });
});
