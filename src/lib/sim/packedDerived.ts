// Dataset statistics and derived structures straight from PackedTrips, so a 600k-trip set never
// has to exist as Trajectory objects. Each function mirrors its Trajectory[] twin in src/lib/data
// (stats.ts, zoneTransitions.ts, derived.ts); tests/sim checks they agree.
import type { Derived, ZoneGraph, Zones } from '../data/derivedTypes';
import { hopTimeStatsFrom, type DerivedOptions } from '../data/derived';
import { zoneGraphFromPairs } from '../data/zoneTransitions';
import { foldedTransitionCounts, tripFold } from '../data/markovChain';
import { forwardCsr } from '../data/routingGraph';
import { fitRoadSpeedsFrom } from '../data/speeds';
import type { DatasetStats } from '../data/stats';
import type { RoadNetwork, SplitName } from '../data/types';
import { SPLITS } from '../data/types';
import { networkFingerprint } from '../data/fingerprint';
import { buildRoadFeatures } from '../data/roadFeatures';
import { buildRoadGraph } from '../data/roadGraph';
import { buildGridVocab, gridForBox } from '../data/grid';
import { networkBox } from '../data/matchTraces';
import { partitionZones } from '../data/zones';
import { haversineKm, polylineCentroid } from '../geo';
import type { PackedTrips } from './packedTrips';

/** As hopTimeStats: mean/std of log1p(seconds per hop). */
export function packedHopTimeStats(p: PackedTrips): { mean: number; std: number } {
  return hopTimeStatsFrom((visit) => {
    for (let i = 0; i < p.count; i++) {
      for (let k = p.offsets[i] + 1; k < p.offsets[i + 1]; k++) visit(p.rel[k] - p.rel[k - 1]);
    }
  });
}

/** As buildZoneGraph: zone-crossing counts normalised by sqrt of row sums. */
export function packedZoneGraph(zones: Zones, p: PackedTrips): ZoneGraph {
  return zoneGraphFromPairs(zones, (visit) => {
    for (let i = 0; i < p.count; i++) {
      for (let j = p.offsets[i] + 1; j < p.offsets[i + 1]; j++) visit(p.roads[j - 1], p.roads[j]);
    }
  });
}

/** As buildDerived's transition folds: each trip's fold from its roads and departure (tripFold). */
export function packedTransitionFolds(net: RoadNetwork, p: PackedTrips): Float32Array[] {
  return foldedTransitionCounts(forwardCsr(net), (visit) => {
    for (let i = 0; i < p.count; i++) {
      const roads = p.roads.subarray(p.offsets[i], p.offsets[i + 1]);
      const fold = tripFold(roads, p.start[i]);
      for (let j = 1; j < roads.length; j++) visit(fold, roads[j - 1], roads[j]);
    }
  });
}

/** As buildDerived's fitted speeds (fitRoadSpeeds under its default rule). */
export function packedFittedKmh(net: RoadNetwork, p: PackedTrips): Float32Array {
  const f = fitRoadSpeedsFrom(net, (visit) => {
    for (let i = 0; i < p.count; i++) for (let k = p.offsets[i]; k + 1 < p.offsets[i + 1]; k++) visit(p.roads[k], p.rel[k + 1] - p.rel[k]);
  });
  return Float32Array.from(f.kmh);
}

/** As buildDerived, with the train split packed. `zones` may be passed when already computed. */
export function buildDerivedPacked(net: RoadNetwork, train: PackedTrips, opts: DerivedOptions = {}, zones?: Zones): Derived {
  const features = buildRoadFeatures(net);
  const graph = buildRoadGraph(net, features);
  const grid = buildGridVocab(opts.grid ?? gridForBox(networkBox(net)), features);
  const z = zones ?? partitionZones(net, graph, opts.nZones ?? 300, opts.seed ?? 1);
  const { mean, std } = packedHopTimeStats(train);
  return {
    fingerprint: networkFingerprint(net),
    features,
    graph,
    grid,
    zones: z,
    zoneGraph: packedZoneGraph(z, train),
    transitionFolds: packedTransitionFolds(net, train),
    fittedKmh: packedFittedKmh(net, train),
    timeMean: mean,
    timeStd: std,
  };
}

/** As datasetStats. OD pairs are keyed numerically (first·nRoads + last) to stay cheap at 600k. */
export function packedStats(net: RoadNetwork, splits: Record<SplitName, PackedTrips>): DatasetStats {
  const nRoads = net.roads.length;
  const odKeys = (p: PackedTrips): Set<number> => {
    const s = new Set<number>();
    for (let i = 0; i < p.count; i++) {
      if (p.offsets[i + 1] > p.offsets[i]) s.add(p.roads[p.offsets[i]] * nRoads + p.roads[p.offsets[i + 1] - 1]);
    }
    return s;
  };
  const trainOd = odKeys(splits.train);
  let overlap = 0;
  for (const k of odKeys(splits.test)) if (trainOd.has(k)) overlap++;
  const cen = new Float64Array(2 * nRoads);
  net.roads.forEach((r, i) => {
    const c = polylineCentroid(r.coords);
    cen[2 * i] = c[0];
    cen[2 * i + 1] = c[1];
  });
  let trips = 0;
  let roads = 0;
  let km = 0;
  let min = 0;
  for (const s of SPLITS) {
    const p = splits[s];
    for (let i = 0; i < p.count; i++) {
      const a = p.offsets[i];
      const b = p.offsets[i + 1];
      trips++;
      roads += b - a;
      for (let k = a + 1; k < b; k++) {
        const u = p.roads[k - 1];
        const v = p.roads[k];
        km += haversineKm([cen[2 * u], cen[2 * u + 1]], [cen[2 * v], cen[2 * v + 1]]);
      }
      if (b > a) min += (p.rel[b - 1] - p.rel[a]) / 60;
    }
  }
  const avg = (x: number): number => (trips > 0 ? x / trips : 0);
  return {
    roads: nRoads,
    relations: net.relOrigin.length,
    trajectories: { train: splits.train.count, val: splits.val.count, test: splits.test.count },
    routes: 0,
    odOverlapTrainTest: overlap,
    avgRoadsPerTrip: avg(roads),
    avgDistanceKm: avg(km),
    avgDurationMin: avg(min),
  };
}
