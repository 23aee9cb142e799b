// `eval steps`: teacher-forced step evaluation of a student or teacher checkpoint on a split's real
// trips, and with `--teacher` next to a student checkpoint, the gate: the
// val-chosen β of the log-linear mix student + β·teacher and its gain on the chosen split.
import { readFile } from 'node:fs/promises';
import { flagNumber, flagNumberOrAll, flagString, parseArgs, commandLine } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { repoPath } from '../common/repoPath';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { parseSplit } from '../generate/generate';
import { decodeCheckpoint } from '../../lib/checkpoint/checkpoint';
import { loadTeacher } from '../../lib/checkpoint/loadModel';
import { teacherRoadCells } from '../../lib/models/teacher';
import { batchContext, prepareWholeTrips } from '../../lib/features/studentBatch';
import { loadStudentScorer } from '../../lib/eval/protocol';
import { byStepsToEnd, pairedTripGap, summariseSteps, teacherGate, teacherStepLogProbs, tripStepStats } from '../../lib/eval/steps';
import { swappedDestinations } from '../../lib/features/studentBatch';
import { studentStepLogProbs, type StepLogProbs } from '../../lib/models/studentSteps';
import type { Dataset } from '../../lib/data/types';
import type { Derived } from '../../lib/data/derivedTypes';
import { initNodeBackend } from '../../lib/runtime/node';

const USAGE = `usage: eval steps --checkpoint <ckpt> [--dataset public/data/porto] [--split test] [--json] [--per-trip]
                  [--teacher <teacher ckpt>] [--window 7|all] [--resamples 1000] [--swap-destination]
                  [--versus <student ckpt>]
  Teacher-forced scores at every step of every real trip of the split (whole trips, no cropping):
  accuracy and NLL over the candidate roads, on all steps and on decision steps (≥ 2 candidates),
  with trip-clustered bootstrap 95 % CIs, the uniform guess, and the share of decision steps whose
  candidates share one ψ cell. A teacher checkpoint is scored through ψ with renormalisation over
  the candidates, as the distillation loss sees it (window = the last --window cells, or the whole
  prefix with --window all).
  --teacher with a student --checkpoint adds the gate: β chosen on val for log p + β·log q, and the
  gain on --split with paired bootstrap CIs. byStepsToEnd splits the decision steps by steps left to
  the trip end. --swap-destination (a destination-conditioned teacher) gives each trip another
  trip's destination: the swap test of whether the teacher uses it.
  --versus scores a second student checkpoint on the same trips and adds the paired difference
  (versus − checkpoint) of decision accuracy and NLL with a trip-clustered bootstrap 95 % CI: one
  model against another on trips no seed pairing covers (e.g. real trips kept outside the repository).`;

type Scorer = (split: 'train' | 'val' | 'test') => Promise<{ ids: string[]; lp: StepLogProbs }>;

