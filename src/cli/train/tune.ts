// `tune`: the λ/τ/w search (thesis §4.3) in Node on the wasm backend.
// CMA-ES (src/lib/tune/cmaes.ts) proposes λ (log, 1e-3…10), τ (1…5) and w (2…8 or the whole
// prefix); successive halving (src/lib/tune/successiveHalving.ts) prunes on the objective (val
// decision NLL, or with --objective generation the routes on val OD pairs) after each rung of
// epochs; trial 0 is vanilla. Each rung and trial end is appended to a JSONL
// log and a half-trained trial's state is saved, so an interrupted search resumes when the same
// command runs again. The report (one entry per trial) is rewritten after every trial.
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { flagNumber, flagString, parseArgs, commandLine, usageExit } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { runEnvironment } from '../common/runEnvironment';
import { repoPath } from '../common/repoPath';
import { loadDataset } from '../common/fsDataset';
import { hyperFromFlags } from './studentFlags';
import { initNodeBackend } from '../../lib/runtime/node';
import { installFastKernels } from '../../lib/models/layers';
import { buildDerived } from '../../lib/data/derived';
import { loadTeacher } from '../../lib/checkpoint/loadModel';
import {
  DEFAULT_SEARCH,
  TuningSearch,
  parseTrialLog,
  type SearchSettings,
  type TrialSummary,
  type TuneLogEntry,
} from '../../lib/tune/search';
import { SessionTrialRunner, type TrialStateStore } from '../../lib/tune/sessionRunner';
import { rungBudgets } from '../../lib/tune/successiveHalving';
import { KL_MASKS, LAMBDA_RANGE, TAU_RANGE, WINDOWS, windowToJson } from '../../lib/tune/space';
import { odObjective, odObjectiveSet } from '../../lib/eval/odObjective';
import { StudentScorer } from '../../lib/generate/studentScorer';
import type { TrainingSession } from '../../lib/train/session';
import type { SessionHyper } from '../../lib/train/sessionHyper';

const USAGE = `usage: tune --trials N [--json] [--out public/reports/porto-tuning.json]
            [--dataset public/data/porto] [--teacher public/checkpoints/porto/teacher.safetensors]
            [--min-budget 1] [--max-budget 9] [--eta 3]      budgets in epochs; rungs max·η^-k ≥ min
            [--seed 42] [--search-seed 1] [--sigma0 0.25] [--train-frac 1]
            [--log <out>.trials.jsonl] [--state .cache/tuning/<name>-state/]   (resume: run the same command again)
            [--batch 64] [--micro 64] [--lr 1e-3] [--size small] [--max-len 128] [--alpha 1] …
            (the other \`train student\` flags pass through to every trial)
            [--recipe <name>]   a named recipe's KL mask and target for every trial (λ, τ, w are searched)
            [--tune-mask]   also search where the KL is dropped (none, indistinct steps, the last 10 steps, both)
            [--objective nll|generation] [--objective-od 200] [--objective-od-seed 7]
            [--objective-method bestFirst|beam] [--objective-beam 4]
            [--backend wasm|cpu] [--quiet]
  Trial 0 is vanilla (λ = 0, never pruned); trials 1… are CMA-ES proposals. The objective
  (lower is better) is the val decision NLL (whole val trips, steps with ≥ 2 candidates), the
  lowest over the epochs trained so far; or, with --objective generation, the routes the trial's
  weights generate after each rung for a fixed sample of val OD pairs (their real start times):
  1000 · (1 − reached rate) + mean DTW to the real trip in km (reached rate first, DTW breaks
  ties). --seed is the training seed of every trial (paired comparisons); --search-seed drives
  CMA-ES. With --json the report also goes to stdout.`;

