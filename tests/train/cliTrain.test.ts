// `train student` end to end on the 120-road grid-town fixture: a finished run exits 0 (scripts
// such as study run stop on any other code) and writes the checkpoint and its log.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/train/train';
import { loadDataset } from '../../src/cli/common/fsDataset';
import { buildDerived } from '../../src/lib/data/derived';
import { TrainingSession } from '../../src/lib/train/session';
import { normaliseHyper } from '../../src/lib/train/sessionHyper';
import { removeTempDirs, tempDir } from '../tempDirs';

afterAll(removeTempDirs);

const GRID_TOWN = join(__dirname, '../../e2e/fixtures/grid-town');

/** A small vanilla run on grid-town, on the cpu backend. */
function studentFlags(out: string, epochs: number, seed: number): string[] {
  const opts = { mode: 'vanilla', dataset: GRID_TOWN, out, epochs, batch: 16, 'max-len': 32, seed, backend: 'cpu' };
  return ['student', ...Object.entries(opts).flatMap(([k, v]) => [`--${k}`, String(v)]), '--quiet'];
}

describe('train student (CLI)', () => {
  // The first test's run (1 epoch, seed 3) is also the --init test's starting checkpoint.
  let oneEpoch = '';
  it('exits 0 after a finished run and writes the checkpoint and its log', async () => {
    const out = join(tempDir('cli-train-'), 'v.safetensors');
    const code = await run(studentFlags(out, 1, 3));
    oneEpoch = out;
    expect(code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const log = JSON.parse(readFileSync(out.replace(/\.safetensors$/, '.log.json'), 'utf8')) as {
      state: string;
      seed: number;
      epochs: unknown[];
    };
    expect(log.state).toBe('done');
    expect(log.seed).toBe(3);
    expect(log.epochs).toHaveLength(1);
  }, 120_000);

  it('--resume continues a run stopped after an epoch exactly as if it had not stopped', async () => {
    const dir = tempDir('cli-resume-');
    const flags = (out: string, ...more: string[]) => [...studentFlags(out, 2, 5), ...more];
    type Log = { epochs: Array<{ epoch: number; valNllDecision: number }>; bestEpoch: number };
    const readLog = (out: string) => JSON.parse(readFileSync(out.replace(/\.safetensors$/, '.log.json'), 'utf8')) as Log;
    const whole = join(dir, 'whole.safetensors');
    expect(await run(flags(whole))).toBe(0);
    expect(existsSync(`${whole}.partial`)).toBe(false); // removed once the run is done

    // The state a run stopped after its first epoch leaves behind (what the CLI writes then).
    const ds = await loadDataset(GRID_TOWN);
    const session = new TrainingSession({
      dataset: ds,
      derived: buildDerived(ds),
      hyper: normaliseHyper({ mode: 'vanilla', epochs: 2, batch: 16, microBatch: 16, maxLen: 32, seed: 5 }),
      backendName: 'cpu',
      minEmitMs: 5000,
      yieldFn: () => Promise.resolve(),
      events: {},
    });
    while (session.history.length < 1) await session.step();
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(`${cut}.partial`, session.checkpointBytes());
    session.dispose();
    expect(await run(flags(cut, '--resume'))).toBe(0);

    const a = readLog(whole);
    const b = readLog(cut);
    expect(b.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(b.epochs[1].valNllDecision).toBeCloseTo(a.epochs[1].valNllDecision, 6);
    expect(b.bestEpoch).toBe(a.bestEpoch);
  }, 240_000);

  it('--init starts from a checkpoint of this network (its weights, step 0, recorded in the log) and refuses another size with the reason', async () => {
    const dir = tempDir('cli-init-');
    const base = join(dir, 'base.safetensors');
    expect(oneEpoch).not.toBe('');
    for (const ext of ['.safetensors', '.log.json'])
      copyFileSync(oneEpoch.replace(/\.safetensors$/, ext), base.replace(/\.safetensors$/, ext));
    const tuned = join(dir, 'tuned.safetensors');
    expect(await run([...studentFlags(tuned, 1, 4), '--init', base])).toBe(0);
    const log = JSON.parse(readFileSync(tuned.replace(/\.safetensors$/, '.log.json'), 'utf8')) as {
      init?: { from: string };
      epochs: Array<{ valNllDecision: number }>;
    };
    expect(log.init?.from).toMatch(/base\.safetensors$/);
    // Started from a trained student: its first epoch is already better than a fresh run's.
    const fresh = JSON.parse(readFileSync(base.replace(/\.safetensors$/, '.log.json'), 'utf8')) as {
      epochs: Array<{ valNllDecision: number }>;
    };
    expect(log.epochs[0].valNllDecision).toBeLessThan(fresh.epochs[0].valNllDecision);
    // The size is the checkpoint's: a flag that says otherwise is refused in one line (issue 66).
    await expect(run([...studentFlags(join(dir, 'x.safetensors'), 1, 4), '--size', 'default', '--init', base])).rejects.toThrow(
      /^--size default contradicts --init base\.safetensors, whose size is small: leave the flag out/,
    );
  }, 180_000);
});
