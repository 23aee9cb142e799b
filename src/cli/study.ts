// `study run <studies/x.json> [--jobs N] [--dry-run] [--only <arm>]`: runs a study (studyPlan.ts)
// to the end, resumable and in parallel: finished runs are kept, a stopped run continues from its
// .partial (train --resume), a run another process trains is left to it (a lock file beside it),
// and a report is remade only when the sha256 of its inputs changed (<report>.inputs, one digest a
// line in input order: the record the bash studies wrote, so their reports count as current).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { commandDecl } from './commandFlags';
import { flagNumber, parseArgs } from './args';
import { checkStudy, planStudy, type Job, type StudyFile } from './studyPlan';

const USAGE = `usage: study run <studies/<name>.json> [--jobs N] [--dry-run] [--only <arm>]
  Trains every run of the study that does not exist yet (--jobs at a time, default one per core), then
  makes each arm's paired reports whose inputs changed. --dry-run prints the plan and why each job
  would run or not. Run it again after a stop: it continues where it stopped.`;

/** Runs one CLI command; resolves with its exit code. Tests pass a fake. */
export type Spawner = (args: string[], log: string | null) => Promise<number>;

const npmSpawner: Spawner = (args, log) =>
  new Promise((resolve) => {
    void (async () => {
      const out = log ? await open(log, 'w') : null;
      const child = spawn('npm', ['run', '--silent', 'cli', '--', ...args], {
        stdio: ['ignore', out ? out.fd : 'ignore', out ? out.fd : 'ignore'],
      });
      child.on('close', (code) => {
        void out?.close();
        resolve(code ?? 1);
      });
    })();
  });

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** The made-from record of `inputs` as they are now (scripts' `sha256sum … | cut -d' ' -f1`). */
export async function inputsRecord(inputs: readonly string[]): Promise<string> {
  return (await Promise.all(inputs.map(sha256))).join('\n') + '\n';
}

export type JobState = 'done' | 'todo' | 'waiting' | 'busy';

/** Where a job stands, and why. */
export async function jobState(j: Job): Promise<{ state: JobState; why: string }> {
  if (j.kind === 'train') {
    if (existsSync(j.out)) return { state: 'done', why: 'checkpoint exists' };
    if (lockHeld(lockOf(j.out))) return { state: 'busy', why: 'another process trains it' };
    return { state: 'todo', why: existsSync(`${j.tmp}.partial`) ? 'resumes from its .partial' : 'not trained yet' };
  }
  const missing = j.inputs.filter((i) => !existsSync(i));
  if (missing.length) return { state: 'waiting', why: `waits for ${missing.length} checkpoint(s)` };
  if (!existsSync(j.out)) return { state: 'todo', why: 'no report yet' };
  const rec = await readFile(`${j.out}.inputs`, 'utf8').catch(() => null);
  if (rec === null) return { state: 'todo', why: 'no record of its inputs' };
  return rec === (await inputsRecord(j.inputs))
    ? { state: 'done', why: 'made from these checkpoints' }
    : { state: 'todo', why: 'its inputs changed' };
}

const lockOf = (ck: string): string => ck.replace(/([^/]+)\.safetensors$/, '.lock-$1');

function lockHeld(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the run's lock (a file holding this pid); false when a live process holds it. The arm's
 * folder is made first: a new arm has none, and a lock that cannot be written is not someone else's.
 */
async function takeLock(lock: string): Promise<boolean> {
  if (lockHeld(lock)) return false;
  await mkdir(dirname(lock), { recursive: true });
  await rm(lock, { force: true }); // a dead process's lock
  try {
    const f = await open(lock, 'wx');
    await f.writeFile(String(process.pid));
    await f.close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false; // taken between the two looks
    throw e;
  }
}

/** 'busy': another process took the run first; it stays unfinished until that process ends. */
type JobEnd = 'ok' | 'failed' | 'busy';

async function runJob(j: Job, spawner: Spawner): Promise<JobEnd> {
  if (j.kind === 'train') {
    const lock = lockOf(j.out);
    if (!(await takeLock(lock))) return 'busy';
    try {
      const code = await spawner(j.args, j.out.replace(/\.safetensors$/, '.train.log'));
      if (code !== 0) return 'failed';
      await rename(j.tmp!.replace(/\.safetensors$/, '.log.json'), j.out.replace(/\.safetensors$/, '.log.json'));
      await rename(j.tmp!, j.out);
      return 'ok';
    } finally {
      await rm(lock, { force: true });
    }
  }
  await mkdir(dirname(j.out), { recursive: true });
  const slash = j.out.lastIndexOf('/');
  const tmp = `${j.out.slice(0, slash)}/.tmp-${j.out.slice(slash + 1)}`;
  const code = await spawner([...j.args, '--out', tmp], null);
  if (code !== 0) return 'failed';
  await rename(tmp, j.out);
  await writeFile(`${j.out}.inputs`, await inputsRecord(j.inputs));
  return 'ok';
}

/**
 * Runs the plan: at most `jobs` at once, a report only once its checkpoints exist. Resolves with the
 * jobs that failed (a failed training fails the reports that read it).
 */
export async function runPlan(plan: Job[], jobs: number, spawner: Spawner, log: (s: string) => void): Promise<string[]> {
  const failed = new Set<string>();
  const finished = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const t0 = Date.now();
  const stamp = () => `${new Date().toISOString().slice(11, 19)} +${Math.round((Date.now() - t0) / 1000)} s`;
  for (;;) {
    let started = false;
    for (const j of plan) {
      if (running.size >= jobs) break;
      if (finished.has(j.id) || running.has(j.id) || failed.has(j.id)) continue;
      if (j.inputs.some((i) => failed.has(`train ${i}`))) {
        failed.add(j.id);
        log(`[failed] ${j.id}: an input failed to train`);
        continue;
      }
      const { state, why } = await jobState(j);
      if (state === 'done') {
        finished.add(j.id);
        continue;
      }
      if (state !== 'todo') continue;
      log(`[start ${stamp()}] ${j.id} (${why})`);
      started = true;
      running.set(
        j.id,
        runJob(j, spawner).then((end) => {
          running.delete(j.id);
          if (end === 'ok') finished.add(j.id);
          if (end === 'failed') failed.add(j.id);
          const see = end === 'failed' && j.kind === 'train' ? ` (see ${j.out.replace(/\.safetensors$/, '.train.log')})` : '';
          log(`[${end === 'ok' ? 'done' : end === 'busy' ? 'left to another process' : 'failed'} ${stamp()}] ${j.id}${see}`);
        }),
      );
    }
    if (running.size === 0 && !started) {
      // Nothing runs and nothing could start: done, or waiting on runs another process trains.
      const left = plan.filter((j) => !finished.has(j.id) && !failed.has(j.id));
      const busy = (await Promise.all(left.map(jobState))).some((s) => s.state === 'busy');
      if (!busy) return [...failed];
      await new Promise((r) => setTimeout(r, 30_000));
      continue;
    }
    if (running.size > 0) await Promise.race(running.values());
  }
}

export async function run(args: string[], spawner: Spawner = npmSpawner): Promise<number> {
  const p = parseArgs(args, commandDecl('study run', USAGE));
  const [sub, file] = p.positional;
  if (sub !== 'run' || !file) {
    console.error(USAGE);
    return 2;
  }
  const study = checkStudy(JSON.parse(await readFile(file, 'utf8')) as StudyFile);
  const plan = planStudy(study, typeof p.flags.only === 'string' ? p.flags.only : undefined);
  if (p.flags['dry-run'] === true) {
    for (const j of plan) {
      const { state, why } = await jobState(j);
      console.log(`${state.padEnd(7)} ${j.id}: ${why}`);
    }
    return 0;
  }
  const failed = await runPlan(plan, flagNumber(p, 'jobs', availableParallelism()), spawner, (s) => console.log(s));
  if (failed.length) console.error(`failed: ${failed.join('; ')}`);
  return failed.length ? 1 : 0;
}
