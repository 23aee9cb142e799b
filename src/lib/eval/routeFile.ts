// Routes from any generator, read from a file (our generated CSV or HOSER gene.py's) and scored
// against the real trips of one split with the protocol's own metrics (evaluateTrips): each route is
// paired by its OD pair (origin road, destination road) with the split's real trips of that pair.
// Framework-free and tfjs-free: the eval worker runs it for the Compare view, tests run it in Node.
import { odPairKey, tripsByOd } from '../data/odSplit';
import type { RoadNetwork, SplitName, Trajectory } from '../data/types';
import { generatedCsvFormat, readGeneratedCsv } from '../generate/generatedCsv';
import type { GeneratedTrip } from '../generate/generator';
import { generatedToEvalTrip, realToEvalTrip } from './evalTrips';
import { evaluateTripsPerKm, type EvalOptions, type EvalReport } from './tripMetrics';

/** One loaded route (a generated trip without a log-probability) and the ids of the real trips of its OD pair in the split. */
export interface LoadedRoute extends Omit<GeneratedTrip, 'logProb' | 'timesFromModel'> {
  realTripIds: string[];
}

export interface RouteFileScore {
  fileName: string;
  format: 'ours' | 'hoser';
  split: SplitName;
  routes: LoadedRoute[];
  /** The metrics of the routes against the real trips of their OD pairs (evaluateTrips). */
  report: EvalReport;
  /** DTW per km of the real trip over the same pairs as report.dtwKm (NaN when none is paired). */
  dtwPerKm: number;
  /** Real trips the routes were scored against. */
  realN: number;
}

const MAX_LISTED = 8;

function listed(fileName: string, problems: string[]): Error {
  const more = problems.length > MAX_LISTED ? `\n… and ${problems.length - MAX_LISTED} more` : '';
  return new Error(
    `${fileName}: ${problems.length} route${problems.length === 1 ? '' : 's'} cannot be scored here:\n${problems.slice(0, MAX_LISTED).join('\n')}${more}`,
  );
}

/**
 * Parses `text` and scores its routes against `split`'s real trips. Throws one Error naming every
 * problem as `file:line: reason`: a malformed file, a road id outside `network`, a route whose
 * OD pair is not a real trip's OD pair in the split.
 */
export function scoreRouteFile(
  text: string,
  fileName: string,
  network: Pick<RoadNetwork, 'roads'>,
  splits: Record<SplitName, Trajectory[]>,
  split: SplitName,
  centroid: Float64Array,
  opts?: EvalOptions,
): RouteFileScore {
  if (text.trim() === '') throw new Error(`${fileName}: the file is empty`);
  const format = generatedCsvFormat(text).name;
  const gen = readGeneratedCsv(text, fileName);
  if (gen.length === 0) throw new Error(`${fileName}: no routes (only a header)`);
  const nRoads = network.roads.length;

  const byOd = tripsByOd(splits[split]);

  const problems: string[] = [];
  const routes: LoadedRoute[] = [];
  gen.forEach((g, i) => {
    const where = `${fileName}:${i + 2}`;
    const outside = [g.origin, g.dest, ...g.roads].find((r) => r >= nRoads);
    if (outside !== undefined) {
      problems.push(
        `${where}: road id ${outside} is not in this network (${nRoads} roads, ids 0–${nRoads - 1}); was it generated on another network?`,
      );
      return;
    }
    const real = byOd.get(odPairKey(g.origin, g.dest));
    if (!real) {
      problems.push(`${where}: OD pair ${g.origin} → ${g.dest} is not the OD pair of any ${split} trip`);
      return;
    }
    routes.push({
      id: g.id,
      origin: g.origin,
      dest: g.dest,
      roads: g.roads,
      times: g.times,
      reached: g.reached,
      realTripIds: real.map((t) => t.id),
    });
  });
  if (problems.length) throw listed(fileName, problems);

  const seen = new Set<string>();
  const realTrips: Trajectory[] = [];
  for (const r of routes) {
    const k = odPairKey(r.origin, r.dest);
    if (seen.has(k)) continue;
    seen.add(k);
    realTrips.push(...(byOd.get(k) ?? []));
  }
  const real = realTrips.map((t) => realToEvalTrip(t, centroid));
  const generated = gen.map((t) => generatedToEvalTrip(t, centroid));
  const { report, dtwPerKm } = evaluateTripsPerKm(real, generated, opts);
  return { fileName, format, split, routes, report, dtwPerKm, realN: real.length };
}
