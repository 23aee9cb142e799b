// `train teacher|student`: trains LM-TAD or HOSER in Node on the wasm backend from the same
// src/lib code the browser worker runs, and writes the checkpoint plus a JSON training log next to
// it (<name>.log.json: per-epoch losses and validation numbers, hyperparameters, seed, wall time,
// backend). These runs build the shipped public/checkpoints/porto/*.safetensors.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { commandLine, flagNumber, flagNumberOrAll, flagString, parseArgs, type ParsedArgs } from '../common/args';
import { DEFAULT_VAL_CHECK, type ValCheckOptions } from '../../lib/train/valCheck';
import { hyperFromFlags, withInitSettings } from './studentFlags';
import { commandDecl } from '../common/commandFlags';
import { repoPath } from '../common/repoPath';
import { runEnvironment } from '../common/runEnvironment';
import { loadDataset } from '../common/fsDataset';
import { initNodeBackend } from '../../lib/runtime/node';
import { installFastKernels } from '../../lib/models/layers';
import { buildDerived } from '../../lib/data/derived';
import type { Dataset } from '../../lib/data/types';
import type { Derived } from '../../lib/data/derivedTypes';
import { TeacherModel, defaultTeacherConfig, type TeacherConfig } from '../../lib/models/teacher';
import { teacherSequences } from '../../lib/train/teacherSession';
import { TeacherTrainer, DEFAULT_TEACHER_TRAIN } from '../../lib/train/teacherTrainer';
import { decodeCheckpoint, encodeCheckpoint, loadIntoVariables } from '../../lib/checkpoint/checkpoint';
import { transferStudentWeights } from '../../lib/checkpoint/transfer';
import { loadTeacher, readCheckpoint } from '../../lib/checkpoint/loadModel';
import { studentCandidateTeacher } from '../../lib/train/studentTeacher';
import { batchContext } from '../../lib/features/studentBatch';
import { loadStudentScorer } from '../../lib/eval/protocol';
import { nestedSubset } from '../../lib/random';
import { TrainingSession, type SessionEpochRecord } from '../../lib/train/session';
import { DEFAULT_HYPER, type SessionHyper } from '../../lib/train/sessionHyper';
import { annealing, RECIPE_NAMES } from '../../lib/train/recipe';
import { parseWorkers } from '../generate/generatePool';
import { TrainPool } from './trainPool';

