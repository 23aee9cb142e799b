import { describe, expect, it } from 'vitest';
import {
  BIG_LIMITS,
  bigLimitsFrom,
  proportionalShares,
  roadTripCounts,
  sampleIndices,
  trainSampleCaps,
  trainingSample,
  visibleRoadTrips,
} from '../../src/lib/data/bigDataset';
import { packDataset, unpackDataset } from '../../src/lib/data/packedDataset';
import type { Dataset, Road, Trajectory } from '../../src/lib/data/types';

const road = (id: number): Road => ({
  id,
  coords: [
    [-8.6 + id * 0.001, 41.15],
    [-8.6 + (id + 1) * 0.001, 41.15],
  ],
  highway: 'primary',
  lengthM: 85,
});

function trips(prefix: string, n: number): Trajectory[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, roads: [i % 4, (i % 4) + 1], times: [i, i + 10] }));
}

function dataset(nTrain: number, nVal: number, nTest: number): Dataset {
  const roads = Array.from({ length: 6 }, (_, i) => road(i));
  return {
    name: 'toy',
    network: { roads, relOrigin: new Int32Array(0), relDest: new Int32Array(0), out: roads.map(() => []) },
    splits: { train: trips('a', nTrain), val: trips('v', nVal), test: trips('t', nTest) },
  };
}

describe('sampleIndices', () => {
  it('is seeded: the same (n, k, seed) gives the same indices, another seed others', () => {
    const a = sampleIndices(10_000, 500, 1);
    expect(Array.from(a)).toEqual(Array.from(sampleIndices(10_000, 500, 1)));
    expect(Array.from(a)).not.toEqual(Array.from(sampleIndices(10_000, 500, 2)));
  });

  it('gives k distinct indices below n, in increasing order', () => {
    const a = Array.from(sampleIndices(1000, 137, 7));
    expect(a).toHaveLength(137);
    expect(new Set(a).size).toBe(137);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
    expect(a[0]).toBeGreaterThanOrEqual(0);
    expect(a[a.length - 1]).toBeLessThan(1000);
  });

  it('gives every index when k ≥ n, and none for k = 0', () => {
    expect(Array.from(sampleIndices(5, 9, 1))).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices(5, 0, 1)).toHaveLength(0);
  });

  it('spreads over the whole range (not the first trips)', () => {
    const a = sampleIndices(100_000, 1000, 3);
    const upperHalf = Array.from(a).filter((i) => i >= 50_000).length;
    expect(upperHalf).toBeGreaterThan(400);
    expect(upperHalf).toBeLessThan(600);
  });
});

describe('limits', () => {
  it('?bigAbove=N lowers every limit to at most N; anything else keeps the defaults', () => {
    expect(bigLimitsFrom('')).toEqual(BIG_LIMITS);
    expect(bigLimitsFrom('?bigAbove=abc')).toEqual(BIG_LIMITS);
    expect(bigLimitsFrom('?bigAbove=0')).toEqual(BIG_LIMITS);
    expect(bigLimitsFrom('?view=data&bigAbove=20')).toEqual({ drawAllMax: 20, drawSample: 20, trainMax: 20 });
    expect(bigLimitsFrom('?bigAbove=5000')).toEqual({ drawAllMax: 5000, drawSample: BIG_LIMITS.drawSample, trainMax: 5000 });
  });

  it('shares a total in proportion to the splits, never more than a split has', () => {
    expect(proportionalShares({ train: 700, val: 100, test: 200 }, 100)).toEqual({ train: 70, val: 10, test: 20 });
    expect(proportionalShares({ train: 0, val: 0, test: 0 }, 100)).toEqual({ train: 0, val: 0, test: 0 });
    // grid-town (48 / 8 / 8) at 20: exactly 20, the leftover to the first of the tied remainders.
    expect(proportionalShares({ train: 48, val: 8, test: 8 }, 20)).toEqual({ train: 15, val: 3, test: 2 });
    expect(proportionalShares({ train: 3, val: 1, test: 1 }, 100)).toEqual({ train: 3, val: 1, test: 1 });
    expect(trainSampleCaps(20)).toEqual({ train: 20, val: 3, test: 6 });
  });
});

describe('trainingSample', () => {
  it('keeps a set at or below the limit as it is', () => {
    const ds = dataset(20, 5, 5);
    expect(trainingSample(ds, 20)).toBe(ds);
  });

  it('samples each split to its cap, seeded, in file order, and says what it was cut from', () => {
    const ds = dataset(100, 30, 40);
    const s = trainingSample(ds, 20, 9);
    expect(s.splits.train).toHaveLength(20);
    expect(s.splits.val).toHaveLength(3);
    expect(s.splits.test).toHaveLength(6);
    expect(s.sampledFrom).toEqual({ seed: 9, total: { train: 100, val: 30, test: 40 }, trainMax: 20 });
    // The trips themselves, in the order of the file.
    const at = s.splits.train.map((t) => ds.splits.train.indexOf(t));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Deterministic.
    expect(trainingSample(ds, 20, 9).splits.train.map((t) => t.id)).toEqual(s.splits.train.map((t) => t.id));
    expect(trainingSample(ds, 20, 10).splits.train.map((t) => t.id)).not.toEqual(s.splits.train.map((t) => t.id));
    // The network is shared, not copied.
    expect(s.network).toBe(ds.network);
  });

  it('travels with the packed dataset to a model worker', () => {
    const s = trainingSample(dataset(100, 30, 40), 20);
    const back = unpackDataset(packDataset(s));
    expect(back.sampledFrom).toEqual(s.sampledFrom);
    expect(back.splits.train.map((t) => t.id)).toEqual(s.splits.train.map((t) => t.id));
    expect(unpackDataset(packDataset(dataset(3, 1, 1))).sampledFrom).toBeUndefined();
  });
});

describe('roadTripCounts', () => {
  it('counts the trips passing each road, a trip once per road', () => {
    const t: { roads: number[] }[] = [{ roads: [0, 1, 2] }, { roads: [1, 2, 1, 2] }, { roads: [4] }, { roads: [] }];
    expect(Array.from(roadTripCounts(6, t))).toEqual([1, 2, 2, 0, 1, 0]);
  });

  it('sums the visible splits road by road', () => {
    const per = { train: new Uint32Array([1, 2, 0]), val: new Uint32Array([0, 1, 5]), test: new Uint32Array([3, 0, 0]) };
    expect(Array.from(visibleRoadTrips(per, { train: true, val: true, test: false }))).toEqual([1, 3, 5]);
    expect(Array.from(visibleRoadTrips(per, { train: false, val: false, test: false }))).toEqual([0, 0, 0]);
  });
});
