// `bench`: the Node benchmark. Every comparison runs side by side in this one process:
// training throughput vanilla vs distilled (cached / uncached teacher outputs), per-step latency
// teacher vs student at several batch sizes, generation throughput (beam batched vs one OD at a
// time, best-first vs beam) and the training step per backend (wasm, cpu). Prints ONE JSON object
// on stdout (progress goes to stderr). `--quick` keeps the run under a minute on a 2-core machine.
import { runHyper } from '../../src/lib/train/sessionHyper';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { flagString, parseArgs, usageExit } from '../../src/cli/common/args';
import { commandDecl } from '../../src/cli/common/commandFlags';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import type { Dataset } from '../../src/lib/data/types';
import type { Derived } from '../../src/lib/data/derivedTypes';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { memoryInfo } from '../../src/lib/runtime/backend';
import { TeacherModel, defaultTeacherConfig } from '../../src/lib/models/teacher';
import { Student } from '../../src/lib/models/student';
import { STUDENT_PRESETS } from '../../src/lib/models/studentConfig';
import { loadTeacher } from '../../src/lib/checkpoint/loadModel';
import { checkpointFacts } from '../../src/lib/checkpoint/manifest';
import { batchContext, type BatchContext } from '../../src/lib/features/studentBatch';
import { loadStudentScorer } from '../../src/lib/eval/protocol';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { generationBench, latencyBench, trainingBench, type TrainingBenchResult, type LatencyRow } from '../suites/suites';
import { leversBench, teacherLeverBench } from '../suites/leversBench';
import { paperTeacherBench } from '../suites/paperTeacherBench';
import { peerBench } from './peerBench';
import { PEER_CHECKPOINT } from '../suites/peerExport';
import { roundDeep } from '../suites/stats';
import { scalingBench } from './benchScaling';
import { scaleBench } from './benchScale';
import { routeFeaturesBench } from '../suites/routeFeaturesBench';

const USAGE = `usage: bench [--quick] [--json] [--dataset public/data/porto] [--checkpoints public/checkpoints/porto]
             [--out file.json] [--only training,levers,latency,paperTeacher,generation,routeFeatures,backends,scaling|scale]
  --quick          small batches and few repeats (< 90 s on 2 cores)
  --json           print only the JSON object on stdout
  levers           training speed levers all off vs all on (and each left out), batch 32
  routeFeatures    generation (beam 4, batched) of the student against the same student with the
                   route-aware candidate features on (StudentConfig.routeFeatures), reverse
                   Dijkstras included (cache emptied before every run): trips/s and the ratio
  paperTeacher     a thesis-size teacher (8 layers × 12 heads × 768, random weights) vs the student
  scaling          generation, the paired evaluation and a data-parallel training step on 1 vs 2
                   worker threads, paired rounds,
                   with an Amdahl projection to 8 and 16 cores (needs vanilla and distilled checkpoints)
  scale            alone (--only scale): issue 52's large inputs, each a child process with its
                   peak RSS: data stats, a streamed ECML parse, data match at 1 and 2 threads on
                   [--match-rows 3000] rows (with --match-whole, the whole file on 2 threads too),
                   export torch; [--scale-dir tmp/large] made by
                   scripts/make-large-inputs.ts; and always the one-thread match throughput
                   (traces/s, rows/s, with and without start-up, sha256 of the trips) of
                   [--match-gps ../shared/data/porto/gps/ecml-train-first1000.csv] (comma-separated
                   files) on [--match-network public/data/porto]
  --peer           our student vs its PyTorch peer (bench/cli/peer/, python3-torch): training step and
                   search-step scoring on the same inputs, after checking that both agree; alone
                   unless --only is given too. [--peer-threads 1] torch threads (ours: 1); [--peer-rounds 7]
                   interleaved rounds (3 with --quick)`;

