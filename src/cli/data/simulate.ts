// `simulate`: a Beijing-scale set of simulated trips on a real road network,
// and `simulate timings`: how preprocessing grows from 10k to 600k trips.
//
//   simulate --dataset public/data/porto --n 600000 --seed 1 --out .cache/porto-sim-600k [--share 16]
//   simulate timings --dataset public/data/porto --sizes 10000,100000,600000 [--out .cache/scale-timings.json]
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { flagNumber, flagString, parseArgs, HelpRequested, UsageError } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { repoPath } from '../common/repoPath';
import { loadDataset } from '../common/fsDataset';
import { datasetFileRole, readTrajectories } from '../../lib/data/hoserReader';
import { writeTrajectories } from '../../lib/data/hoserWriter';
import { buildDerived } from '../../lib/data/derived';
import type { Dataset, SplitName, Trajectory } from '../../lib/data/types';
import { SPLITS } from '../../lib/data/types';
import { simulateTrips } from '../../lib/sim/simulator';
import type { SimResult } from '../../lib/sim/simulator';
import type { PackedTrips } from '../../lib/sim/packedTrips';
import { unpackTrips } from '../../lib/sim/packedTrips';
import { packedStats } from '../../lib/sim/packedDerived';
import { simulatedCard, simulatedName, splitSimulated } from '../../lib/sim/simDataset';
import { batchContext, buildBatch, prepareTrip, prepareTrips } from '../../lib/features/studentBatch';
import { makeRng, shuffleInPlace } from '../../lib/random';

const USAGE = `usage:
  simulate --dataset <dir> --n <trips> --seed <int> --out <dir> [--share 16] [--zones 300]
      writes a HOSER-format dataset of SIMULATED trips on <dir>'s real road network, plus SIMULATED.md
  simulate timings --dataset <dir> [--sizes 10000,100000,600000] [--seed 1] [--out .cache/scale-timings.json]
      measures simulation and preprocessing (parse, derived, trainer preparation) per size`;

/** Trips per CSV chunk: keeps every string far below V8's ~512 MB string limit. */
const CHUNK = 20_000;