const USAGE = `usage:
  train teacher --dataset <dir> --out <file.safetensors> [--epochs 12] [--batch 32] [--lr 1e-3] [--seed 1]
                [--layers 2] [--heads 4] [--embd 64] [--block 256] [--collapse] [--patience N]
                [--routes] [--anchor centroid|end] [--destination] [--dest-relative] [--moves R] [--resume]
                --routes adds the dataset's routes.csv (untimed real routes) to the training set;
                --anchor end maps a road to the cell of its far end; --destination puts the
                destination cell after SOT (beyond LM-TAD); --dest-relative also gives every
                position the destination's offset and distance from its cell; --moves R (with
                --dest-relative) reads and predicts moves of up to R cells instead of cell ids, a
                teacher that other networks can use (checkpoint transfer); --resume continues from
                <out>.partial (saved after every epoch).
  train student --dataset <dir> --out <file.safetensors> [--mode vanilla|distilled] [--teacher <ckpt>]
                [--recipe ${RECIPE_NAMES.join('|')}]   (λ, τ, w, the KL mask and target of a named recipe,
                src/lib/train/recipe.ts; --lambda, --tau, --window, --kl-mask-last, --teacher-target override it)
                [--epochs 8] [--batch ${DEFAULT_HYPER.batch}] [--micro ${DEFAULT_HYPER.microBatch}] [--lambda ${DEFAULT_HYPER.lambda}] [--tau ${DEFAULT_HYPER.tau}] [--window ${DEFAULT_HYPER.window}|all]
                [--alpha 1] [--lr 1e-3] [--seed 42] [--size small|default] [--max-len 128]
                [--last-step-only] [--no-tau2] [--freeze-encoders] [--patience N] [--train-frac 1]
                [--workers 1|N|auto]   (data parallel: N threads, each on a shard of every batch)
                [--kl-mask-last N] [--kl-mask-indistinct] [--kl-mask-random P]   (no KL on each trip's
                last N steps, on steps whose candidates the teacher cannot tell apart, on a random
                share P of steps: the control)
                [--teacher-student <student ckpt>]   (positive control: a student as the teacher) [--resume]
                [--teacher-target teacher|uniform|swapped]   (controls: the same KL towards a uniform
                distribution over the candidates, or the teacher given another train trip's destination)
                [--routes]   (the dataset's untimed routes.csv as more training trips, time loss masked)
                [--init <student ckpt>]   (fine-tune: start from a student of this network and size,
                e.g. public/checkpoints/porto/vanilla.safetensors, with a fresh optimiser; --resume
                continues a stopped one; another network or size is refused with the reason)
                [--transfer-from <student ckpt>]   (region transfer: a student of another road network
                starts this one; its road, zone and road-type tables are re-initialised)
                [--id-free]   (no road/zone id tables: degree features, OSM classes, zone = mean of its
                roads; such a student runs on another network as it is: eval … --transfer)
                [--route-features]   (the navigator also reads each candidate's remaining free-flow
                travel time to the destination, relative to the step's best candidate)
                [--val-every N] [--val-trips 64|all]   (val decision accuracy and NLL every N steps
                between epoch ends, on a fixed val subset: the Train view's early val points)
                --seed sets the initialisation and batch order (and the --train-frac subset);
                the best epoch is the one with the lowest val decision NLL on whole trips.
common: [--backend wasm|cpu] [--quiet]
Writes <file.safetensors> (weights only, the best epoch by validation; also after every best epoch)
and <file>.log.json; <file>.partial holds the whole state after every epoch, which --resume continues.`;

export async function run(args: string[]): Promise<number> {
  const kind = args[0];
  const p = parseArgs(args, kind === 'teacher' || kind === 'student' ? commandDecl(`train ${kind}`, USAGE) : undefined);
  const what = p.positional[0];
  if (!what || p.flags.help || (what !== 'teacher' && what !== 'student')) {
    console.log(USAGE);
    return what || p.flags.help ? (p.flags.help ? 0 : 2) : 2;
  }
  // The student's settings are checked before any work: an unknown --recipe stops here.
  if (what === 'student') hyperFromFlags(p);
  const backendName = flagString(p, 'backend', 'wasm');
  if (backendName !== 'wasm' && backendName !== 'cpu') throw new Error('--backend must be wasm or cpu');
  const backend = await initNodeBackend(backendName);
  installFastKernels(); // after the wasm package registered its own kernels
  const datasetDir = flagString(p, 'dataset');
  const out = resolve(flagString(p, 'out'));
  const quiet = p.flags.quiet === true;
  const log = (s: string): void => {
    if (!quiet) console.log(s);
  };

  const t0 = Date.now();
  const ds = await loadDataset(datasetDir);
  const derived = buildDerived(ds);
  log(
    `dataset ${ds.name}: ${ds.network.roads.length} roads, ${ds.splits.train.length}/${ds.splits.val.length} train/val trips, fingerprint ${derived.fingerprint}; derived in ${((Date.now() - t0) / 1000).toFixed(1)} s; backend ${backend.name}`,
  );
  await mkdir(dirname(out), { recursive: true });
  const env = runEnvironment(backend.name);
  const run: TrainRun = { p, ds, derived, out, env, log, command: commandLine('train', args), datasetDir, backendName };
  return what === 'teacher' ? trainTeacher(run) : trainStudent(run);
}

type Env = Record<string, string | number>;

/** What both trainers get: the flags, the dataset and its derived structures, where to write, how to log. */
interface TrainRun {
  p: ParsedArgs;
  ds: Dataset;
  derived: Derived;
  out: string;
  env: Env;
  log: (s: string) => void;
  /** This invocation, paths relative to the repository root: what trains the run again. */
  command: string;
  /** Where the dataset came from and the backend: what data-parallel threads load again. */
  datasetDir: string;
  backendName: 'wasm' | 'cpu';
}

