// `eval`: the thesis's metric suite over a generated-trajectory CSV, and `eval report`, which runs
// the whole protocol (thesis §6.1) for the shipped vanilla and distilled checkpoints and writes
// the committed report plus the comparison view's route sample.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { basename, dirname, join, resolve } from 'node:path';
import { flagNumber, flagString, parseArgs, parseSeeds, commandLine } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { runEnvironment, throttledLog } from '../common/runEnvironment';
import { repoPath } from '../common/repoPath';
import { loadDataset, loadDatasetWithDerived } from '../common/fsDataset';
import { parseMethod, parseSplit } from '../generate/generate';
import { buildRoadFeatures } from '../../lib/data/roadFeatures';
import { GeneratedCsvError, MAX_LISTED_PROBLEMS, readGeneratedLines, type GeneratedParse } from '../../lib/generate/generatedCsv';
import type { GeneratedTrip } from '../../lib/generate/generator';
import { formatIssue } from '../../lib/data/types';
import {
  generatedToEvalTrip,
  loadStudentScorer,
  realToEvalTrip,
  roundReport,
  runProtocol,
  type LoadedStudent,
} from '../../lib/eval/protocol';
import { evaluateTripsPerKm } from '../../lib/eval/tripMetrics';
import { outsideNetwork } from '../../lib/eval/routeFile';
import { scoreByTrip } from '../../lib/eval/tripPairing';
import { hoserDistributionJSDs, shapelyCentroids } from '../../lib/eval/hoserMetrics';
import { initNodeBackend } from '../../lib/runtime/node';

const USAGE = `usage:
  eval --dataset <dir> --generated <file.csv> --split train|val|test [--metrics ours|hoser]
       [--pairing grid|trip] [--json]
      every metric of generated trips against the split's real trips (--json: one JSON object);
      DTW per km (per real km) with it: --pairing grid (default) pairs routes and real trips by
      HOSER's 200 m OD cells, as the suite's local metrics; --pairing trip scores each route
      against the split's trip with its origin, destination and start time (generate without --n
      writes every trip once), with the median and p90 of DTW per km and EDR as the paired report;
      the file is ours (generate --out) or HOSER gene.py's (generate --format hoser), told by its header
      --metrics hoser: distanceJSD, radiusJSD, durationJSD as HOSER's evaluation notebook computes them
      (shapely road centroids, linspace(0, max real, 100) + inf bins; docs/metrics.md)
  eval report [--dataset public/data/porto] [--checkpoints public/checkpoints/porto]
              [--out public/reports/porto-eval.json] [--routes-out <dir of out>/porto-routes.json]
              [--n 5000] [--seeds 1,2,3] [--beam 4] [--method beam|bestFirst] [--batch 256]
              [--max-steps 200] [--route-samples 150] [--backend wasm|cpu]
      runs the protocol (N OD pairs per split and seed, N = min(n, trips in the split)) for
      vanilla.safetensors and distilled.safetensors and writes the report and the per-OD route sample
  eval steps --checkpoint <ckpt> [--split test] [--json] [--per-trip] [--teacher <ckpt>]
      teacher-forced step accuracy/NLL over candidate roads with CIs (see: eval steps --help)
  eval paired-steps --vanilla <ckpts> --distilled <ckpts> [--split test] [--out <json>]
      seed-paired effect of distillation on those steps, t-interval across seeds
  eval paired-report --vanilla <ckpts> --distilled <ckpts> [--out <json>] [--train-od 500]
      seed-paired generation report: every test OD once, per-OD and per-seed paired effects
  eval paired-search --checkpoints <ckpts> --a <search> --b <search> [--split val]
      two route searches on the same checkpoints, paired by checkpoint and by OD pair
  eval registered-routes --routes <paired-search json> --steps <paired-steps json>
      registration 2's endpoints (route recipe against the best baseline and the routes control), Holm over three
  eval registered-long --routes <paired-search json> --baselines-report <json> --dataset <dir> --b <search> --seeds <list>
      registration 3's endpoints (the final recipe against the best baseline, overall and on long trips), Holm over three
  eval length-strata --spec <file.json> [--out <json>] [--markdown <md>]
      route tables by the real trip's length (thirds) and on the OD pairs the baseline draws exactly
  eval pack-reports [--min-kb 200] <report.json> …
      gzips big committed reports in place (every report reader takes the .gz)
  eval pack-routes --cache <dir> --out <file.json.gz>; eval unpack-routes --from <file.json.gz> --cache <dir>
      a route cache as one committed gzipped file (a registered reading's routes), and back
  eval baselines [--dataset <dir>] [--split test] [--methods shortest,fastest,fittedFastest,markov,markovLength] [--out <json>]
      route baselines without a model on the split's OD pairs, scored as paired-report scores students
  eval distillation-summary --regimes "<label>=<dir>;…" [--out public/reports/distillation.json]
      one file of every regime's paired effects, for the Compare view`;