interface Plan {
  trainBatch: number;
  /** Full re-encoding student timed up to this batch size. */
  fullUpTo: number;
  maxExpansions: number;
  trainRepeats: number;
  latencyBatches: number[];
  latencyRepeats: number;
  genOd: number;
  genRepeats: number;
  /** Scaling section: OD pairs per run and paired rounds of 1 vs 2 threads. */
  scaleOd: number;
  scaleRounds: number;
  backendBatch: number;
  backendRepeats: number;
  leverBatch: number;
  leverRepeats: number;
  /** Thesis-size teacher: batch sizes timed for real, and those given as passes of paperChunk. */
  paperMeasured: number[];
  paperExtrapolated: number[];
  paperChunk: number;
  paperRepeats: number;
}

const QUICK: Plan = {
  trainBatch: 4,
  fullUpTo: 64,
  maxExpansions: 500,
  trainRepeats: 2,
  latencyBatches: [1, 64, 1024],
  latencyRepeats: 3,
  genOd: 64,
  genRepeats: 1,
  scaleOd: 64,
  scaleRounds: 3,
  backendBatch: 1,
  backendRepeats: 1,
  leverBatch: 32,
  leverRepeats: 2,
  paperMeasured: [1, 64],
  paperExtrapolated: [1024],
  paperChunk: 64,
  paperRepeats: 2,
};
const FULL: Plan = {
  trainBatch: 64,
  fullUpTo: 1024,
  maxExpansions: 5000,
  trainRepeats: 7,
  latencyBatches: [1, 64, 1024],
  latencyRepeats: 7,
  genOd: 200,
  genRepeats: 3,
  scaleOd: 256,
  scaleRounds: 5,
  backendBatch: 8,
  backendRepeats: 3,
  leverBatch: 32,
  leverRepeats: 5,
  paperMeasured: [1, 64, 1024],
  paperExtrapolated: [],
  paperChunk: 64,
  paperRepeats: 1,
};

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('bench', USAGE));
  const exit = usageExit(p, USAGE);
  if (exit !== null) return exit;
  const quick = p.flags.quick === true;
  const jsonOnly = p.flags.json === true;
  const plan = quick ? QUICK : FULL;
  const peer = p.flags.peer === true;
  const only = new Set(
    flagString(p, 'only', peer ? 'peer' : 'training,levers,latency,paperTeacher,generation,routeFeatures,backends,scaling')
      .split(',')
      .map((s) => s.trim()),
  );
  if (peer) only.add('peer');
  const log = (s: string): void => {
    process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)} s] ${s}\n`);
  };
  const t0 = performance.now();
  const load0 = loadavg();
  if (only.size === 1 && only.has('scale')) {
    // Alone: child processes only, no models loaded here (each figure's peak RSS is its process's).
    const sc = await scaleBench({
      dir: flagString(p, 'scale-dir', 'tmp/large'),
      matchRows: Number(flagString(p, 'match-rows', '3000')),
      matchWhole: p.flags['match-whole'] === true,
      matchNetwork: flagString(p, 'match-network', 'public/data/porto'),
      matchGps: flagString(p, 'match-gps', '../shared/data/porto/gps/ecml-train-first1000.csv').split(','),
      log,
    });
    const json = JSON.stringify(
      roundDeep(
        {
          schema: 'trajdistill-bench/1',
          scale: sc,
          env: { cpus: availableParallelism(), loadAvgStart: load0, loadAvgEnd: loadavg() },
          wallSeconds: (performance.now() - t0) / 1000,
        },
        4,
      ),
      null,
      jsonOnly ? 0 : 2,
    );
    const outFile = flagString(p, 'out', '');
    if (outFile) await writeFile(outFile, json + '\n');
    console.log(json);
    return 0;
  }

  const backend = await initNodeBackend('wasm');
  const datasetDir = flagString(p, 'dataset', 'public/data/porto');
  const ckDir = flagString(p, 'checkpoints', 'public/checkpoints/porto');
  const { dataset, derived } = await loadDatasetWithDerived(datasetDir);
  log(
    `dataset ${dataset.name}: ${dataset.network.roads.length} roads, ${dataset.splits.train.length}/${dataset.splits.test.length} train/test trips; backend ${backend.name}`,
  );

  const models = await loadModels(ckDir, dataset, derived);
  log(`teacher ${models.teacherSource}, student ${models.studentSource}`);
  const out: Record<string, unknown> = {
    schema: 'trajdistill-bench/1',
    quick,
    dataset: dataset.name,
    env: {
      node: process.version,
      tfjs: tf.version.tfjs,
      backend: backend.name,
      wasmSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
      wasmThreads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
      cpus: cpus().length,
      hardwareConcurrency: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? '',
      memGiB: Math.round(totalmem() / 2 ** 30),
      loadAvgStart: load0,
    },
    models: {
      teacher: { source: models.teacherSource, params: models.teacher.paramCount, config: models.teacher.cfg },
      student: { source: models.studentSource, params: models.student.paramCount(), config: models.student.config },
    },
  };

  let latencyRows: LatencyRow[] | null = null;
  try {
    if (only.has('training')) {
      log(`training: vanilla vs distilled, batch ${plan.trainBatch}`);
      const tr = await trainingBench({
        dataset,
        derived,
        teacher: models.teacher,
        batch: plan.trainBatch,
        timing: { warmup: 1, repeats: plan.trainRepeats },
      });
      out.training = tr;
      out.distilledOverVanillaStepTime = tr.distilledOverVanilla?.median ?? null;
      out.distilledNoCacheOverVanillaStepTime = tr.distilledNoCacheOverVanilla?.median ?? null;
      out.teacherOverheadCached = overhead(tr.distilledOverVanilla?.median);
      out.teacherOverheadUncached = overhead(tr.distilledNoCacheOverVanilla?.median);
    }
    if (only.has('levers')) {
      log(`levers: training step all levers off vs all on, batch ${plan.leverBatch}, shipped recipe (small, maxLen 64)`);
      const lv = await leversBench({ dataset, derived, batch: plan.leverBatch, maxLen: 64, timing: { repeats: plan.leverRepeats } });
      out.trainingLevers = lv;
      out.trainingSpeedupOverBaseline = lv.speedup.median;
      out.trainingBoundShare = lv.boundShare;
      log(
        `levers: the teacher's forward + backward, batch ${plan.leverBatch}, our SIMD kernels (attention's matmuls, log-sum-exp) vs tfjs's`,
      );
      out.teacherLever = await teacherLeverBench({ dataset, derived, batch: plan.leverBatch, timing: { repeats: plan.leverRepeats } });
    }
    if (only.has('latency')) {
      log(`latency: teacher vs student at B = ${plan.latencyBatches.join(', ')}`);
      const rows = await latencyBench({
        dataset,
        derived,
        teacher: models.teacher,
        student: models.student,
        ctx: models.ctx,
        batches: plan.latencyBatches,
        timing: { warmup: 1, repeats: plan.latencyRepeats },
        fullUpTo: plan.fullUpTo,
      });
      out.latency = { prefixLen: 16, window: 7, maxLen: models.ctx.maxLen, rows };
      out.teacherOverStudentFullStepLatency = Object.fromEntries(
        rows.filter((r) => r.teacherOverStudentFull).map((r) => [String(r.batch), r.teacherOverStudentFull?.median]),
      );
      out.teacherOverStudentStepLatency = Object.fromEntries(rows.map((r) => [String(r.batch), r.teacherOverStudent.median]));
      latencyRows = rows;
    }
    if (only.has('paperTeacher')) {
      log(
        `latency: thesis-size teacher (random weights) vs student at B = ${[...plan.paperMeasured, ...plan.paperExtrapolated].join(', ')}`,
      );
      if (plan.paperExtrapolated.length > 0 && !latencyRows)
        throw new Error('paperTeacher in quick mode needs the latency suite (its student timings at B = 1024)');
      const pt = await paperTeacherBench({
        dataset,
        derived,
        student: models.student,
        ctx: models.ctx,
        measured: plan.paperMeasured,
        extrapolated: plan.paperExtrapolated,
        chunkOf: plan.paperChunk,
        studentRows: latencyRows ?? [],
        timing: { warmup: 0, repeats: plan.paperRepeats },
      });
      out.latencyPaperTeacher = pt;
      out.teacherPaperOverStudentStepLatency = Object.fromEntries(pt.rows.map((r) => [String(r.batch), r.teacherOverStudent]));
    }
    if (only.has('peer')) {
      // The peer has no route features: Porto's plain vanilla seed 1 (shipped until 2026-11-26) where the folder's student reads them.
      const ckPath = featureFreeStudent(ckDir);
      if (!ckPath) throw new Error(`--peer needs a student checkpoint without route features in ${ckDir}`);
      const pr = await peerBench({
        dataset,
        derived,
        checkpointBytes: new Uint8Array(await readFile(ckPath)),
        checkpointName: ckPath,
        trainBatch: plan.leverBatch,
        genBatch: 256,
        rounds: Number(flagString(p, 'peer-rounds', quick ? '3' : '7')),
        threads: Number(flagString(p, 'peer-threads', '1')),
        log,
      });
      out.peer = pr;
      out.peerTorchOverOursTraining = (pr.training as { peerOverOurs: { median: number } }).peerOverOurs.median;
      out.peerTorchOverOursGeneration = (pr.generation as { peerOverOurs: { median: number } }).peerOverOurs.median;
    }
    if (only.has('generation')) {
      log(`generation: ${plan.genOd} test OD pairs, beam 4 and best-first, one batched call each`);
      // Quick: no one-OD-at-a-time variant (64 sequential searches would not fit in the budget).
      const variants = quick
        ? (['beamBatched', 'bestFirstBatched'] as const)
        : (['beamBatched', 'beamOneByOne', 'bestFirstBatched'] as const);
      const g = await generationBench({
        dataset,
        derived,
        scorer: models.scorer,
        nOd: plan.genOd,
        maxExpansions: plan.maxExpansions,
        timing: { warmup: 1, repeats: plan.genRepeats },
        variants: [...variants],
      });
      out.generation = g;
      out.generationTripsPerSec = g.tripsPerSec.beamBatched;
      out.generationBestFirstTripsPerSec = g.tripsPerSec.bestFirstBatched;
      if (g.boundShare !== undefined) out.generationBoundShare = g.boundShare;
    }
    if (only.has('routeFeatures')) {
      // Today's decoder is a student without the features: the folder's, or the plain vanilla seed 1
      // where the shipped student reads them (then timed beside as a third variant).
      const shippedReads = models.student.config.routeFeatures !== undefined;
      const basePath = shippedReads ? featureFreeStudent(ckDir) : models.studentSource;
      if (!basePath) throw new Error(`route features: no student without them in ${ckDir} or ${PEER_CHECKPOINT}`);
      const base = shippedReads ? loadStudentScorer(new Uint8Array(await readFile(basePath)), dataset.network, derived) : null;
      log(`route features: ${plan.genOd} test OD pairs, beam 4 batched, the feature off vs on (base ${basePath})`);
      const r = await routeFeaturesBench({
        dataset,
        derived,
        base: base?.student ?? models.student,
        ctx: models.ctx,
        nOd: plan.genOd,
        maxExpansions: plan.maxExpansions,
        timing: { warmup: 1, repeats: plan.genRepeats },
        shipped: shippedReads ? { student: models.student, source: models.studentSource } : undefined,
      }).finally(() => base?.dispose());
      out.routeFeatures = { base: basePath, ...r };
      out.routeFeaturesTripsPerSec = r.tripsPerSec.on;
      out.routeFeaturesOnOverOff = r.onOverOff.median;
    }
    if (only.has('backends')) {
      const backends: Record<string, unknown> = {};
      // Quick mode times wasm only: one plain-JS (cpu) step takes ~10 s here, a tenth of the budget.
      for (const name of quick ? (['wasm'] as const) : (['wasm', 'cpu'] as const)) {
        log(`backend ${name}: vanilla training step, batch ${plan.backendBatch}`);
        await initNodeBackend(name);
        const r: TrainingBenchResult = await trainingBench({
          dataset,
          derived,
          teacher: models.teacher,
          batch: plan.backendBatch,
          variants: ['vanilla'],
          timing: { warmup: 1, repeats: plan.backendRepeats },
        });
        backends[name] = { tripsPerSec: r.tripsPerSec.vanilla, stepMs: r.stepMs.vanilla, batch: r.batch };
      }
      await initNodeBackend('wasm');
      out.backends = backends;
    }
    if (only.has('scaling')) {
      const [vanilla, distilled] = ['vanilla.safetensors', 'distilled.safetensors'].map((f) => join(ckDir, f));
      if (!existsSync(vanilla) || !existsSync(distilled)) out.scaling = { skipped: `needs vanilla and distilled checkpoints in ${ckDir}` };
      else {
        const sc = await scalingBench({
          datasetDir,
          dataset,
          derived,
          vanilla,
          distilled,
          nOd: plan.scaleOd,
          rounds: plan.scaleRounds,
          log,
        });
        out.hardwareConcurrency = sc.hardwareConcurrency;
        out.scaling = sc;
        out.generationSpeedup2 = sc.generation.speedup2;
        out.evaluationSpeedup2 = sc.evaluation.speedup2;
        out.trainingSpeedup2 = sc.training.speedup2;
      }
    }
  } finally {
    models.dispose();
  }
  out.memory = {
    ...memoryInfo(),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
  (out.env as Record<string, unknown>).loadAvgEnd = loadavg();
  out.wallSeconds = (performance.now() - t0) / 1000;
  const json = JSON.stringify(roundDeep(out, 4), null, jsonOnly ? 0 : 2);
  const outFile = flagString(p, 'out', '');
  if (outFile) await writeFile(outFile, json + '\n');
  console.log(json);
  return 0;
}

