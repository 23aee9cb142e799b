// `generate`: routes for OD pairs sampled from a split, from a student checkpoint (beam or
// best-first search) or from a baseline without a model (shortest, fastest, markov:
// src/lib/generate/baselines.ts), written as a HOSER-style generated-trajectory CSV.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { flagNumber, flagString, parseArgs, usageExit } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { loadDataset, loadDatasetWithDerived } from '../common/fsDataset';
import type { SplitName } from '../../lib/data/types';
import {
  centroidDistance,
  everyTripOd,
  generateRoutes,
  sampleOdPairs,
  type GenerateOptions,
  type GeneratedTrip,
} from '../../lib/generate/generator';
import { writeGeneratedCsv, writeHoserGeneCsv } from '../../lib/generate/generatedCsv';
import { loadStudentScorer } from '../../lib/eval/protocol';
import {
  baselineRouter,
  baselineSettings,
  BASELINE_DESCRIPTIONS,
  BASELINE_TIMES_NOTE,
  generateBaselineRoutes,
  isBaselineMethod,
  type BaselineMethod,
} from '../../lib/generate/baselines';
import { makeRng } from '../../lib/random';
import { initNodeBackend } from '../../lib/runtime/node';
import { GenerationPool, parseWorkers } from './generatePool';
import { sharedTailGuard } from '../../lib/generate/tailGuard';

const USAGE = `usage: generate --checkpoint <file.safetensors> --od train|val|test [--n <N>] --beam <b> --out <file.csv>
                [--method beam|bestFirst] [--seed s] [--dataset public/data/porto]
                [--batch 256] [--max-steps 200] [--backend wasm|cpu] [--format ours|hoser] [--workers 1|N|auto]
                [--guard-cap c]
       generate --method shortest|fastest|fittedFastest|markov|markovLength --od train|val|test [--n <N>] --out <file.csv>
                [--seed s] [--dataset public/data/porto] [--format ours|hoser]

  Without --n: every trip of the split with two roads or more once, in file order, each with its
  own origin, destination and start time (the paired report's OD list; eval --generated --pairing
  trip scores each route against its trip). --n N: N OD pairs sampled with replacement from the
  split's trips and, independently, N start times (HOSER's sampling). Generates one route per pair
  with the student checkpoint and writes gen_id,origin_road,dest_road,rid_list,time_list,reached,log_prob
  (--format hoser: HOSER gene.py's gene_trace_road_id,gene_trace_datetime, no OD pair or score).
  The baselines need no checkpoint: shortest (road length), fastest (free-flow time by highway
  class), fittedFastest (speeds fitted from the timed train trips), markov (most probable path of a
  road-to-road Markov chain counted on the train trips) and markovLength (the chain's −log p plus
  a cost per km), with the val-chosen settings of src/lib/generate/baselines.ts BASELINE_DEFAULTS;
  their times are free-flow times. --workers N generates on N threads (each
  loads the dataset and the checkpoint; auto: one per core); the routes are the same bit for bit.
  --guard-cap c runs the tail guard after the search (src/lib/generate/tailGuard.ts): a route over
  c × its OD pair's free-flow fastest path's length, or one that does not reach, is written as that
  fastest path (the route-features recipe searches with c = 1.2).`;

export function parseSplit(v: string): SplitName {
  if (v !== 'train' && v !== 'test' && v !== 'val') throw new Error(`--od/--split must be train, test or val, got "${v}"`);
  return v;
}

/** generate's --format: our CSV or HOSER gene.py's. */
function csvWriter(v: string): (trips: GeneratedTrip[]) => string {
  if (v === 'ours') return writeGeneratedCsv;
  if (v === 'hoser') return writeHoserGeneCsv;
  throw new Error(`--format must be ours or hoser, got "${v}"`);
}

export function parseMethod(v: string): 'beam' | 'bestFirst' {
  if (v !== 'beam' && v !== 'bestFirst') throw new Error(`--method must be beam or bestFirst, got "${v}"`);
  return v;
}

/** generate's --method: a search over a student checkpoint or a baseline. */
export function parseGenerateMethod(v: string): 'beam' | 'bestFirst' | BaselineMethod {
  if (isBaselineMethod(v)) return v;
  if (v !== 'beam' && v !== 'bestFirst') throw new Error(`--method must be beam, bestFirst, shortest, fastest or markov, got "${v}"`);
  return v;
}

