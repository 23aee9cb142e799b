// Summary statistics of a dataset, as printed by `data stats` and shown in the dataset panel.
import type { Dataset, LonLat } from './types';
import { SPLITS } from './types';
import { haversineKm, polylineCentroid } from '../geo';

export interface DatasetStats {
  roads: number;
  relations: number;
  trajectories: { train: number; val: number; test: number };
  /** Untimed routes in routes.csv (0 when the dataset has none). */
  routes: number;
  /** Distinct (first road, last road) pairs of test that also occur in train. */
  odOverlapTrainTest: number;
  avgRoadsPerTrip: number;
  avgDistanceKm: number;
  avgDurationMin: number;
}

export function datasetStats(ds: Dataset): DatasetStats {
  const net = ds.network;
  const od = (roads: number[]): string => `${roads[0]},${roads[roads.length - 1]}`;
  const trainOd = new Set(ds.splits.train.map((t) => od(t.roads)));
  const testOd = new Set(ds.splits.test.map((t) => od(t.roads)));
  let overlap = 0;
  for (const p of testOd) if (trainOd.has(p)) overlap++;

  // Thesis metric definition: trip distance = sum of great-circle steps between road centroids.
  let centroids: LonLat[] | null = null;
  let trips = 0;
  let roads = 0;
  let km = 0;
  let min = 0;
  for (const s of SPLITS) {
    for (const t of ds.splits[s]) {
      centroids ??= net.roads.map((r) => polylineCentroid(r.coords));
      trips++;
      roads += t.roads.length;
      for (let i = 1; i < t.roads.length; i++) km += haversineKm(centroids[t.roads[i - 1]], centroids[t.roads[i]]);
      if (t.times.length > 0) min += (t.times[t.times.length - 1] - t.times[0]) / 60;
    }
  }
  const avg = (x: number): number => (trips > 0 ? x / trips : 0);
  return {
    roads: net.roads.length,
    relations: net.relOrigin.length,
    trajectories: { train: ds.splits.train.length, val: ds.splits.val.length, test: ds.splits.test.length },
    routes: ds.routes?.length ?? 0,
    odOverlapTrainTest: overlap,
    avgRoadsPerTrip: avg(roads),
    avgDistanceKm: avg(km),
    avgDurationMin: avg(min),
  };
}