// 2: trials carry `value` (the objective) instead of `valNllDecision`; `objective` is an object.
const SCHEMA = 'trajdistill-tuning/2';

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('tune', USAGE));
  const exit = usageExit(p, USAGE, p.positional.length > 0);
  if (exit !== null) return exit;
  let trials: number;
  let settings: SearchSettings;
  try {
    trials = flagNumber(p, 'trials', NaN);
    if (!(Number.isInteger(trials) && trials >= 1)) throw new Error('--trials N (a whole number ≥ 1) is required');
    settings = {
      searchSeed: flagNumber(p, 'search-seed', DEFAULT_SEARCH.searchSeed),
      sigma0: flagNumber(p, 'sigma0', DEFAULT_SEARCH.sigma0),
      minBudget: flagNumber(p, 'min-budget', DEFAULT_SEARCH.minBudget),
      maxBudget: flagNumber(p, 'max-budget', DEFAULT_SEARCH.maxBudget),
      eta: flagNumber(p, 'eta', DEFAULT_SEARCH.eta),
      ...(p.flags['tune-mask'] === true ? { tuneMask: true } : {}),
    };
    rungBudgets(settings);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const quiet = p.flags.quiet === true;
  const log = (s: string): void => {
    if (!quiet) console.error(s);
  };
  const out = resolve(flagString(p, 'out', 'public/reports/porto-tuning.json'));
  const stem = out.replace(/\.json$/, '');
  const logPath = resolve(flagString(p, 'log', `${stem}.trials.jsonl`));
  // Half-trained trials' checkpoints: scratch space, outside public/ (the build copies public/).
  const stateDir = resolve(flagString(p, 'state', join('.cache', 'tuning', `${basename(stem)}-state`)));
  const datasetDir = flagString(p, 'dataset', 'public/data/porto');
  const teacherPath = resolve(flagString(p, 'teacher', 'public/checkpoints/porto/teacher.safetensors'));
  const base: SessionHyper = hyperFromFlags(p);
  const objectiveKind = flagString(p, 'objective', 'nll');
  if (objectiveKind !== 'nll' && objectiveKind !== 'generation') throw new Error('--objective must be nll or generation');
  const objectiveMethod = flagString(p, 'objective-method', 'bestFirst');
  if (objectiveMethod !== 'bestFirst' && objectiveMethod !== 'beam') throw new Error('--objective-method must be bestFirst or beam');
  const objectiveSearch = {
    method: objectiveMethod as 'bestFirst' | 'beam',
    beam: flagNumber(p, 'objective-beam', 4),
    maxSteps: 200,
    maxExpansions: 5000,
  };
  const objectiveOd = { max: flagNumber(p, 'objective-od', 200), seed: flagNumber(p, 'objective-od-seed', 7) };

  const backendName = flagString(p, 'backend', 'wasm');
  if (backendName !== 'wasm' && backendName !== 'cpu') throw new Error('--backend must be wasm or cpu');
  const backend = await initNodeBackend(backendName);
  installFastKernels();
  const ds = await loadDataset(datasetDir);
  const derived = buildDerived(ds);
  const { checkpoint: teacherCk, model: teacher } = loadTeacher(new Uint8Array(await readFile(teacherPath)), derived);

  // What must not change between a search and its resumption.
  const fixedHyper: Partial<SessionHyper> = { ...base };
  for (const k of ['mode', 'lambda', 'tau', 'window', 'epochs'] as const) delete fixedHyper[k];
  const context = {
    dataset: ds.name,
    fingerprint: derived.fingerprint,
    teacher: basename(teacherPath),
    teacherCreated: teacherCk.created,
    hyper: fixedHyper,
    // Only a generation objective is written down: a log started before objectives existed resumes.
    ...(objectiveKind === 'generation' ? { objective: { kind: objectiveKind, od: objectiveOd, search: objectiveSearch } } : {}),
  };
  const objectiveSet = objectiveKind === 'generation' ? odObjectiveSet(ds.splits.val, derived, objectiveOd.max, objectiveOd.seed) : null;
  const rungValue = objectiveSet
    ? async (session: TrainingSession): Promise<number> => {
        const scorer = new StudentScorer(session.student, session.trainer.ctx, derived);
        try {
          const o = await odObjective(scorer, objectiveSet, { dataset: ds, derived, ...objectiveSearch });
          log(
            `  val OD objective: reached ${(100 * o.reachedRate).toFixed(1)} %, mean DTW ${o.meanDtwKm.toFixed(2)} km → ${o.value.toFixed(3)} (${objectiveSet.ods.length} OD pairs, ${o.seconds.toFixed(1)} s)`,
          );
          return o.value;
        } finally {
          scorer.dispose();
        }
      }
    : undefined;
  const entries = await readLog(logPath);
  const search = new TuningSearch(settings, context, entries, async (e) => {
    await mkdir(dirname(logPath), { recursive: true });
    await appendFile(logPath, JSON.stringify(e) + '\n');
  });
  const store: TrialStateStore = {
    load: async (trial) => {
      const f = join(stateDir, `trial-${trial}.safetensors`);
      return existsSync(f) ? new Uint8Array(await readFile(f)) : null;
    },
    save: async (trial, bytes) => {
      await mkdir(stateDir, { recursive: true });
      await writeFile(join(stateDir, `trial-${trial}.safetensors`), bytes);
    },
    remove: async (trial) => rm(join(stateDir, `trial-${trial}.safetensors`), { force: true }),
  };
  const runner = new SessionTrialRunner({
    dataset: ds,
    derived,
    teacher,
    base,
    maxBudget: settings.maxBudget,
    store,
    precomputeTeacher: true,
    rungValue,
    log,
  });
  const objectiveName = objectiveSet ? 'val OD objective' : 'val decision NLL';
  const env = runEnvironment(backend.name);
  const report = (summaries: TrialSummary[]) => ({
    schema: SCHEMA,
    command: commandLine('tune', args),
    created: new Date().toISOString(),
    complete: summaries.length >= trials && summaries.every((s) => s.done),
    dataset: {
      name: ds.name,
      dir: repoPath(datasetDir),
      fingerprint: derived.fingerprint,
      trainTrips: ds.splits.train.length,
      valTrips: ds.splits.val.length,
    },
    teacher: { file: repoPath(teacherPath), created: teacherCk.created, config: teacherCk.config },
    objective: objectiveSet
      ? {
          kind: 'generation',
          text: `1000 · (1 − reached rate) + mean DTW (km) of the routes the trial's weights generate after each rung (${objectiveSearch.method}${objectiveSearch.method === 'beam' ? ` ${objectiveSearch.beam}` : ''}) for ${objectiveSet.ods.length} val OD pairs with their real start times, against the real trips; lower is better`,
          od: objectiveOd,
          search: objectiveSearch,
        }
      : {
          kind: 'nll',
          text: 'val decision NLL: mean −log p(next road) over val steps with ≥ 2 candidates, whole trips; the lowest over the epochs trained so far',
        },
    sampler: 'CMA-ES, own implementation (src/lib/tune/cmaes.ts) over the unit cube (log10 λ, τ, w index)',
    pruner: 'successive halving, asynchronous (ASHA), own implementation (src/lib/tune/successiveHalving.ts); trial 0 is never pruned',
    space: {
      lambda: { range: LAMBDA_RANGE, scale: 'log' },
      tau: { range: TAU_RANGE },
      window: WINDOWS.map(windowToJson),
      ...(settings.tuneMask ? { klMask: KL_MASKS } : {}),
    },
    budget: { unit: 'epochs', rungs: rungBudgets(settings), min: settings.minBudget, max: settings.maxBudget, eta: settings.eta },
    seeds: { training: base.seed, search: settings.searchSeed },
    sigma0: settings.sigma0,
    baseHyper: fixedHyper,
    log: repoPath(logPath),
    trials: summaries,
    best: bestOf(summaries, settings.maxBudget),
    env,
  });
  const writeReport = async (summaries: TrialSummary[]) => {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(report(summaries), null, 2) + '\n');
  };
  log(
    `tune: ${trials} trials on ${ds.name} (${ds.splits.train.length} train trips × ${base.trainFrac}), rungs ${rungBudgets(settings).join(', ')} epochs, teacher ${basename(teacherPath)}; log ${logPath}${entries.length ? ` (resuming: ${entries.length} entries)` : ''}`,
  );
  let final: TrialSummary[];
  try {
    final = await search.run(trials, runner, {
      onTrial: async (s) => {
        log(
          `trial ${s.trial}: λ ${s.lambda.toPrecision(3)} τ ${s.tau?.toFixed(2) ?? '–'} w ${s.window ?? '–'}${s.mask ? ` KL mask last ${s.mask.lastSteps}${s.mask.indistinct ? ' + indistinct' : ''}` : ''} → ${objectiveName} ${s.value?.toFixed(4)} at ${s.budget} epochs${s.pruned ? ' (pruned)' : ''}${s.stopped ? ` (${s.stopped})` : ''}`,
        );
        await writeReport(search.summaries());
      },
    });
  } finally {
    runner.dispose();
    teacher.dispose();
  }
  await writeReport(final);
  const r = report(final);
  if (p.flags.json === true) console.log(JSON.stringify(r));
  log(
    `wrote ${out}; best: ${r.best ? `trial ${r.best.trial} (λ ${r.best.lambda.toPrecision(3)}, τ ${r.best.tau?.toFixed(2) ?? '–'}, w ${r.best.window ?? '–'}) ${objectiveName} ${r.best.value?.toFixed(4)}` : 'none yet'}`,
  );
  return 0;
}

/** The lowest objective among trials that reached the full budget. */
function bestOf(s: TrialSummary[], maxBudget: number): TrialSummary | null {
  const full = s.filter((t) => !t.pruned && t.budget >= maxBudget && t.value !== null);
  return full.reduce<TrialSummary | null>((b, t) => (!b || (t.value as number) < (b.value as number) ? t : b), null);
}

/** The log's entries. A last line cut short by a crash is dropped from the file too (it is redone). */
async function readLog(path: string): Promise<TuneLogEntry[]> {
  if (!existsSync(path)) return [];
  const { entries, cut } = parseTrialLog(await readFile(path, 'utf8'), path);
  if (cut) await writeFile(path, entries.map((e) => JSON.stringify(e) + '\n').join(''));
  return entries;
}