/**
 * A generated-trips file read line by line, as Compare reads one: a bad row (or one with a road id
 * outside the network) is dropped alone and printed as file:line: field: reason; the rest are
 * scored. Null (after printing why) when nothing is left.
 */
async function readGeneratedRoutes(csv: string, nRoads: number): Promise<GeneratedParse | null> {
  const lines = createInterface({ input: createReadStream(csv, 'utf8'), crlfDelay: Infinity });
  let parsed: GeneratedParse;
  try {
    parsed = await readGeneratedLines(lines, basename(csv));
  } catch (e) {
    if (!(e instanceof GeneratedCsvError)) throw e;
    console.error(`error: ${e.message}`);
    return null;
  }
  const problems = [...parsed.problems];
  const trips: GeneratedTrip[] = [];
  parsed.trips.forEach((t, i) => {
    const reason = outsideNetwork(t, nRoads);
    if (reason === null) return void trips.push(t);
    parsed.dropped++;
    problems.push({ file: parsed.fileName, line: parsed.lines[i], field: '(route)', reason });
  });
  problems.sort((a, b) => a.line - b.line);
  for (const p of problems.slice(0, MAX_LISTED_PROBLEMS)) console.error(formatIssue(p));
  if (parsed.dropped > MAX_LISTED_PROBLEMS) console.error(`… and ${parsed.dropped - MAX_LISTED_PROBLEMS} more rows dropped`);
  if (parsed.dropped > 0) console.error(`dropped ${parsed.dropped} of ${parsed.rows} rows; scoring the other ${trips.length}`);
  if (trips.length === 0) {
    console.error(`error: ${csv}: no route left to score`);
    return null;
  }
  return { ...parsed, trips };
}

