// Turns simulated trips into a labelled dataset: train/val/test by position (trips are drawn
// independently, so positions are already a random split; no OD-disjointness is enforced), the
// name marked "(simulated trips)", and the data card text that travels with exported files.
import type { SplitName } from '../data/types';
import type { DatasetStats } from '../data/stats';
import type { PackedTrips } from './packedTrips';
import { sliceTrips } from './packedTrips';
import type { SimInfo } from './simulator';
import { SPEED_KMH, DEFAULT_SPEED_KMH } from '../data/speeds';

export const SIMULATED_LABEL = '(simulated trips)';

/** Split shares (train, val, test), like the embedded Porto set. */
export const SIM_SPLIT = { train: 0.7, val: 0.1, test: 0.2 };

export function splitSimulated(p: PackedTrips): Record<SplitName, PackedTrips> {
  const nTrain = Math.round(p.count * SIM_SPLIT.train);
  const nVal = Math.round(p.count * SIM_SPLIT.val);
  return {
    train: sliceTrips(p, 0, nTrain),
    val: sliceTrips(p, nTrain, nTrain + nVal),
    test: sliceTrips(p, nTrain + nVal, p.count),
  };
}

export function simulatedName(baseName: string, n: number): string {
  return `${baseName} · ${n.toLocaleString('en-US')} ${SIMULATED_LABEL}`;
}

/** SIMULATED.md: what is real, what is simulated, and how to reproduce it. */
export function simulatedCard(source: string, info: SimInfo, stats: DatasetStats, command: string): string {
  const p = info.params;
  const speeds = Object.entries(SPEED_KMH)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `# SIMULATED TRIPS — not real trajectories

This dataset pairs a **real road network** with **simulated trips**. Do not report results on it as
results on real data.

- Road network: copied unchanged from \`${source}\` (OpenStreetMap, © OpenStreetMap contributors, ODbL).
- Trips: ${info.n.toLocaleString('en-US')} simulated by TrajDistill's seeded simulator (seed ${info.seed}),
  ids \`sim-${info.seed}-<index>\`. Same seed and same source → identical files.
- Reproduce: \`${command}\`

## How the trips were made
1. Origin–destination: a zone pair drawn with the frequency of the ${info.realTrips} real training trips'
   (zone of first road → zone of last road) flows over the 300-zone partition; with probability
   ${p.smoothing} the zones are drawn independently from add-one-smoothed marginals instead. Roads are then
   uniform inside the zones, restricted to the largest strongly connected part of the network
   (${info.eligibleRoads.toLocaleString('en-US')} of ${info.roads.toLocaleString('en-US')} roads), origin ≠ destination.
2. Departure: minute of day of a random real departure ± 7.5 min, on a random day of the same kind
   (weekday/weekend) in the real trips' date span (UTC).
3. Route: least travel time with every road's free-flow time multiplied by lognormal noise
   (σ = ${p.routeNoise}); trips with the same origin road share one search, up to ${p.share} at a time.
   Speeds by highway class (km/h): ${speeds}; others ${DEFAULT_SPEED_KMH}. The network has no maxspeed column.
4. Timestamps: free-flow time × ${info.calibration.toFixed(3)} (median real/free-flow ratio of the real
   trips) × time-of-day congestion (weekday peaks ≈ 8:30 and 18:00) × per-trip speed factor
   (lognormal σ = ${p.tripSpeedNoise}) × per-road jitter (lognormal σ = ${p.roadTimeNoise}), rounded to seconds.

## Splits
train ${stats.trajectories.train.toLocaleString('en-US')} · val ${stats.trajectories.val.toLocaleString('en-US')} · test ${stats.trajectories.test.toLocaleString('en-US')}
(consecutive blocks of the trip sequence, ${SIM_SPLIT.train}/${SIM_SPLIT.val}/${SIM_SPLIT.test}). The split is **not**
OD-disjoint: ${stats.odOverlapTrainTest.toLocaleString('en-US')} distinct test (origin, destination) road pairs also occur in train.

## Summary
avg ${stats.avgRoadsPerTrip.toFixed(1)} roads / trip · ${stats.avgDistanceKm.toFixed(2)} km · ${stats.avgDurationMin.toFixed(1)} min.
Simulated at ${Math.round(info.tripsPerSec).toLocaleString('en-US')} trips/s (${(info.ms / 1000).toFixed(1)} s).
`;
}