function logPath(ckpt: string): string {
  return ckpt.replace(/\.(ckpt|safetensors)$/, '') + '.log.json';
}

async function trainTeacher({ p, ds, derived, out, env, log }: TrainRun): Promise<number> {
  const grid = derived.grid;
  const cfg: TeacherConfig = {
    ...defaultTeacherConfig(grid.vocabSize, flagNumber(p, 'block', 256)),
    nLayer: flagNumber(p, 'layers', 2),
    nHead: flagNumber(p, 'heads', 4),
    nEmbd: flagNumber(p, 'embd', 64),
    dropout: flagNumber(p, 'dropout', 0.1),
    collapse: p.flags.collapse === true,
  };
  const anchor = flagString(p, 'anchor', 'centroid');
  if (anchor !== 'centroid' && anchor !== 'end') throw new Error('--anchor must be centroid or end');
  // Only the variants are written down: a default teacher's config stays as before.
  if (anchor === 'end') cfg.anchor = 'end';
  if (p.flags.destination === true) cfg.destination = true;
  if (p.flags['dest-relative'] === true) {
    if (!cfg.destination) throw new Error('--dest-relative needs --destination');
    cfg.destRelative = { ...grid.spec };
  }
  if (p.flags.moves !== undefined) {
    if (!cfg.destRelative)
      throw new Error('--moves needs --destination --dest-relative (a moves teacher knows where it is only from the offsets)');
    cfg.moves = { radius: flagNumber(p, 'moves', 4) };
  }
  const routes = p.flags.routes === true ? (ds.routes ?? []) : [];
  if (p.flags.routes === true && routes.length === 0) throw new Error(`--routes: ${ds.name} has no routes.csv`);
  const trainSeqs = teacherSequences([...ds.splits.train, ...routes], cfg, derived);
  const valSeqs = teacherSequences(ds.splits.val, cfg, derived);
  const seed = flagNumber(p, 'seed', 1);
  const patience = typeof p.flags.patience === 'string' ? flagNumber(p, 'patience', 2) : undefined;
  const train = {
    batchSize: flagNumber(p, 'batch', 32),
    epochs: flagNumber(p, 'epochs', 12),
    seed,
    optim: { ...DEFAULT_TEACHER_TRAIN.optim, lr: flagNumber(p, 'lr', DEFAULT_TEACHER_TRAIN.optim.lr) },
    patience,
  };
  const model = new TeacherModel(cfg, seed);
  const trainer = new TeacherTrainer(model, trainSeqs, valSeqs, train);
  // Long runs save their whole state (optimiser moments included) after every epoch, so that a
  // stopped run continues with --resume from <out>.partial exactly where it was.
  const partial = `${out}.partial`;
  let resumedAt = -1;
  if (p.flags.resume === true) {
    let bytes: Uint8Array | null = null;
    try {
      bytes = new Uint8Array(await readFile(partial));
    } catch {
      log(`--resume: no ${partial}; starting from scratch`);
    }
    if (bytes) {
      const ck = readCheckpoint(bytes, { kind: 'teacher', config: cfg, fingerprint: derived.fingerprint });
      trainer.resumeFrom(ck);
      resumedAt = trainer.currentEpoch;
      log(`resumed from ${partial}: epoch ${trainer.currentEpoch}, step ${ck.training.step}`);
    }
  }
  log(
    `teacher: ${cfg.nLayer} layers × ${cfg.nHead} heads × ${cfg.nEmbd}, vocab ${cfg.vocabSize}, ψ anchor ${anchor}${cfg.destination ? ', destination-conditioned' : ''}${cfg.destRelative ? ' (+ offsets to it)' : ''}${cfg.moves ? `, moves within ${cfg.moves.radius} cells` : ''}, ${model.paramCount} parameters; ${ds.splits.train.length} trips + ${routes.length} routes, ${trainer.batchesPerEpoch} batches/epoch × ${train.epochs} epochs`,
  );
  const start = Date.now();
  while (!trainer.done) {
    const m = await trainer.step();
    if (m.epochEnd) {
      const e = m.epochEnd;
      log(
        `epoch ${e.epoch + 1}/${train.epochs}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)}, val perplexity ${e.valPerplexity.toFixed(2)} (${e.seconds.toFixed(1)} s)`,
      );
      if (!trainer.done)
        await writeFile(partial, encodeCheckpoint(await trainer.toCheckpoint(derived.fingerprint, { seed, dataset: ds.name })));
      // The best weights so far also go to <out> at once: a stopped run leaves a usable teacher.
      if (trainer.bestEpoch === e.epoch)
        await writeFile(out, encodeCheckpoint(await bestTeacherCheckpoint(trainer, derived.fingerprint, seed, ds.name)));
    }
  }
  if (trainer.status === 'diverged') console.error(`training stopped: ${trainer.message}`);
  else if (trainer.message) log(trainer.message);
  const wall = (Date.now() - start) / 1000;
  // A resumed trainer holds the best weights only from epochs it ran itself; earlier best weights
  // are in <out>, written when that epoch ended.
  if (trainer.bestEpoch < resumedAt)
    loadIntoVariables(
      model.variables,
      readCheckpoint(new Uint8Array(await readFile(out)), { kind: 'teacher', config: cfg, fingerprint: derived.fingerprint }).weights,
    );
  else trainer.restoreBest();
  const best = trainer.history[trainer.bestEpoch];
  const bytes = encodeCheckpoint(await bestTeacherCheckpoint(trainer, derived.fingerprint, seed, ds.name));
  await writeFile(out, bytes);
  const record = {
    kind: 'teacher',
    dataset: ds.name,
    fingerprint: derived.fingerprint,
    config: cfg,
    params: model.paramCount,
    hyper: { ...train, warmupRatio: DEFAULT_TEACHER_TRAIN.warmupRatio },
    trainSequences: { trips: ds.splits.train.length, routes: routes.length },
    seed,
    epochs: trainer.history,
    bestEpoch: trainer.bestEpoch,
    bestValPerplexity: best?.valPerplexity ?? null,
    status: trainer.status,
    message: trainer.message ?? null,
    wallSeconds: wall,
    meanEpochSeconds: mean(trainer.history.map((h) => h.seconds)),
    checkpointBytes: bytes.length,
    env,
    created: new Date().toISOString(),
  };
  await writeFile(logPath(out), JSON.stringify(record, null, 2) + '\n');
  await rm(partial, { force: true });
  log(
    `wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB), best epoch ${trainer.bestEpoch + 1} (val perplexity ${best?.valPerplexity.toFixed(2)}), ${wall.toFixed(0)} s`,
  );
  trainer.dispose();
  model.dispose();
  return trainer.status === 'diverged' ? 1 : 0;
}

