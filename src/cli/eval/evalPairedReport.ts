// `eval paired-report`: the seed-paired generation protocol over vanilla and
// distilled student checkpoints paired by training seed. Every test OD pair once and a fixed sample
// of train OD pairs; effects with t-intervals across seeds, per-OD bootstrap intervals, McNemar on
// reachedRate and oracle JSD floors (src/lib/eval/pairedProtocol.ts).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { flagNumber, flagNumberOrAll, flagString, parseArgs, commandLine } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { runEnvironment, throttledLog } from '../common/runEnvironment';
import { repoPath } from '../common/repoPath';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { parseMethod } from '../generate/generate';
import { parseBaselineMethods } from '../../lib/generate/baselines';
import { markovTransitionPrior, parsePriorSpec, withTransitionPrior } from '../../lib/generate/transitionPrior';
import { pairBySeed } from './evalPaired';
import { loadStudentScorer, roundReport, type LoadedStudent } from '../../lib/eval/protocol';
import {
  PAIRED_REPORT_METRICS,
  prefillRouteCache,
  runPairedProtocol,
  type GeneratedRoutes,
  type PairedProtocolOptions,
  type RouteCache,
} from '../../lib/eval/pairedProtocol';
import { decodeCheckpoint } from '../../lib/checkpoint/checkpoint';
import { initNodeBackend } from '../../lib/runtime/node';
import { SPLITS, type RoadNetwork, type SplitName } from '../../lib/data/types';
import type { Derived } from '../../lib/data/derivedTypes';
import { GenerationPool, parseWorkers } from '../generate/generatePool';

const USAGE = `usage: eval paired-report --vanilla <a,b,…> --distilled <c,d,…> (checkpoint files)
                           [--dataset public/data/porto] [--out public/reports/porto-eval-paired.json]
                           [--train-od 500] [--test-od all] [--beam 4] [--method beam|bestFirst] [--max-steps 200]
                           [--batch 256] [--bootstrap 2000] [--oracle 50] [--route-cache <dir>] [--label <text>]
                           [--prefill K/N] [--splits train,test] [--baselines shortest,fastest,markov] [--workers 1|N|auto]
  Generates every test OD pair once (each test trip's own OD and start time) and --train-od train OD
  pairs with every checkpoint, pairs vanilla and distilled by training seed, and reports each metric
  as per-seed paired differences with a 95 % t-interval, per-OD paired differences with bootstrap
  intervals, reached by OD with a sign-flip permutation test clustered by OD, and each JSD next to
  its oracle floor. --route-cache keeps each checkpoint's routes in <dir>, keyed by a hash of the
  checkpoint file, the OD list and the search settings, so arms that share vanilla runs generate
  their routes once. --label says what the two sides are when they are not a vanilla and a distilled
  arm (e.g. scratch and transfer); it is written into the report. --prefill K/N (with --route-cache)
  only generates and caches every N-th generation run from the K-th (K = 0 … N−1) and writes no
  report: N processes side by side fill the cache, then the report finds every run there.
  --splits val scores every val OD pair instead: the split to choose an arm on. --baselines adds
  route baselines without a model on the same OD pairs and start times (src/lib/generate/baselines.ts),
  each with its metrics and its effect against the vanilla seeds (baseline − vanilla). --workers N
  generates each run's OD pairs on N threads (auto: one per core); routes and metrics are the same.
  --distilled-prior markov:<β> adds β · log p of the Markov baseline's chain (counted on the train
  trips) to the distilled side's next-road log-probabilities at generation and renormalises
  (src/lib/generate/transitionPrior.ts); with --distilled set to the vanilla checkpoints it measures
  (vanilla + prior) − vanilla on the same seeds. One worker only.`;

export interface Loaded {
  path: string;
  seed: number;
  /** sha256 of the checkpoint file. */
  id: string;
  m: LoadedStudent;
}

/** A student checkpoint as the paired protocols take it: its training seed, a content id and its scorer. */
export async function loadForPairing(path: string, network: RoadNetwork, derived: Derived): Promise<Loaded> {
  const bytes = new Uint8Array(await readFile(path));
  const ck = decodeCheckpoint(bytes);
  const seed = ck.hyper.seed;
  if (typeof seed !== 'number') throw new Error(`${path}: the checkpoint records no training seed (hyper.seed)`);
  return { path, seed, id: createHash('sha256').update(bytes).digest('hex'), m: loadStudentScorer(ck, network, derived) };
}

