// A generation objective for tuning (issue 22, arm d): how well a student's searched routes match
// the real trips of a fixed set of val OD pairs. Reached rate first, then the mean DTW to the real
// trip, folded into one number to minimise, so that CMA-ES and successive halving can use it as
// they use the val decision NLL.
import type { Trajectory } from '../data/types';
import type { Derived } from '../data/derivedTypes';
import type { Dataset } from '../data/types';
import type { BatchScorer } from '../generate/search';
import type { GenOD } from '../generate/generator';
import type { EvalTrip } from './tripMetrics';
import { generateTimed, generatedToEvalTrip, realToEvalTrip, type SearchProtocolOptions } from './protocol';
import { pairedOdTrips, scoreAgainstReal } from './pairedProtocol';

/** The OD pairs (with the real trips' start times) and their real trips. */
export interface OdObjectiveSet {
  ods: GenOD[];
  real: EvalTrip[];
}

/** A seeded sample of at most `max` trips' OD pairs (the paired report's sampler). */
export function odObjectiveSet(trips: Trajectory[], derived: Derived, max: number, seed: number): OdObjectiveSet {
  const chosen = pairedOdTrips(trips, max, seed);
  const centroid = derived.features.centroid;
  return {
    ods: chosen.map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1], startTime: t.times[0] })),
    real: chosen.map((t) => realToEvalTrip(t, centroid)),
  };
}

export interface OdObjective {
  reachedRate: number;
  meanDtwKm: number;
  /** objectiveValue(reachedRate, meanDtwKm): lower is better. */
  value: number;
  seconds: number;
}

/**
 * 1000 · (1 − reached rate) + mean DTW in km. A route that misses its destination costs 1000/n,
 * more than any plausible change of the mean DTW (tens of km on Porto), so the reached rate decides
 * and the DTW breaks its ties: the "reached rate, then DTW".
 */
export function objectiveValue(reachedRate: number, meanDtwKm: number): number {
  return 1000 * (1 - reachedRate) + meanDtwKm;
}

/** Generates the set's routes with `scorer` and scores them against the real trips. */
export async function odObjective(
  scorer: BatchScorer,
  set: OdObjectiveSet,
  opts: { dataset: Dataset; derived: Derived } & Pick<SearchProtocolOptions, 'beam' | 'method' | 'maxSteps' | 'maxExpansions' | 'signal'>,
): Promise<OdObjective> {
  const { trips, seconds } = await generateTimed(scorer, set.ods, opts, 'objective-', () => undefined);
  const centroid = opts.derived.features.centroid;
  const scores = trips.map((t, i) => scoreAgainstReal(generatedToEvalTrip(t, centroid), set.real[i]));
  const n = scores.length;
  const reachedRate = n ? scores.filter((s) => s.reached).length / n : 0;
  const meanDtwKm = n ? scores.reduce((a, s) => a + s.dtwKm, 0) / n : NaN;
  return { reachedRate, meanDtwKm, value: objectiveValue(reachedRate, meanDtwKm), seconds };
}
