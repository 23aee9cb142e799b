// scripts/run-lock.sh lets two study lanes work through one list of runs: a run is trained by one
// process only, and a lane that skipped a busy run waits for it before scoring.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('fails, naming the log, when a run nobody trains is missing', () => {
    dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
    const r = sh(`await_runs ${join(dir, 'distilled-s2.safetensors')}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing after its training');
    expect(r.stderr).toContain('distilled-s2.train.log');
  });
});
