// `export torch --dataset <dir> --out <dir>`: everything the PyTorch trainer (pytorch/) needs, as
// .npy arrays plus manifest.json. pytorch/README.md documents the layout for readers in any
// language. What is computed here rather than in Python is what the batches are made of: road
// features, graphs (raw and as the layers consume them), ψ, zones, and every step's candidates,
// their features and labels, from the same code the app trains with. Python only pads and stacks.
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { appendFileSync, createReadStream, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, flagNumber, flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { repoPath } from '../common/repoPath';
import { loadDataset } from '../common/fsDataset';
import { buildDerived } from '../../lib/data/derived';
import type { Derived } from '../../lib/data/derivedTypes';
import type { Dataset, SplitName, Trajectory } from '../../lib/data/types';
import { SPLITS } from '../../lib/data/types';
import { prepareGatGraph, prepareGcnGraph } from '../../lib/models/layers';
import { DEFAULT_BATCH_OPTIONS, batchContext, prepareTrip } from '../../lib/features/studentBatch';
import { routeFeatureWidth, type RouteFeatureSpec } from '../../lib/data/remainingTimes';
import { routeFeaturesFromFlags } from '../common/routeFlags';
import { DEFAULT_HYPER } from '../../lib/train/sessionHyper';
import { routesAsTrips } from '../../lib/train/routeTrips';

export const TORCH_EXPORT_SCHEMA = 'trajdistill-torch-export/1';

const USAGE = `usage: export torch --dataset <dir> --out <dir> [--max-len ${DEFAULT_HYPER.maxLen}] [--k ${DEFAULT_BATCH_OPTIONS.k}] [--route-features] [--routes-seed <seed>]
  Writes <out>/manifest.json and <out>/*.npy: road features, road and zone graphs, ψ, zones, every
  split's trips and every step's candidates (train trips cropped to --max-len prefix roads, as the
  trainer crops them), the network fingerprint. pytorch/README.md documents the layout; the
  PyTorch trainer reads it (python3 -m trajdistill_torch.train …). A simulated dataset
  (npm run cli -- simulate) exports the same way and is marked simulated. --route-features also
  writes every candidate's route features (<split>/candRoute: remaining free-flow time to the
  destination relative to the step's best, and an unreachable flag), which a student trained with
  \`train student --route-features\` reads. --routes-seed S appends the route corpus to the train split
  as untimed trips with start times drawn with seed S, exactly as \`train student --routes --seed S\`
  trains on (the PyTorch trainer's --routes needs it and refuses another seed).`;

type Dtype = '<f4' | '<i4' | '<f8';
type Typed = Float32Array | Int32Array | Float64Array;

export interface NpyEntry {
  file: string;
  dtype: Dtype;
  shape: number[];
}

export interface SplitCounts {
  trips: number;
  roads: number;
  steps: number;
  candidates: number;
}

export interface TorchExportManifest {
  schema: typeof TORCH_EXPORT_SCHEMA;
  dataset: string;
  source: string;
  simulated: boolean;
  fingerprint: string;
  created: string;
  command: string;
  nRoads: number;
  nTypes: number;
  typeNames: string[];
  nZones: number;
  timeMean: number;
  timeStd: number;
  grid: Derived['grid']['spec'] & { nCells: number; pad: number; eot: number; sot: number; vocabSize: number };
  /** How the steps were prepared: candidate cap, train crop, pairwise-feature clips. */
  batch: { k: number; maxLen: number; distClipM: number; gapClipMin: number };
  splits: Record<SplitName, SplitCounts>;
  routes: number;
  /** Present when the train split ends with the route corpus as untimed trips (--routes-seed). */
  trainRoutes?: { seed: number; trips: number };
  /** Present when every split carries candRoute (the route-aware candidate features and their speeds). */
  routeFeatures?: RouteFeatureSpec;
  arrays: Record<string, NpyEntry>;
}

/**
 * A growable column of numbers kept as fixed-size chunks (no single huge allocation). With a
 * `spill` file, full chunks go to disk as they fill (the column's bytes in order), so a 500k-trip
 * split's steps and candidates (gigabytes) never sit in memory at once.
 */
class Column {
  private readonly full: Typed[] = [];
  private cur: Typed;
  private used = 0;
  private total = 0;
  private spilled = false;

  constructor(
    private readonly make: (n: number) => Typed,
    private readonly cap = 1 << 20,
    readonly spill?: string,
  ) {
    this.cur = make(cap);
  }

  /** Whether chunks went to the spill file (then parts() holds only the ones after them). */
  get onDisk(): boolean {
    return this.spilled;
  }

  get length(): number {
    return this.total;
  }

  push(v: number): void {
    if (this.used === this.cap) this.roll();
    this.cur[this.used++] = v;
    this.total++;
  }

  pushAll(a: ArrayLike<number>): void {
    for (let i = 0; i < a.length; i++) this.push(a[i]);
  }

  parts(): Typed[] {
    return [...this.full, this.cur.subarray(0, this.used)];
  }

  private roll(): void {
    if (this.spill) {
      // Appended in order; the chunk is not kept (the trip loop is synchronous, so is the write).
      appendFileSync(this.spill, new Uint8Array(this.cur.buffer, this.cur.byteOffset, this.cur.byteLength));
      this.spilled = true;
    } else this.full.push(this.cur);
    this.cur = this.make(this.cap);
    this.used = 0;
  }
}

const f32 = (spill?: string): Column => new Column((n) => new Float32Array(n), undefined, spill);
const i32 = (spill?: string): Column => new Column((n) => new Int32Array(n), undefined, spill);
const f64 = (spill?: string): Column => new Column((n) => new Float64Array(n), undefined, spill);

function dtypeOf(a: Typed): Dtype {
  return a instanceof Float32Array ? '<f4' : a instanceof Int32Array ? '<i4' : '<f8';
}

/** The .npy v1.0 header for a C-order array, padded so the data starts 64-byte aligned. */
export function npyHeader(dtype: Dtype, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${dims}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(10 + dict.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), 10);
  return out;
}

