// The export the PyTorch peer (bench/cli/peer/) reads: the student's weights from a
// checkpoint, the graphs and road inputs the encoders need, one training batch with our loss and
// gradient norm on it, one scoring batch for the timed search step, and a recorded beam search
// (every step's query batch and our routes) for the peer to replay and agree with.
//
// Format (documented for readers in other languages): `manifest.json` + `data.bin`. Every array is
// little-endian raw data in data.bin at `offset` bytes, `dtype` f32 or i32, row-major `shape`.
// manifest.weights: the student's parameters under their torch state_dict names in torch's layout
// (checkpoint/torchNames.ts), as checkpoints store them, so the peer is the PyTorch package's
// Student (pytorch/trajdistill_torch) loading a state_dict. manifest.arrays: everything
// else, named below. Host-side work (candidate sets and their features, prefix entry times) is ours:
// the peer replicates the model, the loss and the beam selection, not the candidate generator.
import { runHyper } from '../../src/lib/train/sessionHyper';
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../../src/lib/data/derivedTypes';
import type { Dataset, Trajectory } from '../../src/lib/data/types';
import { beamSearch, type BatchScorer, type StepQuery, type StepScores } from '../../src/lib/generate/search';
import { centroidDistance } from '../../src/lib/generate/generator';
import { prepareGatGraph, prepareGcnGraph } from '../../src/lib/models/layers';
import type { StudentConfig } from '../../src/lib/models/studentConfig';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { loadStudent, loadStudentWeights } from '../../src/lib/checkpoint/loadModel';
import { storedShape, torchSpecOf, transpose2d } from '../../src/lib/checkpoint/torchNames';
import {
  batchContext,
  buildBatch,
  buildQueryBatch,
  prepareTrips,
  type BatchContext,
  type StudentBatch,
} from '../../src/lib/features/studentBatch';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_ON } from '../../src/lib/train/trainingLevers';
import { samplePrefixes, sampleTrips, testOdPairs } from './suites';

export interface ArrayEntry {
  dtype: 'f32' | 'i32';
  shape: number[];
  offset: number;
}

export interface PeerManifest {
  schema: 'trajdistill-peer/2';
  checkpoint: string;
  config: StudentConfig;
  timeMean: number;
  timeStd: number;
  alpha: number;
  nRoads: number;
  nZones: number;
  weights: Record<string, ArrayEntry>;
  arrays: Record<string, ArrayEntry>;
  /** Training batch "train/*" (StudentBatch fields) and our values on it at the checkpoint weights. */
  train: {
    B: number;
    T: number;
    N: number;
    C: number;
    ours: { ce: number; time: number; total: number; gradNorm: number };
    lr: number;
    weightDecay: number;
    clipNorm: number;
  };
  /** Timed search step "gen/*": one scoring batch (B prefixes); our log-probs in "gen/oursLogProbs". */
  gen: { B: number; T: number; N: number; C: number };
  /** Recorded beam search: per step the queries (OD index, prefix) and the batch "search/<i>/*". */
  search: {
    beam: number;
    ods: Array<{ origin: number; dest: number }>;
    steps: Array<{ B: number; T: number; N: number; C: number; queries: Array<{ od: number; prefix: number[] }> }>;
    routes: Array<{ roads: number[]; reached: boolean }>;
  };
}

const BATCH_FIELDS = [
  'lengths',
  'roadIds',
  'zoneIds',
  'timeFeat',
  'distMat',
  'gapMat',
  'stepPos',
  'destZone',
  'candIds',
  'candMask',
  'candFeat',
  'label',
  'labelMask',
  'timeLabel',
  'timeMask',
] as const;