/** `--val-every N [--val-trips M|all]`: early val checks as the Train view makes them; none without --val-every. */
function valCheckFromFlags(p: ParsedArgs): ValCheckOptions | undefined {
  const every = flagNumber(p, 'val-every', 0);
  if (!(every > 0)) return undefined;
  const trips = flagNumberOrAll(p, 'val-trips', DEFAULT_VAL_CHECK.trips);
  return { everySteps: Math.floor(every), trips: Number.isFinite(trips) ? Math.max(0, Math.floor(trips)) : 0 };
}

/** `--init <ckpt>`: its bytes and recorded settings; null without the flag. */
async function readInitCheckpoint(p: ParsedArgs): Promise<{ path: string; bytes: Uint8Array; hyper: Partial<SessionHyper> } | null> {
  const from = p.flags.init;
  if (from === undefined) return null;
  if (typeof from !== 'string') throw new Error('--init needs a student checkpoint: --init <file.safetensors>');
  const bytes = new Uint8Array(
    await readFile(from).catch(() => {
      throw new Error(`--init: cannot read ${from}`);
    }),
  );
  try {
    const ck = decodeCheckpoint(bytes);
    if (ck.kind !== 'student') throw new Error(`it holds a ${ck.kind} model; a fine-tune starts from a student checkpoint`);
    return { path: from, bytes, hyper: (ck.hyper ?? {}) as Partial<SessionHyper> };
  } catch (e) {
    throw new Error(`--init ${basename(from)}: ${(e as Error).message}`);
  }
}

