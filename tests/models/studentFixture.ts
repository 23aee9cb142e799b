// Test-only synthetic city: an n×n street grid (two directed roads per block edge) with trips that
// follow a deterministic "east/west first, then north/south" route, so the next road is learnable
// from the destination. Derived structures come from the project's own buildDerived.
import { buildDerived } from '../../src/lib/data/derived';
import type { Derived } from '../../src/lib/data/derivedTypes';
import { gridFromBox } from '../../src/lib/data/grid';
import type { Dataset, LonLat, Road, RoadNetwork, Trajectory } from '../../src/lib/data/types';
import { polylineLengthM } from '../../src/lib/geo';
import { makeRng } from '../../src/lib/random';
import { StudentTrainer, type StudentTrainerOptions } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_ON, type TrainingLevers } from '../../src/lib/train/trainingLevers';
import * as tf from '@tensorflow/tfjs';

export interface SynthCity {
  ds: Dataset;
  net: RoadNetwork;
  derived: Derived;
  /** Road id from node a to adjacent node b. */
  roadOf: Map<string, number>;
}

const LON0 = -8.65;
const LAT0 = 41.15;
const DLON = 0.002;
const DLAT = 0.0015;

export function makeGridNetwork(n: number): { net: RoadNetwork; roadOf: Map<string, number> } {
  const node = (i: number, j: number): LonLat => [LON0 + i * DLON, LAT0 + j * DLAT];
  const roads: Road[] = [];
  const ends: Array<[number, number]> = []; // [from node id, to node id]
  const roadOf = new Map<string, number>();
  const add = (a: [number, number], b: [number, number]) => {
    const id = roads.length;
    const coords = [node(a[0], a[1]), node(b[0], b[1])];
    // Alternate highway classes so the type embedding has more than one class.
    roads.push({ id, coords, highway: (a[0] + a[1]) % 3 === 0 ? 'primary' : 'residential', lengthM: polylineLengthM(coords) });
    const na = a[0] * n + a[1];
    const nb = b[0] * n + b[1];
    ends.push([na, nb]);
    roadOf.set(`${na}>${nb}`, id);
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i + 1 < n) {
        add([i, j], [i + 1, j]);
        add([i + 1, j], [i, j]);
      }
      if (j + 1 < n) {
        add([i, j], [i, j + 1]);
        add([i, j + 1], [i, j]);
      }
    }
  }
  const out: number[][] = roads.map(() => []);
  const relO: number[] = [];
  const relD: number[] = [];
  for (let a = 0; a < roads.length; a++) {
    for (let b = 0; b < roads.length; b++) {
      // Continue from a's end node; no U-turns.
      if (ends[a][1] === ends[b][0] && ends[b][1] !== ends[a][0]) {
        out[a].push(b);
        relO.push(a);
        relD.push(b);
      }
    }
  }
  return { net: { roads, relOrigin: Int32Array.from(relO), relDest: Int32Array.from(relD), out }, roadOf };
}

/** Node path (x first, then y) from node (ax, ay) to (bx, by). */
function nodePath(n: number, ax: number, ay: number, bx: number, by: number): number[] {
  const path = [ax * n + ay];
  let x = ax;
  let y = ay;
  while (x !== bx) {
    x += Math.sign(bx - x);
    path.push(x * n + y);
  }
  while (y !== by) {
    y += Math.sign(by - y);
    path.push(x * n + y);
  }
  return path;
}

export function makeTrips(n: number, roadOf: Map<string, number>, count: number, seed: number, prefix: string): Trajectory[] {
  const rng = makeRng(seed);
  const trips: Trajectory[] = [];
  const r = (m: number) => Math.floor(rng() * m);
  while (trips.length < count) {
    const [ax, ay, bx, by] = [r(n), r(n), r(n), r(n)];
    const nodes = nodePath(n, ax, ay, bx, by);
    if (nodes.length < 4) continue;
    const roads: number[] = [];
    for (let i = 1; i < nodes.length; i++) roads.push(roadOf.get(`${nodes[i - 1]}>${nodes[i]}`) as number);
    const start = 1_380_000_000 + r(86400 * 7);
    const times = [start];
    for (let i = 1; i < roads.length; i++) times.push(times[i - 1] + 15 + r(30));
    trips.push({ id: `${prefix}-${trips.length}`, roads, times });
  }
  return trips;
}