class Writer {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  add(a: Float32Array | Int32Array, shape: number[]): ArrayEntry {
    const n = shape.reduce((x, y) => x * y, 1);
    if (n !== a.length) throw new Error(`peer export: ${a.length} values for shape [${shape}]`);
    const e: ArrayEntry = { dtype: a instanceof Int32Array ? 'i32' : 'f32', shape, offset: this.size };
    this.chunks.push(new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
    this.size += a.byteLength;
    return e;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function addBatch(
  w: Writer,
  arrays: Record<string, ArrayEntry>,
  prefix: string,
  b: StudentBatch,
): { B: number; T: number; N: number; C: number } {
  const shapes: Record<(typeof BATCH_FIELDS)[number], number[]> = {
    lengths: [b.B],
    roadIds: [b.B, b.T],
    zoneIds: [b.B, b.T],
    timeFeat: [b.B, b.T],
    distMat: [b.B, b.T, b.T],
    gapMat: [b.B, b.T, b.T],
    stepPos: [b.N],
    destZone: [b.N],
    candIds: [b.N, b.C],
    candMask: [b.N, b.C],
    candFeat: [b.N, b.C, 2],
    label: [b.N],
    labelMask: [b.N],
    timeLabel: [b.N],
    timeMask: [b.N],
  };
  for (const f of BATCH_FIELDS) arrays[`${prefix}/${f}`] = w.add(b[f], shapes[f]);
  return { B: b.B, T: b.T, N: b.N, C: b.C };
}

/**
 * Wraps a full re-encoding StudentScorer and records, per search step, the query batch it scored
 * (built by the same buildQueryBatch, with prefix entry times rebuilt from the scorer's own hop
 * predictions exactly as StudentScorer does: parent's times + predicted seconds to this road).
 */
class RecordingScorer implements BatchScorer {
  readonly steps: Array<{ queries: StepQuery[]; batch: StudentBatch }> = [];
  private readonly known = new Map<string, { times: Float64Array; cands: ArrayLike<number>; sec: ArrayLike<number> }>();

  constructor(
    private readonly inner: StudentScorer,
    private readonly ctx: BatchContext,
    private readonly start: number,
  ) {}

  private timesOf(q: StepQuery): Float64Array {
    const L = q.prefix.length;
    const parent = L > 1 ? this.known.get(q.prefix.slice(0, -1).join(',')) : undefined;
    if (!parent) return new Float64Array(L).fill(this.start);
    const out = new Float64Array(L);
    out.set(parent.times);
    const idx = Array.prototype.indexOf.call(parent.cands, q.prefix[L - 1]) as number;
    out[L - 1] = parent.times[L - 2] + (idx >= 0 ? parent.sec[idx] : 0);
    return out;
  }

  async scoreBatch(queries: StepQuery[]): Promise<StepScores[]> {
    const times = queries.map((q) => this.timesOf(q));
    const { batch } = buildQueryBatch(
      this.ctx,
      queries.map((q, i) => ({ prefix: q.prefix, dest: q.dest, times: times[i] })),
    );
    this.steps.push({ queries, batch });
    const scores = await this.inner.scoreBatch(queries);
    scores.forEach((s, i) => this.known.set(queries[i].prefix.join(','), { times: times[i], cands: s.candidates, sec: s.timeSec ?? [] }));
    return scores;
  }
}

export interface PeerExportOptions {
  dataset: Dataset;
  derived: Derived;
  checkpointBytes: Uint8Array;
  checkpointName: string;
  trainBatch: number;
  /** Prefixes in the timed scoring batch (all live beams of a search step). */
  genBatch: number;
  searchOds: number;
  beam?: number;
  /** Step cap of the recorded search (default 80). */
  maxSteps?: number;
}

export interface PeerExportResult {
  manifest: PeerManifest;
  data: Uint8Array;
  /** What the export was built from, for timing our side on the same inputs. */
  inputs: {
    trainTrips: Trajectory[];
    genBatch: StudentBatch;
    /** The queries genBatch was built from, every road entered at genStart (for our host scorer). */
    genQueries: StepQuery[];
    genStart: number;
    ctx: BatchContext;
    config: StudentConfig;
    maxLen: number;
  };
}

/** The student the peer checks by default: plain vanilla seed 1 (shipped until 2026-11-26), without route features. */
export const PEER_CHECKPOINT = 'runs/vanilla/vanilla-s1.safetensors';

/** The peer bench's scoring step alone (256 prefixes, one recorded search), for the scripts that time our side of it. */
export function scoringStepExport(
  o: Pick<PeerExportOptions, 'dataset' | 'derived' | 'checkpointBytes' | 'checkpointName'>,
): Promise<PeerExportResult> {
  return buildPeerExport({ ...o, trainBatch: 32, genBatch: 256, searchOds: 1 });
}

export async function buildPeerExport(o: PeerExportOptions): Promise<PeerExportResult> {
  const { dataset, derived } = o;
  // Weights by model-local name, through our checkpoint loader and a Student of the same config.
  const { checkpoint: ck, model: student } = loadStudent(o.checkpointBytes, derived);
  const config = ck.config;
  // The peer (bench/cli/peer/peer.py) implements HOSER's student as published, without the route features.
  if (config.routeFeatures) {
    student.dispose();
    throw new Error(
      `peer export: ${o.checkpointName} reads route features, which the peer does not implement; use a student without them (${PEER_CHECKPOINT})`,
    );
  }
  const maxLen = runHyper(ck.hyper).maxLen;
  const w = new Writer();
  const arrays: Record<string, ArrayEntry> = {};
  const weights: Record<string, ArrayEntry> = {};
  let manifest: PeerManifest;
  let inputs: PeerExportResult['inputs'];
  try {
    for (const p of student.store.list()) {
      const spec = torchSpecOf('student', p.name);
      if (!spec) throw new Error(`peer export: student parameter ${p.name} has no torch name`);
      const data = Float32Array.from(await p.variable.data());
      const [rows, cols] = p.variable.shape;
      weights[spec.name] = w.add(
        spec.layout === 'transpose' ? transpose2d(data, rows, cols) : data,
        storedShape(p.variable.shape, spec.layout),
      );
    }

    // Encoder inputs and graphs (self loops and GCN normalisation applied, as the model uses them).
    const f = derived.features;
    arrays['road/lenZ'] = w.add(Float32Array.from(f.lenZ), [f.n, 1]);
    arrays['road/typeId'] = w.add(Int32Array.from(f.typeId), [f.n]);
    arrays['road/lonZ'] = w.add(Float32Array.from(f.lonZ), [f.n, 1]);
    arrays['road/latZ'] = w.add(Float32Array.from(f.latZ), [f.n, 1]);
    const gat = prepareGatGraph(f.n, derived.graph.src, derived.graph.dst, derived.graph.edgeAttr, 2);
    const zones = Math.max(1, derived.zones.nZones);
    const gcn = prepareGcnGraph(zones, derived.zoneGraph.src, derived.zoneGraph.dst, derived.zoneGraph.weight);
    try {
      const E = gat.host.src.length;
      arrays['roadGraph/src'] = w.add(gat.host.src, [E]);
      arrays['roadGraph/dst'] = w.add(gat.host.dst, [E]);
      arrays['roadGraph/attr'] = w.add(gat.host.attr as Float32Array, [E, 2]);
      const Z = gcn.host.src.length;
      arrays['zoneGraph/src'] = w.add(gcn.host.src, [Z]);
      arrays['zoneGraph/dst'] = w.add(gcn.host.dst, [Z]);
      arrays['zoneGraph/weight'] = w.add(gcn.host.weight as Float32Array, [Z]);
    } finally {
      gat.dispose();
      gcn.dispose();
    }

    // Training batch and our loss / gradient norm on it at the checkpoint weights (the first step's
    // metrics are computed before its update).
    const ctx = batchContext(dataset.network, derived, { maxLen });
    const trips = sampleTrips(dataset.splits.train, o.trainBatch, 7);
    const trainBatch = buildBatch(ctx, prepareTrips(ctx, trips));
    const trainer = new StudentTrainer({
      network: dataset.network,
      derived,
      train: trips,
      studentConfig: { ...config, freezeEncoders: false },
      options: {
        mode: 'vanilla',
        batchSize: trips.length,
        microBatch: trips.length,
        maxLen,
        epochs: 1,
        warmupRatio: 0,
        seed: 42,
        ...TRAINING_LEVERS_ON,
      },
    });
    let ours: PeerManifest['train']['ours'];
    try {
      loadStudentWeights(trainer.student, ck);
      const m = trainer.step();
      ours = { ce: m.ce, time: m.time, total: m.total, gradNorm: m.gradNorm };
    } finally {
      trainer.dispose();
    }
    const trainDims = addBatch(w, arrays, 'train', trainBatch);

    // The timed search step: B prefixes of 16 roads, scored on cached encodings.
    const prefixes = samplePrefixes(dataset.splits.test.concat(dataset.splits.train), o.genBatch, 16, 3 + o.genBatch);
    const start = 1_400_000_000;
    const { batch: genBatch } = buildQueryBatch(
      ctx,
      prefixes.map((q) => ({ prefix: q.prefix, dest: q.dest, times: new Float64Array(q.prefix.length).fill(start) })),
    );
    const genDims = addBatch(w, arrays, 'gen', genBatch);
    const enc = student.encodeNetwork();
    const lp = tf.tidy(() => tf.logSoftmax(student.forward(genBatch, enc).logits));
    arrays['gen/oursLogProbs'] = w.add(Float32Array.from(await lp.data()), [genBatch.N, genBatch.C]);
    lp.dispose();

    // A recorded beam search on test OD pairs (full re-encoding scorer, one start time).
    const ods = testOdPairs(dataset, o.searchOds, 11).map((od) => ({ origin: od.origin, dest: od.dest }));
    const inner = new StudentScorer(student, ctx, derived, { startTime: start, incremental: false });
    const rec = new RecordingScorer(inner, ctx, start);
    const beam = o.beam ?? 4;
    let routes: PeerManifest['search']['routes'];
    try {
      const res = await beamSearch(rec, ods, { beam, maxSteps: o.maxSteps ?? 80, distanceToDest: centroidDistance(derived.features) });
      routes = res.map((r) => ({ roads: r.roads, reached: r.reached }));
    } finally {
      inner.dispose();
    }
    const odIndex = new Map(ods.map((od, i) => [`${od.origin}>${od.dest}`, i]));
    const steps = rec.steps.map((s, i) => ({
      ...addBatch(w, arrays, `search/${i}`, s.batch),
      queries: s.queries.map((q) => ({ od: odIndex.get(`${q.prefix[0]}>${q.dest}`) ?? -1, prefix: [...q.prefix] })),
    }));
    manifest = {
      schema: 'trajdistill-peer/2',
      checkpoint: o.checkpointName,
      config,
      timeMean: derived.timeMean,
      timeStd: derived.timeStd,
      alpha: 1,
      nRoads: f.n,
      nZones: zones,
      weights,
      arrays,
      train: { ...trainDims, ours, lr: 1e-3, weightDecay: 0.1, clipNorm: 1 },
      gen: genDims,
      search: { beam, ods, steps, routes },
    };
    inputs = { trainTrips: trips, genBatch, genQueries: prefixes, genStart: start, ctx, config, maxLen };
  } finally {
    student.dispose();
  }
  return { manifest, data: w.bytes(), inputs };
}