/** The model's current weights without optimiser moments (3× smaller), as shipped. */
function bestTeacherCheckpoint(
  trainer: TeacherTrainer,
  fingerprint: string,
  seed: number,
  dataset: string,
): ReturnType<TeacherTrainer['toCheckpoint']> {
  return trainer.toCheckpoint(fingerprint, { seed, dataset }, { optimizer: false });
}

async function trainStudent({ p, ds, derived, out, env, log, command, datasetDir, backendName }: TrainRun): Promise<number> {
  // Fine-tune: this run's settings from the weights of a student of this network, with a fresh
  // optimiser and schedule (--resume below still continues a stopped fine-tune's whole state); the
  // checkpoint's architecture and route corpus are the run's (withInitSettings).
  const initFrom = await readInitCheckpoint(p);
  const hyper = initFrom
    ? withInitSettings(p, hyperFromFlags(p, ds.name), initFrom.hyper, basename(initFrom.path))
    : hyperFromFlags(p, ds.name);
  const workers = parseWorkers(p.flags.workers);
  if (workers > 1 && typeof p.flags['teacher-student'] === 'string')
    throw new Error('--workers above 1 does not take --teacher-student yet (the threads would each score the teacher student)');
  let teacher: TeacherModel | undefined;
  let teacherPath: string | null = null;
  let candidateTeacher: Map<string, Float32Array> | undefined;
  if (hyper.mode === 'distilled' && typeof p.flags['teacher-student'] === 'string') {
    // Positive control: the teacher is a trained student, scored once on the trainee's train trips.
    teacherPath = p.flags['teacher-student'];
    const loaded = loadStudentScorer(new Uint8Array(await readFile(teacherPath)), ds.network, derived);
    try {
      const traineeCtx = batchContext(ds.network, derived, { maxLen: hyper.maxLen });
      candidateTeacher = await studentCandidateTeacher(
        loaded.student,
        loaded.ctx,
        traineeCtx,
        nestedSubset(ds.splits.train, hyper.trainFrac, hyper.seed),
      );
    } finally {
      loaded.dispose();
    }
    log(`teacher: the student ${basename(teacherPath)}, scored on ${candidateTeacher.size} train trips`);
  } else if (hyper.mode === 'distilled' && hyper.teacherTarget !== 'uniform') {
    teacherPath = flagString(p, 'teacher', resolve(dirname(out), 'teacher.safetensors'));
    teacher = loadTeacher(new Uint8Array(await readFile(teacherPath)), derived).model;
  }
  const epochs: Array<SessionEpochRecord & { wallSeconds: number }> = [];
  const start = Date.now();
  let precomputeSeconds = 0;
  const partial = `${out}.partial`;
  const session = new TrainingSession({
    dataset: ds,
    derived,
    teacher,
    candidateTeacher,
    hyper,
    backendName: env.backend as string,
    minEmitMs: 5000,
    yieldFn: () => Promise.resolve(),
    valCheck: valCheckFromFlags(p),
    events: {
      valPoint: (v) =>
        log(
          `  val at step ${v.step} (${v.whole ? 'all' : v.trips} val trips): decision acc ${v.valAccDecision.toFixed(4)}, NLL ${v.valNllDecision.toFixed(4)} · ${v.seconds.toFixed(1)} s`,
        ),
      metrics: (m) =>
        log(
          `  step ${m.step} (epoch ${m.epoch + 1}): total ${m.total.toFixed(4)} ce ${m.ce.toFixed(4)} kl ${m.kl.toFixed(4)} time ${m.time.toFixed(4)} acc ${m.trainAcc.toFixed(3)} · ${m.stepsPerSec.toFixed(2)} steps/s, ${m.tripsPerSec.toFixed(1)} trips/s · ${m.numTensors} tensors`,
        ),
      epoch: async (r) => {
        epochs.push({ ...r, wallSeconds: (Date.now() - start) / 1000 });
        // The whole state after every epoch (a stopped run goes on with --resume), and the best
        // weights at once (a stopped run leaves a usable student).
        await writeFile(partial, session.checkpointBytes());
        if (r.bestEpoch === r.epoch) await writeFile(out, session.checkpointBytes({ best: true, optimizer: false }));
        log(
          `epoch ${r.epoch + 1}/${hyper.epochs}: total ${r.total.toFixed(4)} (ce ${r.ce.toFixed(4)}, kl ${r.kl.toFixed(4)}, time ${r.time.toFixed(4)}), train acc ${r.trainAcc.toFixed(3)}, val acc ${r.valAcc?.toFixed(4)} (chance ${r.valChanceAcc?.toFixed(4)}), val decision NLL ${r.valNllDecision?.toFixed(4)}, lr ${r.lr?.toExponential(2)}${r.klKeptShare !== undefined && r.klKeptShare < 1 ? `, KL kept on ${(100 * r.klKeptShare).toFixed(1)} % of steps` : ''}, ${r.seconds.toFixed(1)} s`,
        );
      },
      state: (s, reason) => {
        if (reason) log(`state ${s}: ${reason}`);
      },
    },
  });
  const model = session.student;
  let transfer: { from: string; message: string } | undefined;
  if (typeof p.flags['transfer-from'] === 'string') {
    // Region transfer: a student of another road network starts this one (its id tables stay fresh).
    const from = p.flags['transfer-from'];
    const report = transferStudentWeights(model, decodeCheckpoint(new Uint8Array(await readFile(from))));
    transfer = { from: basename(from), message: report.message };
    log(`transfer from ${basename(from)}: ${report.message}`);
  }
  let init: { from: string } | undefined;
  if (initFrom) {
    if (transfer) throw new Error('--init and --transfer-from both start the run from a checkpoint: give one of them');
    try {
      session.initFrom(initFrom.bytes);
    } catch (e) {
      throw new Error(`--init ${basename(initFrom.path)}: ${(e as Error).message}`);
    }
    init = { from: repoPath(resolve(initFrom.path)) };
    log(`starts from the weights of ${basename(initFrom.path)} (fresh optimiser)`);
  }
  let resumedAt = -1;
  if (p.flags.resume === true) {
    const bytes = await readFile(partial).catch(() => null);
    if (!bytes) log(`--resume: no ${partial}; starting from scratch`);
    else {
      const ck = session.loadCheckpoint(new Uint8Array(bytes));
      resumedAt = ck.training.epoch;
      for (const h of session.history) epochs.push({ ...h, step: 0, bestEpoch: -1, bestValAcc: null, wallSeconds: NaN });
      log(`resumed from ${partial}: epoch ${ck.training.epoch}, step ${ck.training.step}`);
    }
  }
  log(
    `student (${hyper.size}): ${model.paramCount()} parameters; mode ${hyper.mode}; ${session.trainer.trainTripCount} trips, ${session.trainer.stepsInEpoch} steps/epoch × ${hyper.epochs}`,
  );
  if (teacher) {
    // Teacher outputs are fixed: fill the cache up front so epoch times measure training only.
    const tp = Date.now();
    session.trainer.precomputeTeacher();
    precomputeSeconds = (Date.now() - tp) / 1000;
    log(`teacher outputs cached for ${session.trainer.teacherCacheSize} trips in ${precomputeSeconds.toFixed(1)} s`);
  }
  let pool: TrainPool | null = null;
  if (workers > 1) {
    // Data parallel: threads 1 … N − 1 start from this session's state and train on their shards
    // of every batch alongside this one (rank 0), which logs and saves as usual.
    const tw = Date.now();
    pool = await TrainPool.start({
      datasetDir,
      backend: backendName,
      hyper,
      teacherPath: teacher ? teacherPath : null,
      checkpoint: session.checkpointBytes(),
      size: workers,
      mainRank: true,
    });
    session.trainer.dataParallel = pool.mainExchange;
    // A thread's failure reaches this session through the exchange (its step throws).
    pool.steps(Number.MAX_SAFE_INTEGER).catch(() => undefined);
    log(`data parallel: ${workers} workers (this thread and ${workers - 1} more), started in ${((Date.now() - tw) / 1000).toFixed(1)} s`);
  }
  try {
    await session.start();
  } finally {
    await pool?.close();
  }
  const wall = (Date.now() - start) / 1000;
  const t = session.trainer;
  // A resumed run holds best weights only from the epochs it ran itself; an earlier best epoch's
  // weights are in <out>, written when that epoch ended.
  const keepOut = t.bestSnapshot === null && t.bestEpoch >= 0 && t.bestEpoch < resumedAt;
  const bytes = keepOut ? new Uint8Array(await readFile(out)) : session.checkpointBytes({ best: true, optimizer: false });
  if (!keepOut) await writeFile(out, bytes);
  await rm(partial, { force: true });
  const best = t.history[t.bestEpoch];
  // Optimiser steps from the cumulative counter (EpochRecord.steps restarts on a resumed run).
  const stepSeconds = epochs.reduce((a, e) => a + e.seconds, 0) / Math.max(1, epochs.at(-1)?.step ?? 0);
  const anneal = annealing(epochs, hyper.lr);
  if (anneal.annealed === false)
    log(
      `note: the run ended at ${(100 * (anneal.lrEndShare ?? 0)).toFixed(0)} % of its peak learning rate, not annealed (early stopping, or a stop before the last epoch)`,
    );
  const record = {
    kind: 'student',
    dataset: ds.name,
    fingerprint: derived.fingerprint,
    mode: hyper.mode,
    config: session.modelConfig,
    params: model.paramCount(),
    hyper,
    seed: hyper.seed,
    teacher: teacherPath ? basename(teacherPath) : null,
    teacherPath: teacherPath ? repoPath(teacherPath) : null,
    command,
    teacherKind: candidateTeacher
      ? 'student (positive control)'
      : hyper.mode === 'distilled' && hyper.teacherTarget === 'uniform'
        ? 'uniform over the candidates (control)'
        : teacher
          ? hyper.teacherTarget === 'swapped'
            ? "LM-TAD given another trip's destination (control)"
            : 'LM-TAD'
          : null,
    transfer,
    init,
    teacherCached: teacher ? true : undefined,
    workers: workers > 1 ? workers : undefined,
    teacherPrecomputeSeconds: teacher ? precomputeSeconds : undefined,
    epochs,
    bestEpoch: t.bestEpoch,
    valAcc: best?.valAcc ?? null,
    valChanceAcc: best?.valChanceAcc ?? null,
    valNllDecision: best?.valNllDecision ?? null,
    trainTrips: t.trainTripCount,
    earlyStopped: t.earlyStopped,
    ...anneal,
    state: session.state,
    stopReason: t.stopReason,
    wallSeconds: wall,
    meanEpochSeconds: mean(epochs.map((e) => e.seconds)),
    meanStepSeconds: stepSeconds,
    checkpointBytes: bytes.length,
    env,
    created: new Date().toISOString(),
  };
  await writeFile(logPath(out), JSON.stringify(record, null, 2) + '\n');
  log(
    `wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB): best epoch ${t.bestEpoch + 1}, val acc ${best?.valAcc?.toFixed(4)} vs chance ${best?.valChanceAcc?.toFixed(4)}; ${wall.toFixed(0)} s`,
  );
  // Read before dispose(), which moves the session to its own final state.
  const finished = session.state === 'done';
  session.dispose();
  teacher?.dispose();
  return finished ? 0 : 1;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