/** The scorer of a checkpoint, and its ψ (the student's: the grid's centroid cells). */
export function scorerFor(
  bytes: Uint8Array,
  ds: Dataset,
  derived: Derived,
  window: number,
  swapDestinations = false,
): { kind: string; score: Scorer; roadCell: Int32Array; dispose: () => void } {
  const ck = decodeCheckpoint(bytes);
  const kind = ck.kind;
  if (kind === 'teacher') {
    const teacher = loadTeacher(ck, derived).model;
    const ctx = batchContext(ds.network, derived);
    return {
      kind,
      roadCell: teacherRoadCells(teacher.cfg, derived.grid),
      score: async (split) => {
        const trips = ds.splits[split];
        const prepared = prepareWholeTrips(ctx, trips);
        const destOf = swapDestinations ? swappedDestinations(prepared) : undefined;
        return { ids: trips.map((t) => t.id), lp: await teacherStepLogProbs(teacher, derived, prepared, window, 1024, destOf) };
      },
      dispose: () => teacher.dispose(),
    };
  }
  const loaded = loadStudentScorer(ck, ds.network, derived);
  return {
    kind,
    roadCell: derived.grid.roadCell,
    score: async (split) => {
      const trips = ds.splits[split];
      return {
        ids: trips.map((t) => t.id),
        lp: await studentStepLogProbs(loaded.student, loaded.ctx, prepareWholeTrips(loaded.ctx, trips)),
      };
    },
    dispose: () => loaded.dispose(),
  };
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
function rounded<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isInteger(x) ? r4(x) : x))) as T;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval steps', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let ckPath: string, split: 'train' | 'val' | 'test';
  try {
    ckPath = flagString(p, 'checkpoint');
    split = parseSplit(flagString(p, 'split', 'test'));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const window = flagNumberOrAll(p, 'window', 7);
  const resamples = flagNumber(p, 'resamples', 1000);
  const swap = p.flags['swap-destination'] === true;
  const backendName = flagString(p, 'backend', 'wasm');
  if (backendName !== 'wasm' && backendName !== 'cpu') {
    console.error(`error: --backend must be wasm or cpu, got "${backendName}"`);
    return 2;
  }
  await initNodeBackend(backendName);
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
  let main;
  try {
    main = scorerFor(new Uint8Array(await readFile(ckPath)), dataset, derived, window, swap);
  } catch (e) {
    console.error(`error: ${ckPath}: ${(e as Error).message}`);
    return 1;
  }
  const teacherPath = typeof p.flags.teacher === 'string' ? p.flags.teacher : null;
  try {
    const t0 = performance.now();
    const { ids, lp } = await main.score(split);
    const per = tripStepStats(ids, lp, main.roadCell);
    const out: Record<string, unknown> = {
      checkpoint: repoPath(ckPath),
      kind: main.kind,
      split,
      ...summariseSteps(per, resamples),
      byStepsToEnd: byStepsToEnd(lp),
    };
    const windowLabel = Number.isFinite(window) ? window : 'all';
    if (main.kind === 'teacher') out.window = windowLabel;
    if (swap) {
      if (main.kind !== 'teacher') throw new Error('--swap-destination scores a teacher checkpoint');
      out.destinationSwapped = 'each trip scored with the destination of the trip n/2 places on';
    }
    if (teacherPath) {
      if (main.kind !== 'student') throw new Error('--teacher needs a student --checkpoint');
      const teacher = scorerFor(new Uint8Array(await readFile(teacherPath)), dataset, derived, window);
      try {
        if (teacher.kind !== 'teacher') throw new Error(`${teacherPath} is a ${teacher.kind} checkpoint, not a teacher`);
        const val = await main.score('val');
        const valT = await teacher.score('val');
        const testT = await teacher.score(split);
        out.gate = {
          teacher: repoPath(teacherPath),
          window: windowLabel,
          ...teacherGate(
            { ids: val.ids, student: val.lp, teacher: valT.lp },
            { ids, student: lp, teacher: testT.lp },
            teacher.roadCell,
            undefined,
            resamples,
          ),
        };
      } finally {
        teacher.dispose();
      }
    }
    const versusPath = typeof p.flags.versus === 'string' ? p.flags.versus : null;
    if (versusPath) {
      const other = scorerFor(new Uint8Array(await readFile(versusPath)), dataset, derived, window);
      try {
        if (main.kind !== 'student' || other.kind !== 'student') throw new Error('--versus compares two student checkpoints');
        const o = await other.score(split);
        out.versus = { checkpoint: repoPath(versusPath), ...pairedTripGap(per, tripStepStats(o.ids, o.lp, other.roadCell), resamples) };
      } finally {
        other.dispose();
      }
    }
    if (p.flags['per-trip'])
      out.perTrip = per.map((t) => ({
        tripId: t.tripId,
        decisionSteps: t.decisionSteps,
        decisionNllSum: t.decisionNllSum,
        decisionCorrect: t.decisionCorrect,
      }));
    out.seconds = (performance.now() - t0) / 1000;
    out.command = commandLine('eval steps', args);
    const res = rounded(out);
    if (p.flags.json) console.log(JSON.stringify(res));
    else console.log(JSON.stringify(res, null, 2));
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    main.dispose();
  }
  return 0;
}
