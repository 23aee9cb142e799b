// scripts/run-lock.sh lets two study lanes work through one list of runs: a run is trained by one
// process only, and a lane that skipped a busy run waits for it before scoring.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const LIB = resolve(import.meta.dirname, '../../scripts/run-lock.sh');
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sh = (script: string) => spawnSync('bash', ['-c', `source ${LIB}; ${script}`], { encoding: 'utf8' });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
}

describe('run-lock.sh', () => {
  it('lets one process train a run; another skips it, then waits for it to finish', async () => {
    dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
    const ck = join(dir, 'vanilla-s1.safetensors');
    // The "trainer": claims the run, says so, waits for the test's go, writes the checkpoint, releases.
    const trainer = spawn('bash', [
      '-c',
      `source ${LIB}; claim_run ${ck} || exit 9; touch ${dir}/ready; while [ ! -f ${dir}/go ]; do sleep 0.02; done; touch ${ck}; release_run; sleep 5`,
    ]);
    await until(() => existsSync(join(dir, 'ready')));

    expect(sh(`claim_run ${ck}`).status).toBe(1);
    const waiter = spawn('bash', ['-c', `source ${LIB}; await_runs ${ck} && [ -f ${ck} ] && echo waited`]);
    let out = '';
    waiter.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((r) => waiter.on('exit', r));
    writeFileSync(join(dir, 'go'), '');
    expect(await done).toBe(0);
    expect(out.trim()).toBe('waited');
    // Released: the run can be claimed again (it exists, so a script would skip it).
    expect(sh(`claim_run ${ck}`).status).toBe(0);
    trainer.kill();
  });

  it('trains a run into a temporary name and moves the student and its log in place; skips one that exists', () => {
    dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
    // A stand-in npm: records its arguments and writes what `train student --out X` leaves behind.
    mkdirSync(join(dir, 'bin'));
    const npm = join(dir, 'bin/npm');
    writeFileSync(
      npm,
      `#!/usr/bin/env bash\necho "$*" >> ${dir}/calls\nwhile [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done\necho w > "$out"; echo '{}' > "\${out%.safetensors}.log.json"\n`,
    );
    chmodSync(npm, 0o755);
    const ck = join(dir, 'scratch-s2.safetensors');
    const train = () =>
      spawnSync('bash', ['-c', `source ${LIB}; dataset=public/data/sf; EPOCHS=7 train_claimed ${ck} --seed 2 --train-frac 0.25`], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` },
      });
    expect(train().status).toBe(0);
    expect(readFileSync(ck, 'utf8').trim()).toBe('w');
    expect(existsSync(join(dir, 'scratch-s2.log.json'))).toBe(true);
    expect(existsSync(join(dir, '.tmp-scratch-s2.safetensors'))).toBe(false);
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('train student --dataset public/data/sf --epochs 7');
    expect(calls[0]).toContain('--resume --seed 2 --train-frac 0.25 --out');
    // Trained: a second call leaves it alone, and its lock is free again.
    expect(train().status).toBe(0);
    expect(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(sh(`claim_run ${ck}`).status).toBe(0);
  });

  it('fails, naming the log, when a run nobody trains is missing', () => {
    dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
    const r = sh(`await_runs ${join(dir, 'distilled-s2.safetensors')}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing after its training');
    expect(r.stderr).toContain('distilled-s2.train.log');
  });
});
