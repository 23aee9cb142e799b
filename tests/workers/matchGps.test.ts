import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { odKey } from '../../src/lib/data/odSplit';
import { SPLITS } from '../../src/lib/data/types';
import type { Dataset, TextFile } from '../../src/lib/data/types';
import { matchGpsFile, matchedDataset } from '../../workers/matchGps';
import { packDataset, unpackDataset } from '../../src/lib/data/packedDataset';
import { gridTownGps } from '../../e2e/fixtures/gridTownGps';
import { streamChunks, type StreamFile } from '../../src/lib/data/textStream';

// "Match GPS traces…" on grid-town: the traces of its first 30 train trips, matched onto its
// roads alone (a network without trips) or onto the whole dataset.
const DIR = 'e2e/fixtures/grid-town/';
const read = (names: string[]): TextFile[] => names.map((name) => ({ name, text: readFileSync(DIR + name, 'utf8') }));
const roadsOnly = readHoserDataset(read(['roadmap.geo', 'roadmap.rel']), 'roads');
const full = readHoserDataset(read(['roadmap.geo', 'roadmap.rel', 'train.csv', 'val.csv', 'test.csv']), 'grid-town');
const gps = gridTownGps(30);

/** The set as a model worker gets it: packed by the data worker, unpacked by the model worker. */
/** The GPS text as the worker reads a picked File: a stream of its bytes. */
const gpsFile = (): StreamFile => {
  const file = new File([gps], 'gps.csv');
  return { name: 'gps.csv', open: () => streamChunks(file.stream()) };
};
const never = new AbortController().signal;

function asWorkerGets(ds: Dataset): Dataset {
  return unpackDataset(packDataset(ds));
}

function disjoint(ds: Dataset): void {
  const train = new Set(ds.splits.train.map(odKey));
  const val = new Set(ds.splits.val.map(odKey));
  expect(ds.splits.val.filter((t) => train.has(odKey(t)))).toEqual([]);
  expect(ds.splits.test.filter((t) => train.has(odKey(t)) || val.has(odKey(t)))).toEqual([]);
}

describe('matched GPS trips as a set', () => {
  it('on a network without trips they become a training set, split 7:1:2 OD-disjointly', async () => {
    const m = await matchGpsFile(roadsOnly, gpsFile(), gps.length, () => {}, never);
    expect(m.trips).toHaveLength(30);
    const { dataset, summary } = matchedDataset(m, 'own', 'gps.csv on roads');
    expect(summary.added.train + summary.added.val + summary.added.test).toBe(30);
    expect(summary.added.train).toBeGreaterThanOrEqual(19);
    expect(summary.ownTrips).toBe(0);
    disjoint(dataset);
    const back = asWorkerGets(dataset);
    expect(back).toEqual(dataset);
  });

  it('added to a dataset they keep its trips and join its splits OD-disjointly', async () => {
    const m = await matchGpsFile(full, gpsFile(), gps.length, () => {}, never);
    const { dataset, summary } = matchedDataset(m, 'add', 'grid-town + gps.csv');
    expect(summary.ownTrips).toBe(48 + 8 + 8);
    expect(summary.added.train + summary.added.val + summary.added.test).toBe(30);
    // A matched trip on an OD pair the dataset trains on joins train.
    const trainOd = new Set(full.splits.train.map(odKey));
    const onTrainPairs = m.trips.filter((t) => trainOd.has(odKey(t)));
    expect(onTrainPairs.length).toBeGreaterThan(0);
    for (const t of onTrainPairs) expect(dataset.splits.train).toContain(t);
    for (const s of SPLITS) expect(dataset.splits[s].slice(0, full.splits[s].length)).toEqual(full.splits[s]);
    disjoint(dataset);
    const back = asWorkerGets(dataset);
    for (const s of SPLITS) expect(back.splits[s]).toEqual(dataset.splits[s]);
    expect(back.splits.train).toHaveLength(48 + summary.added.train);
  });
});

describe('matching in the data worker', () => {
  it('reports the bytes read as it goes, and stops between batches when cancelled', async () => {
    const seen: number[] = [];
    const m = await matchGpsFile(roadsOnly, gpsFile(), gps.length, (b) => seen.push(b), never);
    expect(m.trips).toHaveLength(30);
    expect(seen.at(-1)).toBe(new TextEncoder().encode(gps).length);
    const stop = new AbortController();
    stop.abort(new Error('cancelled'));
    await expect(matchGpsFile(roadsOnly, gpsFile(), gps.length, () => {}, stop.signal)).rejects.toThrow('cancelled');
  });
});
