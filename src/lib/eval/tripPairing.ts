// Scores a file of generated routes against the real trips they were asked for (eval --generated
// --pairing trip): each route is matched to the split's trip with its origin road, destination road
// and start time (what generate writes without --n: every trip once), and scored as the paired
// report scores a route (pairedProtocol.ts scoreAgainstReal), so a file and a report agree.
import type { Trajectory } from '../data/types';
import type { GeneratedTrip } from '../generate/generator';
import { scoreAgainstReal, type OdScore } from './pairedProtocol';
import { generatedToEvalTrip, realToEvalTrip } from './protocol';
import { scoreSpread, type ScoreSpread } from './robustScores';

export interface TripPairedScores {
  /** Routes scored (every route of the file). */
  n: number;
  scores: OdScore[];
  /** Per-route DTW per km (mean, median, p90) and the means of EDR and reached. */
  dtwPerKm: ScoreSpread;
  edr: number;
  reachedRate: number;
}

const keyOf = (origin: number, dest: number, start: number): string => `${origin}>${dest}@${start}`;

/**
 * Each route against the trip of `trips` with its origin, destination and start time (the first of
 * several such trips). A route with no such trip is an error naming it: the file was not generated
 * from this split's OD list.
 */
export function scoreByTrip(gen: readonly GeneratedTrip[], trips: readonly Trajectory[], centroid: Float64Array): TripPairedScores {
  if (gen.length === 0) throw new Error('scoreByTrip: no generated routes');
  const byKey = new Map<string, Trajectory>();
  for (const t of trips) {
    if (t.roads.length < 2) continue;
    const k = keyOf(t.roads[0], t.roads[t.roads.length - 1], t.times[0]);
    if (!byKey.has(k)) byKey.set(k, t);
  }
  const scores = gen.map((g) => {
    const real = byKey.get(keyOf(g.origin, g.dest, g.times[0]));
    if (!real)
      throw new Error(
        `route ${g.id}: no trip of the split goes ${g.origin} → ${g.dest} starting at ${g.times[0]}; --pairing trip needs routes generated for the split's own trips (generate without --n)`,
      );
    return scoreAgainstReal(generatedToEvalTrip(g, centroid), realToEvalTrip(real, centroid));
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    n: scores.length,
    scores,
    dtwPerKm: scoreSpread(scores.map((s) => s.dtwPerKm)),
    edr: mean(scores.map((s) => s.edr)),
    reachedRate: mean(scores.map((s) => (s.reached ? 1 : 0))),
  };
}
