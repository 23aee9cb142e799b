import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStats } from '../../src/lib/data/stats';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { buildOut } from '../../src/lib/data/hoserWriter';
import type { Dataset, Road, Trajectory } from '../../src/lib/data/types';

// Roads as short north-going segments along one meridian, centroids 0.001° of latitude apart:
// consecutive centroids are 0.001 × (π/180) × 6371.0088 km ≈ 0.1111951 km apart.
const STEP_KM = 0.001 * (Math.PI / 180) * 6371.0088;

function line(n: number): Dataset['network'] {
  const roads: Road[] = Array.from({ length: n }, (_, i) => ({
    id: i,
    coords: [
      [-8.6, 41.15 + i * 0.001 - 0.0005],
      [-8.6, 41.15 + i * 0.001 + 0.0005],
    ],
    highway: 'primary',
    lengthM: 111,
  }));
  const o = Int32Array.from({ length: n - 1 }, (_, i) => i);
  const d = Int32Array.from({ length: n - 1 }, (_, i) => i + 1);
  return { roads, relOrigin: o, relDest: d, out: buildOut(n, o, d) };
}

const trip = (id: string, roads: number[], t0: number, dtS: number): Trajectory => ({
  id,
  roads,
  times: roads.map((_, i) => t0 + i * dtS),
});

describe('datasetStats', () => {
  it('counts roads, relations, trips, and averages over all splits', () => {
    const ds: Dataset = {
      name: 'line',
      network: line(10),
      splits: {
        train: [trip('a', [0, 1, 2], 0, 30), trip('b', [2, 3, 4, 5, 6], 100, 60)], // 2 and 4 steps
        val: [trip('c', [5, 6], 0, 90)], // 1 step
        test: [trip('d', [7, 8, 9], 0, 15)], // 2 steps
      },
    };
    const s = datasetStats(ds);
    expect(s.roads).toBe(10);
    expect(s.relations).toBe(9);
    expect(s.trajectories).toEqual({ train: 2, val: 1, test: 1 });
    expect(s.avgRoadsPerTrip).toBe((3 + 5 + 2 + 3) / 4);
    expect(s.avgDistanceKm).toBeCloseTo(((2 + 4 + 1 + 2) * STEP_KM) / 4, 6);
    // durations: 60 s, 240 s, 90 s, 30 s
    expect(s.avgDurationMin).toBeCloseTo((60 + 240 + 90 + 30) / 60 / 4, 10);
    expect(s.odOverlapTrainTest).toBe(0);
  });

  it('counts distinct test OD pairs that occur in train', () => {
    const ds: Dataset = {
      name: 'od',
      network: line(10),
      splits: {
        train: [trip('a', [0, 1, 2], 0, 1), trip('b', [3, 4], 0, 1), trip('c', [0, 1, 2], 5, 1)],
        val: [trip('v', [5, 6], 0, 1)],
        // (0,2) twice → counted once; (3,4) also in train; (5,6) only in val; (7,8) nowhere
        test: [
          trip('d', [0, 1, 2], 0, 1),
          trip('e', [0, 1, 2], 9, 1),
          trip('f', [3, 4], 0, 1),
          trip('g', [5, 6], 0, 1),
          trip('h', [7, 8], 0, 1),
        ],
      },
    };
    expect(datasetStats(ds).odOverlapTrainTest).toBe(2);
  });

  it('gives zeros for a roadmap without trips', () => {
    const s = datasetStats({ name: 'empty', network: line(3), splits: { train: [], val: [], test: [] } });
    expect(s).toEqual({
      roads: 3,
      relations: 2,
      trajectories: { train: 0, val: 0, test: 0 },
      routes: 0,
      odOverlapTrainTest: 0,
      avgRoadsPerTrip: 0,
      avgDistanceKm: 0,
      avgDurationMin: 0,
    });
  });

  it('summarises the tiny fixture', () => {
    const dir = join(__dirname, '..', 'fixtures', 'tiny');
    const files = readdirSync(dir).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
    const s = datasetStats(readHoserDataset(files, 'tiny'));
    expect(s.trajectories).toEqual({ train: 3, val: 1, test: 1 });
    expect(s.avgRoadsPerTrip).toBe(16 / 5);
    expect(s.avgDurationMin).toBeCloseTo((40 + 90 + 30 + 120 + 180) / 60 / 5, 10);
    expect(s.odOverlapTrainTest).toBe(0);
    expect(s.avgDistanceKm).toBeGreaterThan(0.1);
    expect(s.avgDistanceKm).toBeLessThan(0.3);
  });
});
