import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { packDataset, packedDatasetTransferables, unpackDataset } from '../../src/lib/data/packedDataset';
import type { Dataset, TextFile } from '../../src/lib/data/types';
import { makeCity } from '../models/studentFixture';

const DIR = 'e2e/fixtures/grid-town/';
const FILES = ['roadmap.geo', 'roadmap.rel', 'train.csv', 'val.csv', 'test.csv', 'routes.csv'];
const read = (names: string[]): TextFile[] =>
  names.filter((n) => existsSync(DIR + n)).map((name) => ({ name, text: readFileSync(DIR + name, 'utf8') }));

describe('packDataset / unpackDataset', () => {
  it('round-trips a parsed dataset exactly', () => {
    const ds = readHoserDataset(read(FILES), 'grid-town');
    expect(ds.splits.train.length).toBeGreaterThan(0);
    expect(unpackDataset(packDataset(ds))).toEqual(ds);
  });

  it('round-trips fractional times, unicode ids and highway names, routes, and a roadmap without trips', () => {
    const city = makeCity(4, 12, 4, 2).ds;
    const ds: Dataset = {
      ...city,
      name: 'Zürich – test',
      network: { ...city.network, roads: city.network.roads.map((r, i) => (i === 0 ? { ...r, highway: 'straße' } : r)) },
      splits: {
        ...city.splits,
        train: city.splits.train.map((t, i) => (i === 0 ? { ...t, id: 'trip-ü-1', times: t.times.map((x) => x + 0.25) } : t)),
      },
      routes: [{ id: 'r1', roads: [0, 1], source: 'corpus ✓' }],
    };
    expect(unpackDataset(packDataset(ds))).toEqual(ds);
    const roadsOnly: Dataset = { ...city, splits: { train: [], val: [], test: [] } };
    expect(unpackDataset(packDataset(roadsOnly))).toEqual(roadsOnly);
  });

  it('copies: transferring the packed buffers leaves the dataset intact', () => {
    const ds = readHoserDataset(read(FILES), 'grid-town');
    const p = packDataset(ds);
    const buffers = packedDatasetTransferables(p);
    expect(buffers.length).toBeGreaterThan(10);
    const moved = structuredClone(p, { transfer: buffers });
    expect(p.relOrigin.length).toBe(0); // detached
    expect(ds.network.relOrigin.length).toBeGreaterThan(0);
    expect(unpackDataset(moved)).toEqual(ds);
  });
});