function overhead(ratio: number | undefined): number | null {
  return ratio === undefined || !Number.isFinite(ratio) ? null : ratio - 1;
}

interface Models {
  teacher: TeacherModel;
  teacherSource: string;
  student: Student;
  studentSource: string;
  scorer: StudentScorer;
  ctx: BatchContext;
  dispose(): void;
}

/** Shipped checkpoints when present; otherwise the shipped sizes with random weights (said so in the JSON). */
async function loadModels(dir: string, dataset: Dataset, derived: Derived): Promise<Models> {
  const tPath = join(dir, 'teacher.safetensors');
  let teacher: TeacherModel;
  let teacherSource: string;
  if (existsSync(tPath)) {
    teacher = loadTeacher(new Uint8Array(await readFile(tPath)), derived).model;
    teacherSource = tPath;
  } else {
    teacher = new TeacherModel(defaultTeacherConfig(derived.grid.vocabSize), 1);
    teacherSource = 'random weights (no teacher.safetensors), default size';
  }
  teacher.setTrainable(false);
  const sPath = ['distilled.safetensors', 'vanilla.safetensors'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (sPath) {
    const loaded = loadStudentScorer(new Uint8Array(await readFile(sPath)), dataset.network, derived);
    const ctx = batchContext(dataset.network, derived, { maxLen: runHyper(loaded.checkpoint.hyper).maxLen });
    return {
      teacher,
      teacherSource,
      student: loaded.student,
      studentSource: sPath,
      scorer: loaded.scorer,
      ctx,
      dispose: () => {
        loaded.dispose();
        teacher.dispose();
      },
    };
  }
  const student = new Student(derived, { ...STUDENT_PRESETS.small, freezeEncoders: true }, 3);
  const ctx = batchContext(dataset.network, derived, { maxLen: 128 });
  const scorer = new StudentScorer(student, ctx, derived, { maxBatch: 1024 });
  return {
    teacher,
    teacherSource: teacherSource,
    student,
    studentSource: 'random weights (no student checkpoint), small size',
    scorer,
    ctx,
    dispose: () => {
      scorer.dispose();
      student.dispose();
      teacher.dispose();
    },
  };
}

/** The city folder's vanilla or distilled student without route features, else Porto's plain vanilla seed 1 (PEER_CHECKPOINT). */
function featureFreeStudent(ckDir: string): string | undefined {
  return [...['vanilla.safetensors', 'distilled.safetensors'].map((f) => join(ckDir, f)), PEER_CHECKPOINT].find(
    (f) => existsSync(f) && checkpointFacts(new Uint8Array(readFileSync(f))).hyper?.routeFeatures !== true,
  );
}