function simulate(ds: Dataset, n: number, seed: number, share: number, nZones: number, log: (s: string) => void): SimResult {
  const derived = buildDerived(ds, { nZones });
  let lastPct = -1;
  return simulateTrips(ds.network, derived.zones, ds.splits.train, {
    n,
    seed,
    share,
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total);
      if (pct >= lastPct + 10) {
        lastPct = pct;
        log(`  routed ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
      }
    },
  });
}

/** Writes trips as HOSER CSV in chunks (one huge string would not fit in V8). */
async function writeSplitCsv(path: string, p: PackedTrips): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string): Promise<void> =>
    new Promise((res, rej) => {
      if (out.write(s)) res();
      else out.once('drain', res).once('error', rej);
    });
  await write('traj_id,rid_list,time_list\n');
  for (let a = 0; a < p.count; a += CHUNK) {
    const text = writeTrajectories(unpackTrips(p, a, a + CHUNK));
    await write(text.slice(text.indexOf('\n') + 1));
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

async function runSimulate(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('simulate', USAGE));
  const src = flagString(p, 'dataset', 'public/data/porto');
  const outDir = flagString(p, 'out');
  const n = flagNumber(p, 'n', 600_000);
  const seed = flagNumber(p, 'seed', 1);
  const share = flagNumber(p, 'share', 16);
  const nZones = flagNumber(p, 'zones', 300);
  const log = (s: string): void => console.error(s);
  const ds = await loadDataset(src);
  log(
    `simulating ${n.toLocaleString('en-US')} trips on ${ds.name} (${ds.network.roads.length} roads, seed ${seed}) — SIMULATED trips, real network`,
  );
  const sim = simulate(ds, n, seed, share, nZones, log);
  log(`  ${Math.round(sim.info.tripsPerSec)} trips/s, ${(sim.info.ms / 1000).toFixed(1)} s`);
  await mkdir(outDir, { recursive: true });
  // The roadmap files are copied byte for byte: the network is the real one.
  for (const f of await readdir(src)) {
    const role = datasetFileRole(f);
    if (role === 'geo' || role === 'rel') await copyFile(join(src, f), join(outDir, f));
  }
  const splits = splitSimulated(sim.trips);
  for (const s of SPLITS) {
    log(`  writing ${s}.csv (${splits[s].count.toLocaleString('en-US')} trips)`);
    await writeSplitCsv(join(outDir, `${s}.csv`), splits[s]);
  }
  const stats = packedStats(ds.network, splits);
  const command = `npm run cli -- simulate --dataset ${repoPath(src)} --n ${n} --seed ${seed} --share ${share} --zones ${nZones} --out <dir>`;
  await writeFile(join(outDir, 'SIMULATED.md'), simulatedCard(repoPath(src), sim.info, stats, command));
  await writeFile(
    join(outDir, 'simulation.json'),
    JSON.stringify({ simulated: true, name: simulatedName(ds.name, n), source: repoPath(src), info: sim.info, stats }, null, 2) + '\n',
  );
  console.log(JSON.stringify({ out: outDir, name: simulatedName(ds.name, n), tripsPerSec: Math.round(sim.info.tripsPerSec), stats }));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Timings

interface SizeTiming {
  trips: number;
  simulateMs: number;
  simTripsPerSec: number;
  csvMB: number;
  /** readTrajectories over CSV chunks of CHUNK trips (the reader needs whole strings). */
  parseMs: number;
  derivedMs: number;
  /** The trainer's constructor work today: prepareTrips over the whole train split. */
  prepareAllMs: number | null;
  prepareAllHeapMB: number | null;
  /** Streaming alternative: per-trip step counts + one epoch's shuffled batch index. */
  epochIndexMs: number;
  /** Lazily preparing and building one batch of 256 trips (mean of a few). */
  lazyBatchMs: number;
  batchesPerEpoch: number;
  /** lazyBatchMs × batchesPerEpoch: batch building spread over one epoch's steps. */
  lazyEpochBatchMs: number;
  peakHeapMB: number;
  peakRssMB: number;
}

function heapMB(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function runTimings(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('simulate timings', USAGE));
  const src = flagString(p, 'dataset', 'public/data/porto');
  const sizes = flagString(p, 'sizes', '10000,100000,600000').split(',').map(Number);
  const seed = flagNumber(p, 'seed', 1);
  const outPath = flagString(p, 'out', '.cache/scale-timings.json');
  const prepareLimit = flagNumber(p, 'prepare-limit', 150_000);
  const base = await loadDataset(src);
  const zonesDerived = buildDerived(base);
  const results: SizeTiming[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  for (const n of sizes) {
    gc?.();
    let peakHeap = heapMB();
    let peakRss = process.memoryUsage().rss / 2 ** 20;
    const sample = (): void => {
      peakHeap = Math.max(peakHeap, heapMB());
      peakRss = Math.max(peakRss, process.memoryUsage().rss / 2 ** 20);
    };
    console.error(`size ${n}: simulate`);
    const sim = simulateTrips(base.network, zonesDerived.zones, base.splits.train, { n, seed });
    sample();
    const splits = splitSimulated(sim.trips);
    // Serialise to HOSER CSV chunks (as files would hold them), then time only the parse.
    const chunks: Record<SplitName, string[]> = { train: [], val: [], test: [] };
    let bytes = 0;
    for (const s of SPLITS) {
      for (let a = 0; a < splits[s].count; a += CHUNK) {
        const text = writeTrajectories(unpackTrips(splits[s], a, a + CHUNK));
        bytes += text.length;
        chunks[s].push(text);
      }
    }
    sample();
    console.error(`size ${n}: parse ${(bytes / 2 ** 20).toFixed(0)} MB`);
    const tParse = performance.now();
    const parsed: Record<SplitName, Trajectory[]> = { train: [], val: [], test: [] };
    for (const s of SPLITS) {
      for (const text of chunks[s]) {
        for (const t of readTrajectories({ name: `${s}.csv`, text }, base.network)) parsed[s].push(t);
      }
      chunks[s] = [];
    }
    const parseMs = performance.now() - tParse;
    sample();
    console.error(`size ${n}: derived`);
    const ds: Dataset = { name: simulatedName(base.name, n), network: base.network, splits: parsed };
    const tDer = performance.now();
    const derived = buildDerived(ds);
    const derivedMs = performance.now() - tDer;
    sample();
    const ctx = batchContext(base.network, derived);
    const train = parsed.train;
    let prepareAllMs: number | null = null;
    let prepareAllHeapMB: number | null = null;
    if (train.length <= prepareLimit) {
      console.error(`size ${n}: prepareTrips (${train.length} trips)`);
      gc?.();
      const h0 = heapMB();
      const tp = performance.now();
      const prepared = prepareTrips(ctx, train);
      prepareAllMs = performance.now() - tp;
      sample();
      prepareAllHeapMB = heapMB() - h0;
      prepared.length = 0;
    }
    console.error(`size ${n}: lazy epoch index + batches`);
    const tIdx = performance.now();
    const steps = new Int32Array(train.length);
    for (let i = 0; i < train.length; i++) steps[i] = Math.min(train[i].roads.length, ctx.maxLen + 1) - 1;
    const order = shuffleInPlace(
      Array.from({ length: train.length }, (_, i) => i),
      makeRng(seed),
    );
    const bs = 256;
    const batches: number[][] = [];
    for (let i = 0; i < order.length; i += bs) batches.push(order.slice(i, i + bs));
    const epochIndexMs = performance.now() - tIdx;
    const probe = Math.min(5, batches.length);
    const tB = performance.now();
    for (let b = 0; b < probe; b++) {
      const prepared = batches[b].map((i) => prepareTrip(ctx, train[i], i));
      buildBatch(ctx, prepared);
      sample();
    }
    const lazyBatchMs = probe > 0 ? (performance.now() - tB) / probe : 0;
    const row: SizeTiming = {
      trips: n,
      simulateMs: Math.round(sim.info.ms),
      simTripsPerSec: Math.round(sim.info.tripsPerSec),
      csvMB: +(bytes / 2 ** 20).toFixed(1),
      parseMs: Math.round(parseMs),
      derivedMs: Math.round(derivedMs),
      prepareAllMs: prepareAllMs === null ? null : Math.round(prepareAllMs),
      prepareAllHeapMB: prepareAllHeapMB === null ? null : Math.round(prepareAllHeapMB),
      epochIndexMs: +epochIndexMs.toFixed(1),
      lazyBatchMs: +lazyBatchMs.toFixed(1),
      batchesPerEpoch: batches.length,
      lazyEpochBatchMs: Math.round(lazyBatchMs * batches.length),
      peakHeapMB: Math.round(peakHeap),
      peakRssMB: Math.round(peakRss),
    };
    console.error(JSON.stringify(row));
    results.push(row);
  }
  const report = {
    what: 'Preprocessing time vs number of SIMULATED trips on the real Porto network (Node, this machine)',
    node: process.version,
    dataset: repoPath(src),
    seed,
    sizes: results,
  };
  await mkdir(resolve(outPath, '..'), { recursive: true });
  await writeFile(outPath, JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report));
  return 0;
}

export async function run(args: string[]): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    console.log(USAGE);
    return 0;
  }
  try {
    if (args[0] === 'timings') return await runTimings(args.slice(1));
    return await runSimulate(args);
  } catch (e) {
    if (e instanceof HelpRequested || e instanceof UsageError) throw e;
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 1;
  }
}