/** A route cache of JSON files in `dir`, one per key (named by the key's sha256). */
export function fileRouteCache(dir: string): RouteCache {
  const file = (key: string) => join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  return {
    async get(key) {
      let text: string;
      try {
        text = await readFile(file(key), 'utf8');
      } catch {
        return null;
      }
      const stored = JSON.parse(text) as { key: string; routes: GeneratedRoutes };
      if (stored.key !== key) return null;
      // JSON writes NaN (an unknown log-probability) as null.
      for (const t of stored.routes.trips) t.logProb = typeof t.logProb === 'number' ? t.logProb : NaN;
      return stored.routes;
    },
    async set(key, routes) {
      await mkdir(dir, { recursive: true });
      // Written aside and renamed into place: two reports sharing a cache (the study's lanes) never
      // read a half-written file.
      const tmp = `${file(key)}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ key, routes }));
      await rename(tmp, file(key));
    },
  };
}

/** "train,test" → the splits to generate, each named once. */
export function parseSplits(v: string): SplitName[] {
  const names = v.split(',').filter(Boolean);
  for (const n of names)
    if (!(SPLITS as readonly string[]).includes(n)) throw new Error(`--splits: unknown split "${n}" (expected ${SPLITS.join(', ')})`);
  if (names.length === 0 || new Set(names).size !== names.length) throw new Error(`--splits expects distinct split names, got "${v}"`);
  return names as SplitName[];
}

/** "K/N" → part K of N (0 ≤ K < N); absent → null. */
export function parsePrefill(v: string | boolean | undefined): { part: number; of: number } | null {
  if (v === undefined) return null;
  const m = typeof v === 'string' ? /^(\d+)\/(\d+)$/.exec(v) : null;
  const part = m ? Number(m[1]) : NaN;
  const of = m ? Number(m[2]) : NaN;
  if (!(part >= 0 && part < of)) throw new Error(`--prefill expects K/N with 0 ≤ K < N, got "${String(v)}"`);
  return { part, of };
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval paired-report', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let vanilla: string[], distilled: string[];
  try {
    vanilla = flagString(p, 'vanilla').split(',').filter(Boolean);
    distilled = flagString(p, 'distilled').split(',').filter(Boolean);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const out = flagString(p, 'out', 'public/reports/porto-eval-paired.json');
  const workers = parseWorkers(p.flags.workers);
  const backend = await initNodeBackend('wasm');
  const datasetDir = flagString(p, 'dataset', 'public/data/porto');
  const { dataset, derived } = await loadDatasetWithDerived(datasetDir);
  const load = (path: string) => loadForPairing(path, dataset.network, derived);
  const cacheDir = typeof p.flags['route-cache'] === 'string' ? p.flags['route-cache'] : null;
  // "all" (the default) generates every test OD pair; a number, a sample of that many.
  const testOd = flagNumberOrAll(p, 'test-od', Infinity);
  const prefill = parsePrefill(p.flags.prefill);
  if (prefill && !cacheDir) throw new Error('--prefill fills the route cache: give --route-cache <dir>');
  if (p.flags.baselines === true) throw new Error('--baselines expects a list, e.g. shortest,fastest,markov');
  const baselines = typeof p.flags.baselines === 'string' ? parseBaselineMethods(p.flags.baselines) : undefined;
  const priorSpec = typeof p.flags['distilled-prior'] === 'string' ? parsePriorSpec(p.flags['distilled-prior']) : null;
  if (priorSpec && workers > 1) throw new Error('--distilled-prior generates on this thread: leave out --workers');
  const prior = priorSpec ? { ...priorSpec, chain: markovTransitionPrior(dataset.network, dataset.splits.train) } : null;
  const loaded: Loaded[] = [];
  let pool: GenerationPool | null = null;
  try {
    const v: typeof loaded = [];
    const d: typeof loaded = [];
    for (const [paths, arm] of [
      [vanilla, v],
      [distilled, d],
    ] as const) {
      for (const f of paths) {
        const x = await load(f);
        loaded.push(x);
        arm.push(x);
      }
    }
    const order = pairBySeed(
      v.map((x) => x.seed),
      d.map((x) => x.seed),
    );
    const progress = throttledLog(5000);
    // More than one worker: each run's OD pairs are generated on a pool of threads that load the
    // checkpoints themselves; the scorers here are then only the checkpoints' names.
    if (workers > 1) pool = await GenerationPool.start(workers, datasetDir);
    const pathOf = new Map(loaded.map((l) => [l.m.scorer as unknown, l.path]));
    const threads = pool;
    const protocol: PairedProtocolOptions = {
      ...(baselines ? { baselines } : {}),
      dataset,
      derived,
      pairs: order.map(([a, b]) => ({
        seed: v[a].seed,
        vanilla: v[a].m.scorer,
        // The prior is part of the distilled side's identity: its routes are cached apart.
        distilled: prior ? withTransitionPrior(d[b].m.scorer, prior.chain, prior.beta) : d[b].m.scorer,
        vanillaId: v[a].id,
        distilledId: prior && prior.beta > 0 ? `${d[b].id}+markov:${prior.beta}` : d[b].id,
      })),
      routeCache: cacheDir ? fileRouteCache(cacheDir) : undefined,
      ...(threads ? { generate: (scorer, ods, o) => threads.generate(pathOf.get(scorer)!, ods, o) } : {}),
      splits: parseSplits(flagString(p, 'splits', 'train,test')),
      trainOd: flagNumber(p, 'train-od', 500),
      testOd: testOd === Infinity ? undefined : testOd,
      beam: flagNumber(p, 'beam', 4),
      method: parseMethod(flagString(p, 'method', 'beam')),
      maxSteps: flagNumber(p, 'max-steps', 200),
      batchSize: flagNumber(p, 'batch', 256),
      bootstrap: flagNumber(p, 'bootstrap', 2000),
      oracleResamples: flagNumber(p, 'oracle', 50),
      createdWith: commandLine('eval paired-report', args),
      // The verdict names the second side by what it is when it is not a distilled arm.
      ...(prior
        ? { treated: `the Markov prior (β ${prior.beta})` }
        : typeof p.flags.label === 'string'
          ? { treated: `the second side (${p.flags.label})` }
          : {}),
      machine: runEnvironment(backend.name),
      onProgress: (pr) =>
        progress(() => `  run ${pr.run + 1}/${pr.runs}: ${pr.split}-OD, seed ${pr.seed}, ${pr.arm}: ${pr.done}/${pr.total}`),
    };
    if (prefill) {
      const made = await prefillRouteCache(protocol, prefill.part, prefill.of);
      console.log(`prefill ${prefill.part}/${prefill.of}: generated ${made} runs into ${cacheDir}`);
      return 0;
    }
    const rep = await runPairedProtocol(protocol);
    const checkpoints = {
      vanilla: order.map(([a]) => ({ seed: v[a].seed, file: repoPath(v[a].path), hyper: v[a].m.checkpoint.hyper })),
      distilled: order.map(([, b]) => ({ seed: d[b].seed, file: repoPath(d[b].path), hyper: d[b].m.checkpoint.hyper })),
    };
    await mkdir(dirname(resolve(out)), { recursive: true });
    const label = typeof p.flags.label === 'string' ? { label: p.flags.label } : {};
    const priorNote = prior ? { distilledPrior: { kind: prior.kind, beta: prior.beta, description: prior.chain.description } } : {};
    await writeFile(out, JSON.stringify(roundReport({ ...label, ...priorNote, ...rep, checkpoints }, 6), null, 1) + '\n');
    for (const [name, r] of Object.entries(rep.splits)) {
      console.log(`\n${name}-OD: ${r.nOd} OD pairs × ${rep.trainingSeeds.length} seeds (pairedN ${r.pairedN})`);
      for (const { key } of PAIRED_REPORT_METRICS) {
        const e = r.effects[key];
        const floor = key in r.oracleFloor ? ` (oracle floor ${(r.oracleFloor as unknown as Record<string, number>)[key].toFixed(4)})` : '';
        console.log(`  ${key.padEnd(17)} Δ ${e.mean.toFixed(4)} [${e.ci95[0].toFixed(4)}, ${e.ci95[1].toFixed(4)}] ${e.verdict}${floor}`);
      }
      for (const [m, b] of Object.entries(r.baselines ?? {})) {
        if (!b) continue;
        console.log(`  baseline ${m} − vanilla:`);
        for (const { key } of PAIRED_REPORT_METRICS) {
          const e = b.vsVanilla[key];
          console.log(
            `    ${key.padEnd(17)} ${b.metrics[key].toFixed(4)}; Δ ${e.mean.toFixed(4)} [${e.ci95[0].toFixed(4)}, ${e.ci95[1].toFixed(4)}] ${e.verdict === 'helps' ? 'baseline better' : e.verdict === 'hurts' ? 'baseline worse' : e.verdict}`,
          );
        }
      }
      const rb = r.reachedByOd;
      console.log(
        `  reached by OD: Δ ${rb.mean.toFixed(4)} [${rb.ci95[0].toFixed(4)}, ${rb.ci95[1].toFixed(4)}], sign-flip p ${rb.p.toPrecision(3)} (vanilla only ${rb.vanillaOnly}, distilled only ${rb.distilledOnly} of the (seed, OD) pairs)`,
      );
    }
    console.log(`\n${rep.verdict}\nwrote ${out}`);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    for (const l of loaded) l.m.dispose();
    await pool?.close();
  }
  return 0;
}
