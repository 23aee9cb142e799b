// Builds every derived structure of a dataset in one call. The result holds only
// typed arrays and plain objects, so a worker can post it and IndexedDB can store it as is.
import type { Derived, GridSpec } from './derivedTypes';
import type { Dataset, Trajectory } from './types';
import { networkFingerprint } from './fingerprint';
import { buildRoadFeatures } from './roadFeatures';
import { buildRoadGraph } from './roadGraph';
import { buildGridVocab, gridForBox } from './grid';
import { networkBox } from './matchTraces';
import { partitionZones } from './zones';
import { buildZoneGraph } from './zoneTransitions';
import { foldedTransitionCounts, tripFold } from './markovChain';
import { forwardCsr } from './routingGraph';
import { fitRoadSpeeds } from './speeds';

export interface DerivedOptions {
  /** Teacher grid; defaults to LM-TAD's grid over the network's city (gridForBox). */
  grid?: GridSpec;
  /** Number of zones (HOSER: 300). */
  nZones?: number;
  /** Seed of the zone partition. */
  seed?: number;
}

/**
 * Mean and std of log1p(seconds between consecutive road entry times) over `trips` (HOSER's time
 * label statistics). With no hops at all: mean 0, std 1. The std is floored at 1e-6.
 */
export function hopTimeStats(trips: Trajectory[]): { mean: number; std: number } {
  return hopTimeStatsFrom((visit) => {
    for (const t of trips) for (let i = 1; i < t.times.length; i++) visit(t.times[i] - t.times[i - 1]);
  });
}

/**
 * As hopTimeStats, over any source of hop durations in seconds (`walk` calls `visit` once per
 * hop), so Trajectory[] and PackedTrips share one accumulator.
 */
export function hopTimeStatsFrom(walk: (visit: (seconds: number) => void) => void): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  walk((seconds) => {
    const v = Math.log1p(Math.max(0, seconds));
    n++;
    sum += v;
    sumSq += v * v;
  });
  if (n === 0) return { mean: 0, std: 1 };
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  return { mean, std: Math.max(std, 1e-6) };
}

export function buildDerived(ds: Dataset, opts: DerivedOptions = {}): Derived {
  const net = ds.network;
  const features = buildRoadFeatures(net);
  const graph = buildRoadGraph(net, features);
  const grid = buildGridVocab(opts.grid ?? gridForBox(networkBox(net)), features);
  const zones = partitionZones(net, graph, opts.nZones ?? 300, opts.seed ?? 1);
  const train = ds.splits.train;
  const zoneGraph = buildZoneGraph(zones, train);
  const { mean, std } = hopTimeStats(train);
  const transitionFolds = foldedTransitionCounts(forwardCsr(net), (visit) => {
    for (const t of train) {
      const fold = tripFold(t.roads, t.times[0] ?? 0);
      for (let i = 1; i < t.roads.length; i++) visit(fold, t.roads[i - 1], t.roads[i]);
    }
  });
  return {
    fingerprint: networkFingerprint(net),
    features,
    graph,
    grid,
    zones,
    zoneGraph,
    transitionFolds,
    fittedKmh: Float32Array.from(fitRoadSpeeds(net, train).kmh),
    timeMean: mean,
    timeStd: std,
  };
}
