// Trips as the metrics see them: road centroids in order with their times. Kept apart from
// protocol.ts (which loads models, so tfjs) for the tfjs-free route-file scoring (routeFile.ts).
import type { LonLat, Trajectory } from '../data/types';
import type { GeneratedTrip } from '../generate/generator';
import type { EvalTrip } from './tripMetrics';

/** Road centroid from RoadFeatures.centroid (interleaved lon, lat). */
export function centroidOf(centroid: Float64Array, road: number): LonLat {
  return [centroid[2 * road], centroid[2 * road + 1]];
}

/** A real trip as an EvalTrip: road centroids and entry times. */
export function realToEvalTrip(t: Trajectory, centroid: Float64Array): EvalTrip {
  return { id: t.id, points: t.roads.map((r) => centroidOf(centroid, r)), times: t.times.slice(), roads: t.roads.slice() };
}

export function generatedToEvalTrip(t: GeneratedTrip, centroid: Float64Array): EvalTrip {
  return { id: t.id, points: t.roads.map((r) => centroidOf(centroid, r)), times: t.times, roads: t.roads, reached: t.reached };
}
