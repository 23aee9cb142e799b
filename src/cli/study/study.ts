// `study run <studies/x.json> [--jobs N] [--dry-run] [--only <arm>]`: runs a study (studyPlan.ts)
// to the end, resumable and in parallel, each job after the jobs that make what it reads (a teacher
// before its students, a moved checkpoint before its scores): finished runs are kept, a stopped run continues from its
// .partial (train --resume), a run another process trains is left to it (a lock file beside it),
// and a report is remade only when the sha256 of its inputs changed (<report>.inputs, one digest a
// line in input order: the record the bash studies wrote, so their reports count as current).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { commandDecl } from '../common/commandFlags';
import { flagNumber, parseArgs } from '../common/args';
import { checkStudy, logOf, planStudy, type Job, type PlanContext, type StudyFile } from './studyPlan';

const USAGE = `usage: study run <studies/<name>.json> [--jobs N] [--dry-run] [--only <arm>]
  Trains every teacher and run of the study that does not exist yet (--jobs at a time, default one per
  core; a teacher with a committed copy of the same bytes is copied), moves checkpoints to another
  network, then makes the scores and each arm's paired reports whose inputs changed, each after what
  it reads. --dry-run prints the plan and why each job
  would run or not. Run it again after a stop: it continues where it stopped.
  See also: study keep (stage what a study finished for git), study publish (its finished
  comparisons into docs/experiments/runs and public/reports).`;

/**
 * Runs one CLI command; resolves with its exit code. Its output goes to `log` (stdout and stderr),
 * or with `stdoutOnly` its stdout alone is the file (eval steps --json). Tests pass a fake.
 */
export type Spawner = (args: string[], log: string | null, stdoutOnly?: boolean) => Promise<number>;