class ExportWriter {
  readonly arrays: Record<string, NpyEntry> = {};

  constructor(private readonly dir: string) {}

  /** A spill file for a column of `name` (removed once the column is written). */
  spillFile(name: string): string {
    const path = join(this.dir, `.${name.replace(/\//g, '.')}.spill`);
    rmSync(path, { force: true }); // a stopped export's leftovers are not this one's bytes
    return path;
  }

  /** Writes `name` (e.g. "train/cands") as <dir>/train.cands.npy from one array, column parts, or a column. */
  async add(name: string, data: Typed | Typed[] | Column, shape?: number[]): Promise<void> {
    const col = data instanceof Column ? data : null;
    const parts = col ? col.parts() : Array.isArray(data) ? data : [data as Typed];
    const n = col ? col.length : parts.reduce((a, p) => a + p.length, 0);
    const dims = shape ?? [n];
    if (dims.reduce((a, b) => a * b, 1) !== n) throw new Error(`export ${name}: ${n} values for shape [${dims}]`);
    if (parts.length === 0) throw new Error(`export ${name}: no data`);
    const dtype = dtypeOf(parts[0]);
    const file = `${name.replace(/\//g, '.')}.npy`;
    const fh = await open(join(this.dir, file), 'w');
    try {
      await fh.write(npyHeader(dtype, dims));
      if (col?.onDisk && col.spill) {
        for await (const chunk of createReadStream(col.spill, { highWaterMark: 1 << 22 })) await fh.write(chunk as Buffer);
        await rm(col.spill);
      }
      // Typed arrays are platform-endian; every platform Node runs this on is little-endian.
      for (const p of parts) if (p.length) await fh.write(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
    } finally {
      await fh.close();
    }
    this.arrays[name] = { file, dtype, shape: dims };
  }
}

/** One split's trips and prepared steps, trip by trip (memory grows with the output only). */
async function exportSplit(
  w: ExportWriter,
  split: SplitName,
  trips: Trajectory[],
  ds: Dataset,
  derived: Derived,
  k: number,
  maxLen: number,
  routeFeatures: RouteFeatureSpec | undefined,
) {
  // Train trips are cropped as the trainer crops them; val/test are scored whole (studentEval).
  const cap = split === 'train' ? maxLen : trips.reduce((m, t) => Math.max(m, t.roads.length), 1);
  // Train trips read their Markov inputs cross-fitted, as the trainer prepares them (BatchContext.crossFit).
  const ctx = batchContext(ds.network, derived, { k, maxLen: cap, routeFeatures, crossFit: split === 'train' });
  const W = routeFeatureWidth(routeFeatures);
  const tripOffset = i32(w.spillFile(`${split}/tripOffset`));
  const roads = i32(w.spillFile(`${split}/roads`));
  const times = f64(w.spillFile(`${split}/times`));
  const stepOffset = i32(w.spillFile(`${split}/stepOffset`));
  const timeFeat = f32(w.spillFile(`${split}/timeFeat`));
  const relTimes = f64(w.spillFile(`${split}/relTimes`));
  const label = i32(w.spillFile(`${split}/label`));
  const timeLabel = f32(w.spillFile(`${split}/timeLabel`));
  const candOffset = i32(w.spillFile(`${split}/candOffset`));
  const cands = i32(w.spillFile(`${split}/cands`));
  const candFeat = f32(w.spillFile(`${split}/candFeat`));
  const candRoute = routeFeatures ? f32(w.spillFile(`${split}/candRoute`)) : f32();
  tripOffset.push(0);
  stepOffset.push(0);
  candOffset.push(0);
  const limit = 2 ** 31 - 1;
  trips.forEach((t, i) => {
    roads.pushAll(t.roads);
    // Parallel to roads: an untimed route trip (one start time) is padded with NaN.
    if (t.times.length === t.roads.length) times.pushAll(t.times);
    else for (let j = 0; j < t.roads.length; j++) times.push(t.times[j] ?? NaN);
    tripOffset.push(roads.length);
    const p = prepareTrip(ctx, t, i);
    timeFeat.pushAll(p.timeFeat);
    relTimes.pushAll(p.relTimes);
    label.pushAll(p.label);
    timeLabel.pushAll(p.timeLabel);
    for (let s = 0; s < p.steps; s++) candOffset.push(cands.length + p.candOffset[s + 1]);
    cands.pushAll(p.cands);
    for (let c = 0; c < p.cands.length; c++) {
      candFeat.push(p.metricDis[c]);
      candFeat.push(p.metricAngle[c]);
    }
    if (routeFeatures) candRoute.pushAll(p.route);
    stepOffset.push(label.length);
    if (cands.length > limit || roads.length > limit) throw new Error(`export: split ${split} has more than 2^31 roads or candidates`);
  });
  const n = trips.length;
  const N = label.length;
  const M = cands.length;
  await w.add(`${split}/tripOffset`, tripOffset, [n + 1]);
  await w.add(`${split}/roads`, roads);
  await w.add(`${split}/times`, times);
  await w.add(`${split}/stepOffset`, stepOffset, [n + 1]);
  await w.add(`${split}/timeFeat`, timeFeat);
  await w.add(`${split}/relTimes`, relTimes);
  await w.add(`${split}/label`, label);
  await w.add(`${split}/timeLabel`, timeLabel);
  await w.add(`${split}/candOffset`, candOffset, [N + 1]);
  await w.add(`${split}/cands`, cands);
  await w.add(`${split}/candFeat`, candFeat, [M, 2]);
  if (routeFeatures) await w.add(`${split}/candRoute`, candRoute, [M, W]);
  return { trips: n, roads: roads.length, steps: N, candidates: M };
}

export interface TorchExportOptions {
  /** Longest prefix of a train trip (trips are cropped to maxLen + 1 roads, as the trainer does). */
  maxLen?: number;
  /** Candidate cap. */
  k?: number;
  /** Also write every candidate's route features (`<split>/candRoute`). */
  routeFeatures?: RouteFeatureSpec;
  /**
   * Append the route corpus to the train split as untimed trips (routeTrips.ts), start times drawn
   * with this seed: the data a `train student --routes --seed <seed>` run trains on.
   */
  routeTripsSeed?: number;
  /** The dataset folder, recorded in the manifest. */
  source?: string;
  command?: string;
}

/** Writes the export of `ds` into `dir` (created if needed); returns its manifest. */
export async function writeTorchExport(
  dir: string,
  ds: Dataset,
  derived: Derived,
  o: TorchExportOptions = {},
): Promise<TorchExportManifest> {
  const maxLen = o.maxLen ?? DEFAULT_HYPER.maxLen;
  const k = o.k ?? DEFAULT_BATCH_OPTIONS.k;
  if (!(Number.isInteger(maxLen) && maxLen >= 1)) throw new Error(`--max-len must be a positive integer, got ${maxLen}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`--k must be a positive integer, got ${k}`);
  await mkdir(dir, { recursive: true });
  const w = new ExportWriter(dir);
  const f = derived.features;
  await w.add('road/lenZ', f.lenZ);
  await w.add('road/typeId', f.typeId);
  await w.add('road/lonZ', f.lonZ);
  await w.add('road/latZ', f.latZ);
  await w.add('road/centroid', f.centroid, [f.n, 2]);
  const g = derived.graph;
  await w.add('roadGraph/src', g.src);
  await w.add('roadGraph/dst', g.dst);
  await w.add('roadGraph/attr', g.edgeAttr, [g.src.length, 2]);
  // The graphs as the layers consume them: GATv2 self loops (mean attribute), GCN normalisation.
  const nZones = Math.max(1, derived.zones.nZones);
  const gat = prepareGatGraph(f.n, g.src, g.dst, g.edgeAttr, 2);
  const gcn = prepareGcnGraph(nZones, derived.zoneGraph.src, derived.zoneGraph.dst, derived.zoneGraph.weight);
  try {
    await w.add('roadGraphGat/src', gat.host.src);
    await w.add('roadGraphGat/dst', gat.host.dst);
    await w.add('roadGraphGat/attr', gat.host.attr as Float32Array, [gat.host.src.length, 2]);
    await w.add('zoneGraphGcn/src', gcn.host.src);
    await w.add('zoneGraphGcn/dst', gcn.host.dst);
    await w.add('zoneGraphGcn/weight', gcn.host.weight as Float32Array);
  } finally {
    gat.dispose();
    gcn.dispose();
  }
  await w.add('zone/roadZone', derived.zones.roadZone);
  await w.add('zoneGraph/src', derived.zoneGraph.src);
  await w.add('zoneGraph/dst', derived.zoneGraph.dst);
  await w.add('zoneGraph/weight', derived.zoneGraph.weight);
  await w.add('psi/roadCell', derived.grid.roadCell);
  await w.add('psi/roadEndCell', derived.grid.roadEndCell);
  const routes = ds.routes ?? [];
  const seed = o.routeTripsSeed;
  if (seed !== undefined && !(Number.isInteger(seed) && routes.length > 0))
    throw new Error(routes.length ? `--routes-seed must be an integer, got ${seed}` : `--routes-seed: ${ds.name} has no routes.csv`);
  const trainTrips = seed === undefined ? ds.splits.train : [...ds.splits.train, ...routesAsTrips(routes, ds.splits.train, seed)];
  const splits = {} as Record<SplitName, SplitCounts>;
  for (const s of SPLITS)
    splits[s] = await exportSplit(w, s, s === 'train' ? trainTrips : ds.splits[s], ds, derived, k, maxLen, o.routeFeatures);
  if (routes.length) {
    const offset = new Int32Array(routes.length + 1);
    routes.forEach((r, i) => (offset[i + 1] = offset[i] + r.roads.length));
    const roads = new Int32Array(offset[routes.length]);
    routes.forEach((r, i) => roads.set(r.roads, offset[i]));
    await w.add('routes/offset', offset);
    await w.add('routes/roads', roads);
  }
  const source = o.source ?? '';
  const gr = derived.grid;
  const manifest: TorchExportManifest = {
    schema: TORCH_EXPORT_SCHEMA,
    dataset: ds.name,
    source: source ? repoPath(source) : '',
    simulated: source ? existsSync(join(source, 'simulation.json')) || existsSync(join(source, 'SIMULATED.md')) : false,
    fingerprint: derived.fingerprint,
    created: new Date().toISOString(),
    command: o.command ?? '',
    nRoads: f.n,
    nTypes: f.nTypes,
    typeNames: f.typeNames,
    nZones,
    timeMean: derived.timeMean,
    timeStd: derived.timeStd,
    grid: { ...gr.spec, nCells: gr.nCells, pad: gr.pad, eot: gr.eot, sot: gr.sot, vocabSize: gr.vocabSize },
    batch: { k, maxLen, distClipM: DEFAULT_BATCH_OPTIONS.distClipM, gapClipMin: DEFAULT_BATCH_OPTIONS.gapClipMin },
    splits,
    routes: routes.length,
    ...(seed !== undefined ? { trainRoutes: { seed, trips: routes.length } } : {}),
    ...(o.routeFeatures ? { routeFeatures: o.routeFeatures } : {}),
    arrays: w.arrays,
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('export torch', USAGE));
  if (p.positional[0] !== 'torch' || p.flags.help) {
    console.log(USAGE);
    return p.flags.help ? 0 : 2;
  }
  try {
    const src = flagString(p, 'dataset');
    const out = flagString(p, 'out');
    const t0 = Date.now();
    const ds = await loadDataset(src);
    const derived = buildDerived(ds);
    const route = routeFeaturesFromFlags(p, ds.name);
    const m = await writeTorchExport(out, ds, derived, {
      maxLen: flagNumber(p, 'max-len', DEFAULT_HYPER.maxLen),
      k: flagNumber(p, 'k', DEFAULT_BATCH_OPTIONS.k),
      ...(route ? { routeFeatures: route } : {}),
      ...(p.flags['routes-seed'] !== undefined ? { routeTripsSeed: flagNumber(p, 'routes-seed', 0) } : {}),
      source: src,
      command: commandLine('export', args),
    });
    const simulation = m.simulated ? await readFile(join(src, 'simulation.json'), 'utf8').catch(() => null) : null;
    console.log(
      JSON.stringify({
        out: repoPath(out),
        dataset: m.dataset,
        simulated: m.simulated,
        simulation: simulation ? (JSON.parse(simulation) as { name?: string }).name : undefined,
        fingerprint: m.fingerprint,
        splits: m.splits,
        routes: m.routes,
        arrays: Object.keys(m.arrays).length,
        seconds: (Date.now() - t0) / 1000,
      }),
    );
    return 0;
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
}
