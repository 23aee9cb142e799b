// A dataset too big to draw trip by trip, or to train on whole in a browser tab (HOSER's own Porto
// set: 481,359 train trips; docs/big-dataset.md). The limits above which the app switches, the
// seeded random sample it draws or trains on instead, and the per-road trip counts the Data view
// draws for all trips. Framework-free and tfjs-free: the data worker, the page and tests use it.
import { makeRng } from '../random';
import type { Dataset, SplitName, Trajectory } from './types';
import { SPLITS } from './types';

/**
 * Above this many trips (all splits) the Data view draws the trips in aggregate (per-road trip
 * counts) and a sample, not every path. The trips' render buffers (geometry, simplified geometry,
 * line mesh) take about 4.9 KB a trip (Porto's 2,535 trips: 11.9 MB, 188k mesh vertices), built in
 * the data worker and transferred to the page: 10,000 trips ≈ 50 MB and 0.75 M mesh vertices, 4×
 * the embedded set that the first-load checks keep smooth on a software renderer; 500k trips would
 * be ≈ 2.4 GB on each side.
 */
export const DRAW_ALL_MAX_TRIPS = 10_000;

/** Trips of the drawn sample of a set above DRAW_ALL_MAX_TRIPS: fewer than the embedded Porto set draws. */
export const DRAW_SAMPLE_TRIPS = 2_000;

/**
 * Above this many train trips the browser trains on a seeded random sample of this many (and val
 * and test in the 7:1:2 proportion of the OD split), and the Train view shows the PyTorch bridge
 * commands for training on all. One wasm worker trains about 60 trips/s in the Train view (Porto's
 * 1,775 train trips: ≈ 30 s per epoch, BENCHMARKS.md), so an epoch of 20,000 trips takes about 6
 * minutes; HOSER's 481,359 would take over 2 hours an epoch, and each model worker would hold a copy.
 */
export const BROWSER_TRAIN_MAX_TRIPS = 20_000;

/** The seed of every sample here: the same set gives the same sample on every load. */
export const SAMPLE_SEED = 1;

export interface BigLimits {
  /** Trips (all splits) above which the map draws the aggregate and a sample. */
  drawAllMax: number;
  /** Trips in that sample. */
  drawSample: number;
  /** Train trips above which the browser trains on a sample of this many. */
  trainMax: number;
}

export const BIG_LIMITS: BigLimits = { drawAllMax: DRAW_ALL_MAX_TRIPS, drawSample: DRAW_SAMPLE_TRIPS, trainMax: BROWSER_TRAIN_MAX_TRIPS };

/**
 * The limits, with `?bigAbove=N` (a positive integer) lowering all three to at most N: tests and
 * demos show the big-dataset behaviour on a small set (e2e/bigDataset.spec.ts).
 */
export function bigLimitsFrom(search: string): BigLimits {
  const raw = new URLSearchParams(search).get('bigAbove');
  const n = raw === null ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1) return { ...BIG_LIMITS };
  return {
    drawAllMax: Math.min(DRAW_ALL_MAX_TRIPS, n),
    drawSample: Math.min(DRAW_SAMPLE_TRIPS, n),
    trainMax: Math.min(BROWSER_TRAIN_MAX_TRIPS, n),
  };
}

/**
 * `k` of the indices 0 … n−1, chosen uniformly at random by a seeded partial Fisher–Yates shuffle,
 * in increasing order. The same (n, k, seed) gives the same indices; k ≥ n gives them all.
 */
export function sampleIndices(n: number, k: number, seed: number): Uint32Array {
  const take = Math.max(0, Math.min(n, Math.floor(k)));
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (take === n) return idx;
  const rng = makeRng((seed * 2_654_435_761 + 52) >>> 0);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, take).sort();
}

/**
 * Each split's share of `total` trips (at most all of them), in proportion to the split sizes: the
 * shares' floors, then one more each for the largest remainders (ties in split order), so that they
 * add up to exactly min(total, all trips).
 */
export function proportionalShares(sizes: Record<SplitName, number>, total: number): Record<SplitName, number> {
  const all = SPLITS.reduce((s, k) => s + sizes[k], 0);
  const want = Math.max(0, Math.min(all, Math.floor(total)));
  const out = { train: 0, val: 0, test: 0 } as Record<SplitName, number>;
  if (all === 0) return out;
  const exact = SPLITS.map((k) => (want * sizes[k]) / all);
  SPLITS.forEach((k, i) => (out[k] = Math.floor(exact[i])));
  let left = want - SPLITS.reduce((s, k) => s + out[k], 0);
  const byRemainder = SPLITS.map((k, i) => ({ k, r: exact[i] - out[k] })).sort((a, b) => b.r - a.r);
  for (const { k } of byRemainder) {
    if (left === 0) break;
    if (out[k] < sizes[k]) {
      out[k]++;
      left--;
    }
  }
  return out;
}

/** The trips at `indices` (increasing), in order. */
export function pick<T>(items: readonly T[], indices: Uint32Array): T[] {
  return Array.from(indices, (i) => items[i]);
}

/** Per split, the trips of a training sample of `trainMax` train trips: val and test in the OD split's 7:1:2. */
export function trainSampleCaps(trainMax: number): Record<SplitName, number> {
  return { train: trainMax, val: Math.ceil(trainMax / 7), test: Math.ceil((2 * trainMax) / 7) };
}

/**
 * The dataset the browser trains on: itself when its train split has at most `trainMax` trips;
 * otherwise a seeded random sample of each split (trainSampleCaps), with `sampledFrom` saying
 * what it was cut from. The network and routes are shared, not copied.
 */
export function trainingSample(ds: Dataset, trainMax: number, seed = SAMPLE_SEED): Dataset {
  if (ds.splits.train.length <= trainMax) return ds;
  const caps = trainSampleCaps(trainMax);
  const total = {} as Record<SplitName, number>;
  const splits = {} as Record<SplitName, Trajectory[]>;
  SPLITS.forEach((s, i) => {
    const trips = ds.splits[s];
    total[s] = trips.length;
    // One stream per split, so a split's sample does not depend on the others' sizes.
    splits[s] = pick(trips, sampleIndices(trips.length, caps[s], seed + i));
  });
  return { ...ds, splits, sampledFrom: { seed, total, trainMax } };
}

/**
 * How many of `trips` pass each of the `nRoads` roads: a trip that visits a road twice counts once
 * there. Returns one count per road.
 */
export function roadTripCounts(nRoads: number, trips: readonly { roads: readonly number[] }[]): Uint32Array {
  const counts = new Uint32Array(nRoads);
  // The last trip (1-based) that counted each road: a loop over the same road adds nothing.
  const seen = new Uint32Array(nRoads);
  trips.forEach((t, i) => {
    const stamp = i + 1;
    for (const r of t.roads) {
      if (seen[r] === stamp) continue;
      seen[r] = stamp;
      counts[r]++;
    }
  });
  return counts;
}

/**
 * The trip counts of the splits whose `visible` flag is on, summed road by road (the page does this
 * on a filter change: one pass over the roads).
 */
export function visibleRoadTrips(perSplit: Record<SplitName, Uint32Array>, visible: Record<SplitName, boolean>): Uint32Array {
  const n = perSplit.train.length;
  const out = new Uint32Array(n);
  for (const s of SPLITS) {
    if (!visible[s]) continue;
    const c = perSplit[s];
    for (let i = 0; i < n; i++) out[i] += c[i];
  }
  return out;
}