const npmSpawner: Spawner = (args, log, stdoutOnly) =>
  new Promise((resolve) => {
    void (async () => {
      const out = log ? await open(log, 'w') : null;
      const child = spawn('npm', ['run', '--silent', 'cli', '--', ...args], {
        stdio: ['ignore', out ? out.fd : 'ignore', out && !stdoutOnly ? out.fd : stdoutOnly ? 'inherit' : 'ignore'],
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

/** Where a job stands, and why (on its own: `planStates` adds what it waits for in the plan). */
export async function jobState(j: Job): Promise<{ state: JobState; why: string }> {
  const needs = (j.needs ?? []).filter((i) => !existsSync(i));
  if (j.kind === 'teacher') {
    // The log alone is not enough: a clone has the committed log while the checkpoint is ignored.
    if (existsSync(logOf(j.out)) && existsSync(j.out)) return { state: 'done', why: 'teacher trained (its log exists)' };
    const c = j.committed;
    if (c && existsSync(j.out) && (await sha256(j.out)) === c.sha256) return { state: 'done', why: 'the committed copy' };
    if (lockHeld(lockOf(j.out))) return { state: 'busy', why: 'another process trains it' };
    if (c && (c.commit || existsSync(c.path))) return { state: 'todo', why: `copies ${c.commit ? `${c.commit}:` : ''}${c.path}` };
    return { state: 'todo', why: existsSync(`${j.out}.partial`) ? 'resumes from its .partial' : 'not trained yet' };
  }
  if (j.kind === 'train') {
    if (existsSync(j.out)) return { state: 'done', why: 'checkpoint exists' };
    if (lockHeld(lockOf(j.out))) return { state: 'busy', why: 'another process trains it' };
    const missing = j.inputs.filter((i) => !existsSync(i));
    if (missing.length) return { state: 'waiting', why: `waits for ${missing.join(', ')}` };
    return { state: 'todo', why: existsSync(`${j.tmp}.partial`) ? 'resumes from its .partial' : 'not trained yet' };
  }
  const missing = j.inputs.filter((i) => !existsSync(i));
  // A big report may be committed gzipped only (eval pack-reports): its .gz stands for it.
  const made = existsSync(j.out) || existsSync(`${j.out}.gz`);
  const rec = made ? await readFile(`${j.out}.inputs`, 'utf8').catch(() => null) : null;
  // A committed report whose checkpoints this machine lacks (git keeps logs and reports, not every
  // run's weights) is kept as made: its runs would have to be trained again only to remake it bit for
  // bit. Its record, where there is one, must name as many inputs as the job reads (a three-seed
  // report does not stand for a five-seed one).
  if (missing.length && made && (rec === null || rec.trimEnd().split('\n').length === j.inputs.length))
    return { state: 'done', why: `kept as made (${missing.length} of its checkpoints are not on this machine)` };
  if (missing.length || needs.length)
    return { state: 'waiting', why: missing.length ? `waits for ${missing.length} checkpoint(s)` : `waits for ${needs.join(', ')}` };
  if (lockHeld(lockOf(j.out))) return { state: 'busy', why: 'another process makes it' };
  if (!made) return { state: 'todo', why: 'not made yet' };
  if (rec === null) return { state: 'todo', why: 'no record of its inputs' };
  return rec === (await inputsRecord(j.inputs))
    ? { state: 'done', why: 'made from these inputs' }
    : { state: 'todo', why: 'its inputs changed' };
}

/**
 * A job's state within its plan. A finished run whose checkpoint is gone (its log is committed, its
 * weights were not) is done when every job of the plan that reads it is done: training it again
 * would remake nothing. Otherwise it is trained again, bit-identical to its log.
 */
export async function planJobState(j: Job, plan: readonly Job[]): Promise<{ state: JobState; why: string }> {
  const s = await jobState(j);
  if (j.kind !== 'train' || s.state !== 'todo' || !existsSync(logOf(j.out)) || existsSync(`${j.tmp}.partial`)) return s;
  const readers = plan.filter((r) => r.id !== j.id && (r.inputs.includes(j.out) || (r.needs ?? []).includes(j.out)));
  for (const r of readers) if ((await planJobState(r, plan)).state !== 'done') return s;
  return { state: 'done', why: 'trained (its log is kept) and every report that reads it is made' };
}

/** The job of the plan that makes each file. */
const producers = (plan: readonly Job[]): Map<string, Job> => new Map(plan.map((j) => [j.out, j]));

/** What a job reads that another job of the plan has not finished (a teacher's file exists while it trains). */
function pendingInputs(j: Job, made: Map<string, Job>, finished: (id: string) => boolean): string[] {
  return [...j.inputs, ...(j.needs ?? [])].filter((i) => {
    const p = made.get(i);
    return p !== undefined && p.id !== j.id && !finished(p.id);
  });
}

/** Every job's state within the plan: a job whose inputs another job has yet to make waits for it. */
export async function planStates(plan: readonly Job[]): Promise<Array<{ job: Job; state: JobState; why: string }>> {
  const own = new Map<string, { state: JobState; why: string }>();
  for (const j of plan) own.set(j.id, await planJobState(j, plan));
  const made = producers(plan);
  return plan.map((j) => {
    const s = own.get(j.id)!;
    if (s.state !== 'todo') return { job: j, ...s };
    const pending = pendingInputs(j, made, (id) => own.get(id)!.state === 'done');
    return pending.length ? { job: j, state: 'waiting', why: `waits for ${pending.join(', ')}` } : { job: j, ...s };
  });
}

/** The lock beside a job's output: `.lock-<run>` for a checkpoint, `.lock-<report file>` for a report. */
const lockOf = (out: string): string => out.replace(/[^/]+$/, (name) => `.lock-${name.replace(/\.safetensors$/, '')}`);

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

/** A committed teacher copied into place when its bytes are the ones the study names; false: train it. */
async function copyCommitted(j: Job): Promise<boolean> {
  const c = j.committed;
  if (!c) return false;
  let bytes: Buffer;
  try {
    bytes = c.commit ? execFileSync('git', ['show', `${c.commit}:${c.path}`], { maxBuffer: 1 << 30 }) : await readFile(c.path);
  } catch {
    return false;
  }
  if (createHash('sha256').update(bytes).digest('hex') !== c.sha256) return false;
  await mkdir(dirname(j.out), { recursive: true });
  await writeFile(`${j.out}.tmp`, bytes);
  await rename(`${j.out}.tmp`, j.out);
  const log = logOf(c.path);
  if (!c.commit && existsSync(log)) await copyFile(log, logOf(j.out));
  return true;
}

async function runJob(j: Job, spawner: Spawner): Promise<JobEnd> {
  if (j.kind === 'train' || j.kind === 'teacher') {
    const lock = lockOf(j.out);
    if (!(await takeLock(lock))) return 'busy';
    try {
      if (j.kind === 'teacher') {
        if (await copyCommitted(j)) return 'ok';
        const code = await spawner(j.args, j.out.replace(/\.safetensors$/, '.train.log'));
        return code === 0 && existsSync(logOf(j.out)) ? 'ok' : 'failed';
      }
      const code = await spawner(j.args, j.out.replace(/\.safetensors$/, '.train.log'));
      if (code !== 0) return 'failed';
      await rename(logOf(j.tmp!), logOf(j.out));
      await rename(j.tmp!, j.out);
      return 'ok';
    } finally {
      await rm(lock, { force: true });
    }
  }
  // Two processes on one study would write the same temporary file: a report is made by one at a time.
  const lock = lockOf(j.out);
  if (!(await takeLock(lock))) return 'busy';
  try {
    return await makeReport(j, spawner);
  } finally {
    await rm(lock, { force: true });
  }
}

async function makeReport(j: Job, spawner: Spawner): Promise<JobEnd> {
  await mkdir(dirname(j.out), { recursive: true });
  const slash = j.out.lastIndexOf('/');
  const tmp = `${j.out.slice(0, slash)}/.tmp-${j.out.slice(slash + 1)}`;
  // Where the command writes: --out <tmp> (or {tmp} in its args), or its stdout is the file itself.
  const args =
    j.stdout === 'out' ? j.args : j.args.includes('{tmp}') ? j.args.map((a) => (a === '{tmp}' ? tmp : a)) : [...j.args, '--out', tmp];
  const code = await spawner(args, j.stdout === 'out' ? tmp : (j.stdout ?? null), j.stdout !== undefined);
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
  const made = producers(plan);
  const running = new Map<string, Promise<void>>();
  const t0 = Date.now();
  const stamp = () => `${new Date().toISOString().slice(11, 19)} +${Math.round((Date.now() - t0) / 1000)} s`;
  for (;;) {
    let started = false;
    for (const j of plan) {
      if (running.size >= jobs) break;
      if (finished.has(j.id) || running.has(j.id) || failed.has(j.id)) continue;
      if ([...j.inputs, ...(j.needs ?? [])].some((i) => made.has(i) && failed.has(made.get(i)!.id))) {
        failed.add(j.id);
        log(`[failed] ${j.id}: an input failed to train`);
        continue;
      }
      if (pendingInputs(j, made, (id) => finished.has(id)).length) continue;
      const { state, why } = await planJobState(j, plan);
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
          const see = end === 'failed' && j.kind !== 'report' ? ` (see ${j.out.replace(/\.safetensors$/, '.train.log')})` : '';
          log(`[${end === 'ok' ? 'done' : end === 'busy' ? 'left to another process' : 'failed'} ${stamp()}] ${j.id}${see}`);
        }),
      );
    }
    if (running.size === 0 && !started) {
      // Nothing runs and nothing could start: done, or waiting on runs another process trains.
      const left = plan.filter((j) => !finished.has(j.id) && !failed.has(j.id) && !pendingInputs(j, made, (id) => finished.has(id)).length);
      const busy = (await Promise.all(left.map(jobState))).some((s) => s.state === 'busy');
      if (!busy) {
        // What still waits can never start: a file it reads is missing and no job of the plan makes it.
        for (const j of left) {
          if (pendingInputs(j, made, (id) => finished.has(id)).length) continue;
          const { state, why } = await jobState(j);
          if (state !== 'waiting') continue;
          failed.add(j.id);
          log(`[not run] ${j.id}: ${why}`);
        }
        for (const j of plan)
          if (!finished.has(j.id) && !failed.has(j.id) && pendingInputs(j, made, (id) => finished.has(id)).length) {
            failed.add(j.id);
            log(`[not run] ${j.id}: an input was not made`);
          }
        return [...failed];
      }
      await new Promise((r) => setTimeout(r, 30_000));
      continue;
    }
    if (running.size > 0) await Promise.race(running.values());
  }
}

/** What the plan reads from disk: the held-out taxis of the network's build report, once it is built. */
export async function planContext(study: StudyFile): Promise<PlanContext> {
  if (!study.match) return {};
  const rep = await readFile(`${study.match.network}/build-report.json`, 'utf8').catch(() => null);
  if (rep === null) return {};
  return { heldOutTaxis: (JSON.parse(rep) as { inputs?: { heldOutTaxis?: string[] } }).inputs?.heldOutTaxis ?? [] };
}

export async function run(args: string[], spawner: Spawner = npmSpawner): Promise<number> {
  const p = parseArgs(args, commandDecl('study run', USAGE));
  const [sub, file] = p.positional;
  if (sub !== 'run' || !file) {
    console.error(USAGE);
    return 2;
  }
  const study = checkStudy(JSON.parse(await readFile(file, 'utf8')) as StudyFile);
  const plan = planStudy(study, typeof p.flags.only === 'string' ? p.flags.only : undefined, await planContext(study));
  if (p.flags['dry-run'] === true) {
    for (const { job, state, why } of await planStates(plan)) console.log(`${state.padEnd(7)} ${job.id}: ${why}`);
    return 0;
  }
  const failed = await runPlan(plan, flagNumber(p, 'jobs', availableParallelism()), spawner, (s) => console.log(s));
  if (failed.length) console.error(`failed: ${failed.join('; ')}`);
  return failed.length ? 1 : 0;
}
