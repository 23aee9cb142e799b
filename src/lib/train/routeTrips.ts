// The route corpus as the student's own training data (the data control: the teacher's 6.6× data
// advantage given to the student directly). An untimed route becomes a trip with a single
// timestamp, the start time of a train trip drawn with the run's seed: its time-of-day input then
// follows the real trips', and with no second timestamp it has no time label, so the time loss
// skips it (features/studentBatch.ts masks a step whose next entry time is missing).
import type { Route, Trajectory } from '../data/types';
import { makeRng, randInt } from '../random';

export function routesAsTrips(routes: readonly Route[], trips: readonly Trajectory[], seed: number): Trajectory[] {
  const starts = trips.map((t) => t.times[0]).filter((t): t is number => Number.isFinite(t));
  if (starts.length === 0) throw new Error('untimed routes need timed train trips to draw start times from');
  const rng = makeRng((seed * 2_654_435_761 + 17) >>> 0);
  return routes.map((r) => ({ id: `route:${r.id}`, roads: r.roads, times: [starts[randInt(rng, starts.length)]] }));
}