export function makeCity(n = 6, nTrain = 60, nVal = 20, nZones = 6): SynthCity {
  const { net, roadOf } = makeGridNetwork(n);
  const train = makeTrips(n, roadOf, nTrain, 1, 'train');
  const val = makeTrips(n, roadOf, nVal, 2, 'val');
  const ds: Dataset = { name: 'synthetic', network: net, splits: { train, val, test: [] } };
  const box: [number, number, number, number] = [LON0 - 0.001, LAT0 - 0.001, LON0 + n * DLON, LAT0 + n * DLAT];
  const derived = buildDerived(ds, { grid: gridFromBox(box, 200), nZones, seed: 1 });
  return { ds, net, derived, roadOf };
}

/** A tiny student config for tests. */
export const TINY_STUDENT = {
  roadIdDim: 8,
  roadFeatDim: 2,
  gnnLayers: 2,
  timeDim: 8,
  heads: 2,
  layers: 2,
  mlpRatio: 2,
  fusionHidden: 8,
  metricDim: 8,
  navDim: 16,
  timeHidden: 8,
  freezeEncoders: false,
};

/** An untrained one-block student trainer on a synthetic city (for tests that need a model and its context); `options` override its training settings. */
export function tinyTrainer(city: SynthCity, seed: number, options: Partial<StudentTrainerOptions> = {}): StudentTrainer {
  return new StudentTrainer({
    network: city.net,
    derived: city.derived,
    train: city.ds.splits.train,
    val: city.ds.splits.val,
    studentConfig: { ...TINY_STUDENT, layers: 1 },
    options: { batchSize: 10, microBatch: 10, epochs: 1, lr: 5e-3, warmupRatio: 0, weightDecay: 0.01, seed, ...options },
  });
}

/**
 * A kernel lever's check on a real student (the wasm kernel levers' tests): a tiny student trained
 * four steps with all levers on and `levers` over them; its last three losses, its weights, and how
 * far `calls` (the lever's count of calls its kernel answered) moved. Fails if a step leaks tensors.
 */
export function trainWithLevers(
  city: SynthCity,
  levers: Partial<TrainingLevers>,
  calls: () => number,
): { losses: number[]; weights: number[][]; calls: number } {
  const t = new StudentTrainer({
    network: city.net,
    derived: city.derived,
    train: city.ds.splits.train,
    studentConfig: TINY_STUDENT,
    options: { batchSize: 12, microBatch: 6, epochs: 2, lr: 5e-3, warmupRatio: 0, seed: 3, ...TRAINING_LEVERS_ON, ...levers },
  });
  try {
    const before = calls();
    t.step();
    const tensors = tf.memory().numTensors;
    const losses = [0, 1, 2].map(() => t.step().total);
    if (tf.memory().numTensors !== tensors)
      throw new Error(`trainWithLevers: ${tf.memory().numTensors - tensors} tensors leaked in 3 steps`);
    const weights = t.student.store.variables().map((v) => Array.from(v.dataSync()));
    return { losses, weights, calls: calls() - before };
  } finally {
    t.dispose();
  }
}

/**
 * A speed lever leaves training bit-identical: the same losses and weights with `lever` on and off,
 * its kernel called only when on (`calls` counts its calls), and no tensor leaked.
 */
export function expectLeverBitIdentical(lever: keyof TrainingLevers, calls: () => number): void {
  const city = makeCity(5, 40, 16, 4);
  const off = trainWithLevers(city, { [lever]: false }, calls);
  const on = trainWithLevers(city, { [lever]: true }, calls);
  if (off.calls !== 0) throw new Error(`${lever} off: its kernel ran ${off.calls} times`);
  if (!(on.calls > 0)) throw new Error(`${lever} on: its kernel never ran`);
  if (JSON.stringify(on.losses) !== JSON.stringify(off.losses))
    throw new Error(`${lever}: losses differ (${on.losses} against ${off.losses})`);
  if (JSON.stringify(on.weights) !== JSON.stringify(off.weights)) throw new Error(`${lever}: weights differ`);
}