async function evalGenerated(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval', USAGE));
  let dir: string, csv: string, split: 'train' | 'val' | 'test', metrics: string, pairing: string;
  try {
    dir = flagString(p, 'dataset');
    csv = flagString(p, 'generated');
    split = parseSplit(flagString(p, 'split', 'test'));
    metrics = flagString(p, 'metrics', 'ours');
    if (metrics !== 'ours' && metrics !== 'hoser') throw new Error(`--metrics must be ours or hoser, got "${metrics}"`);
    pairing = flagString(p, 'pairing', 'grid');
    if (pairing !== 'grid' && pairing !== 'trip') throw new Error(`--pairing must be grid or trip, got "${pairing}"`);
    if (pairing === 'trip' && metrics === 'hoser') throw new Error('--pairing trip goes with --metrics ours');
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const ds = await loadDataset(dir);
  const gen = await readGeneratedRoutes(csv, ds.network.roads.length);
  if (gen === null) return 1;
  const format = { name: gen.format, hasOd: gen.hasOd };
  let report: Record<string, number>;
  if (metrics === 'hoser') {
    const points = shapelyCentroids(ds.network);
    const real = ds.splits[split].map((t) => realToEvalTrip(t, points));
    const generated = gen.trips.map((t) => generatedToEvalTrip(t, points));
    report = { ...hoserDistributionJSDs(real, generated), n: gen.trips.length };
  } else {
    // Only centroids are needed: the cheap road features, not the full derived build.
    const centroid = buildRoadFeatures(ds.network).centroid;
    if (!format.hasOd) console.error(`note: ${csv} names no OD pair; every route counts as reaching its own last road`);
    const real = ds.splits[split].map((t) => realToEvalTrip(t, centroid));
    const generated = gen.trips.map((t) => generatedToEvalTrip(t, centroid));
    const suite = evaluateTripsPerKm(real, generated);
    report = { ...suite.report, dtwPerKm: suite.dtwPerKm };
    if (pairing === 'trip') {
      if (!format.hasOd) throw new Error(`${csv} names no OD pair: --pairing trip needs our format (generate --format ours)`);
      const byTrip = scoreByTrip(gen.trips, ds.splits[split], centroid);
      report = {
        ...report,
        tripPairedN: byTrip.n,
        tripDtwPerKmMean: byTrip.dtwPerKm.mean,
        tripDtwPerKmMedian: byTrip.dtwPerKm.median,
        tripDtwPerKmP90: byTrip.dtwPerKm.p90,
        tripEdr: byTrip.edr,
        tripReachedRate: byTrip.reachedRate,
      };
    }
  }
  if (p.flags.json !== undefined) {
    console.log(
      JSON.stringify({
        dataset: ds.name,
        split,
        generated: csv,
        format: format.name,
        metrics,
        pairing,
        rows: gen.rows,
        dropped: gen.dropped,
        ...report,
      }),
    );
  } else {
    const w = Math.max(...Object.keys(report).map((k) => k.length));
    for (const [k, v] of Object.entries(report)) console.log(`${k.padEnd(w)}  ${Number.isInteger(v) ? v : v.toFixed(4)}`);
  }
  return 0;
}

async function report(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval report', USAGE));
  const datasetDir = flagString(p, 'dataset', 'public/data/porto');
  const ckDir = flagString(p, 'checkpoints', 'public/checkpoints/porto');
  const out = flagString(p, 'out', 'public/reports/porto-eval.json');
  const routesOut = flagString(p, 'routes-out', join(dirname(out), basename(out).replace(/-eval\.json$|\.json$/, '') + '-routes.json'));
  const seeds = parseSeeds(flagString(p, 'seeds', '1,2,3'));
  const method = parseMethod(flagString(p, 'method', 'beam'));
  const backendName = flagString(p, 'backend', 'wasm');
  if (backendName !== 'wasm' && backendName !== 'cpu') throw new Error(`--backend must be wasm or cpu, got "${backendName}"`);

  const backend = await initNodeBackend(backendName);
  const { dataset, derived } = await loadDatasetWithDerived(datasetDir);
  const loaded: { name: string; file: string; m: LoadedStudent }[] = [];
  try {
    for (const name of ['vanilla', 'distilled']) {
      const file = join(ckDir, `${name}.safetensors`);
      const bytes = await readFile(file).catch(() => {
        throw new Error(`checkpoint not found: ${file} (train it first: npm run cli -- train …)`);
      });
      loaded.push({ name, file, m: loadStudentScorer(new Uint8Array(bytes), dataset.network, derived) });
    }
    const progress = throttledLog(5000);
    const rep = await runProtocol({
      dataset,
      derived,
      models: loaded.map((l) => ({ name: l.name, scorer: l.m.scorer })),
      splits: ['train', 'test'],
      n: flagNumber(p, 'n', 5000),
      seeds,
      beam: flagNumber(p, 'beam', 4),
      method,
      batchSize: flagNumber(p, 'batch', 256),
      maxSteps: flagNumber(p, 'max-steps', 200),
      routeSamples: flagNumber(p, 'route-samples', 150),
      createdWith: commandLine('eval report', args),
      machine: runEnvironment(backend.name),
      onProgress: (pr) =>
        progress(() => `  run ${pr.run + 1}/${pr.runs}: seed ${pr.seed}, ${pr.split}-OD, ${pr.model}: ${pr.done}/${pr.total}`),
    });
    const checkpoints = Object.fromEntries(
      loaded.map((l) => [
        l.name,
        {
          file: repoPath(l.file),
          created: l.m.checkpoint.created,
          epoch: l.m.checkpoint.training.epoch,
          hyper: l.m.checkpoint.hyper,
          config: l.m.checkpoint.config,
        },
      ]),
    );
    const { routes, ...body } = rep;
    const file = roundReport({ ...body, checkpoints }, 6);
    await mkdir(dirname(resolve(out)), { recursive: true });
    await writeFile(out, JSON.stringify(file, null, 1) + '\n');
    const routesJson = fitRoutes(roundReport(routes, 4), ROUTES_BUDGET_BYTES);
    await writeFile(routesOut, routesJson.json + '\n');
    printHeadline(rep.models);
    console.log(
      `\n${rep.pairNote}\n\nwrote ${out} and ${routesOut} (${routesJson.kept} OD route samples${routesJson.kept < routes.length ? `, cut from ${routes.length} to stay under ${ROUTES_BUDGET_BYTES / 1000} kB` : ''})`,
    );
  } finally {
    for (const l of loaded) l.m.dispose();
  }
  return 0;
}

/** The route sample ships with the app: keep it well under 1 MB together with the report. */
const ROUTES_BUDGET_BYTES = 850_000;

/** JSON of the first k samples of every split, with the largest k (≤ all) that fits the budget. */
function fitRoutes(routes: { split: string }[], budget: number): { json: string; kept: number } {
  const bySplit = new Map<string, { split: string }[]>();
  for (const r of routes) bySplit.set(r.split, [...(bySplit.get(r.split) ?? []), r]);
  let k = Math.max(0, ...[...bySplit.values()].map((l) => l.length));
  for (;;) {
    const kept = [...bySplit.values()].flatMap((l) => l.slice(0, k));
    const json = JSON.stringify(kept);
    if (json.length <= budget || k === 0) return { json, kept: kept.length };
    k = Math.floor(k * 0.9);
  }
}

const HEADLINE = ['distanceJSD', 'radiusJSD', 'durationJSD', 'hausdorffKm', 'dtwKm', 'edr', 'odMatchRate', 'reachedRate', 'tripsPerSec'];

function printHeadline(models: Record<string, Record<string, Record<string, unknown>>>): void {
  const fmt = (v: unknown): string => {
    if (typeof v === 'number') return v.toFixed(2);
    const s = v as { mean: number; std: number };
    return Number.isFinite(s.mean) ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : 'n/a';
  };
  const cols = Object.entries(models).flatMap(([m, splits]) => Object.keys(splits).map((s) => [m, s] as const));
  console.log(['metric'.padEnd(12), ...cols.map(([m, s]) => `${m}/${s}`.padEnd(20))].join(' '));
  for (const k of HEADLINE) console.log([k.padEnd(12), ...cols.map(([m, s]) => fmt(models[m][s][k]).padEnd(20))].join(' '));
}

export async function run(args: string[]): Promise<number> {
  if (args[0] === 'report') return report(args.slice(1));
  if (args[0] === 'steps') return (await import('./evalSteps')).run(args.slice(1));
  if (args[0] === 'paired-steps') return (await import('./evalPaired')).run(args.slice(1));
  if (args[0] === 'paired-report') return (await import('./evalPairedReport')).run(args.slice(1));
  if (args[0] === 'paired-search') return (await import('./evalPairedSearch')).run(args.slice(1));
  if (args[0] === 'registered-routes') return (await import('./evalRegisteredRoutes')).run(args.slice(1));
  if (args[0] === 'registered-long') return (await import('./evalRegisteredLong')).run(args.slice(1));
  if (args[0] === 'baselines') return (await import('./evalBaselines')).run(args.slice(1));
  if (args[0] === 'length-strata') return (await import('./evalLengthStrata')).run(args.slice(1));
  if (args[0] === 'pack-reports') return (await import('./evalPackReports')).run(args.slice(1));
  if (args[0] === 'pack-routes') return (await import('./routePack')).runPack(args.slice(1));
  if (args[0] === 'unpack-routes') return (await import('./routePack')).runUnpack(args.slice(1));
  if (args[0] === 'results-table') return (await import('./evalResultsTable')).run(args.slice(1));
  if (args[0] === 'distillation-summary') return (await import('./evalDistillationSummary')).run(args.slice(1));
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    console.log(USAGE);
    return args.length ? 0 : 2;
  }
  return evalGenerated(args);
}