/** Baseline routes for `n` OD pairs of `split`, written as CSV (no checkpoint, no tfjs). */
async function runBaseline(
  method: BaselineMethod,
  datasetDir: string,
  split: SplitName,
  nFlag: number | null,
  seed: number,
  out: string,
  write: (trips: GeneratedTrip[]) => string,
): Promise<number> {
  const dataset = await loadDataset(datasetDir);
  const trips = dataset.splits[split];
  const ods = nFlag === null ? everyTripOd(trips) : sampleOdPairs(trips, nFlag, makeRng(seed));
  const t0 = performance.now();
  const router = baselineRouter(method, dataset.network, dataset.splits.train, baselineSettings(dataset.name), dataset.routes);
  const gen = generateBaselineRoutes(router, ods, 'gen-');
  const sec = (performance.now() - t0) / 1000;
  await mkdir(dirname(resolve(out)), { recursive: true });
  await writeFile(out, write(gen));
  const reached = gen.filter((t) => t.reached).length;
  console.log(
    `wrote ${gen.length} trips to ${out}: ${split}-OD (${nFlag === null ? 'every trip once' : `${nFlag} sampled, seed ${seed}`}), ${method} (${BASELINE_DESCRIPTIONS[method]}); ` +
      `reached ${reached}/${gen.length}; ${sec.toFixed(1)} s`,
  );
  if (router.markov)
    console.log(`markov: ${router.markov.counted} train transitions counted, ${router.markov.skipped} not on a link skipped`);
  console.log(`note: ${BASELINE_TIMES_NOTE}`);
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('generate', USAGE));
  const exit = usageExit(p, USAGE);
  if (exit !== null) return exit;
  let ckPath: string, out: string, split: SplitName, method: 'beam' | 'bestFirst' | BaselineMethod;
  let write: (trips: GeneratedTrip[]) => string;
  try {
    write = csvWriter(flagString(p, 'format', 'ours'));
    method = parseGenerateMethod(flagString(p, 'method', 'beam'));
    ckPath = isBaselineMethod(method) ? '' : flagString(p, 'checkpoint');
    out = flagString(p, 'out');
    split = parseSplit(flagString(p, 'od', 'test'));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const datasetDir = flagString(p, 'dataset', 'public/data/porto');
  const seed = flagNumber(p, 'seed', 1);
  if (isBaselineMethod(method))
    return runBaseline(method, datasetDir, split, p.flags.n === undefined ? null : flagNumber(p, 'n', 0), seed, out, write);
  const beam = flagNumber(p, 'beam', 4);
  const batchSize = flagNumber(p, 'batch', 256);
  const maxSteps = flagNumber(p, 'max-steps', 200);
  const backendName = flagString(p, 'backend', 'wasm');
  if (backendName !== 'wasm' && backendName !== 'cpu') throw new Error(`--backend must be wasm or cpu, got "${backendName}"`);
  const workers = parseWorkers(p.flags.workers);
  const guardCap = p.flags['guard-cap'] === undefined ? null : flagNumber(p, 'guard-cap', NaN);
  if (guardCap !== null && !(guardCap >= 1 && Number.isFinite(guardCap))) {
    console.error(`error: --guard-cap must be a number ≥ 1, got ${String(p.flags['guard-cap'])}\n\n${USAGE}`);
    return 2;
  }

  const backend = await initNodeBackend(backendName);
  const { dataset, derived } = await loadDatasetWithDerived(datasetDir);
  const trips = dataset.splits[split];
  // One thread: the scorer here; more: a pool whose threads load the checkpoint themselves.
  const pool = workers > 1 ? await GenerationPool.start(workers, datasetDir, backendName) : null;
  const loaded = pool ? null : loadStudentScorer(new Uint8Array(await readFile(ckPath)), dataset.network, derived);
  try {
    const ods = p.flags.n === undefined ? everyTripOd(trips) : sampleOdPairs(trips, flagNumber(p, 'n', 0), makeRng(seed));
    let last = 0;
    const t0 = performance.now();
    const opts: GenerateOptions = {
      method,
      beam,
      batchSize,
      maxSteps,
      distanceToDest: centroidDistance(derived.features),
      timeMean: derived.timeMean,
      timeStd: derived.timeStd,
      onProgress: (pr) => {
        const now = performance.now();
        if (now - last > 2000) {
          last = now;
          console.error(`  ${pr.done}/${pr.total} trips (step ${pr.step}, ${pr.live} searching)`);
        }
      },
    };
    const searched = pool ? await pool.generate(ckPath, ods, opts) : await generateRoutes(loaded!.scorer, ods, opts);
    const guarded = guardCap === null ? null : sharedTailGuard(dataset.network, guardCap).apply(searched, ods);
    const gen = guarded ? guarded.trips : searched;
    const sec = (performance.now() - t0) / 1000;
    await mkdir(dirname(resolve(out)), { recursive: true });
    await writeFile(out, write(gen));
    const reached = gen.filter((t) => t.reached).length;
    console.log(
      `wrote ${gen.length} trips to ${out}: ${split}-OD (${p.flags.n === undefined ? 'every trip once' : `${String(p.flags.n)} sampled, seed ${seed}`}), ${method}${method === 'beam' ? ` b=${beam}` : ''}; ` +
        `reached ${reached}/${gen.length}; ${sec.toFixed(1)} s (${(gen.length / sec).toFixed(2)} trips/s, backend ${backend.name}, ${workers} thread${workers > 1 ? 's' : ''})`,
    );
    if (guarded)
      console.log(
        `tail guard at ${guardCap}: ${guarded.counts.overCap} routes over the cap and ${guarded.counts.unreached} unreached replaced by the fastest path`,
      );
    if (!gen.every((t) => t.timesFromModel)) console.log('note: the checkpoint gave no time predictions; hop times use the train mean');
  } finally {
    loaded?.dispose();
    await pool?.close();
  }
  return 0;
}
