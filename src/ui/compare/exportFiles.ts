// Downloadable files of the comparison: the sampled generated trips in the generate CLI's CSV
// format (src/lib/generate/generatedCsv.ts, readable back by readGeneratedCsv) and the report JSON.
import { writeGeneratedCsv } from '../../lib/generate/generatedCsv';
import type { GeneratedTrip } from '../../lib/generate/generator';
import type { ModelName, OdRoute } from './reportTypes';

/** The route sample of one model as generated trips; gen_id is "<split>-<row in the routes file>". */
export function routesAsGenerated(routes: OdRoute[], model: ModelName): GeneratedTrip[] {
  return routes.map((r) => ({
    id: `${r.split}-${r.index}`,
    origin: r.origin,
    dest: r.dest,
    roads: r[model].roads,
    times: r[model].times,
    reached: r[model].reached,
    logProb: NaN,
    timesFromModel: true,
  }));
}

/** HOSER-style CSV: gen_id, origin_road, dest_road, rid_list, time_list, reached, log_prob. */
export function generatedTripsCsv(routes: OdRoute[], model: ModelName): string {
  return writeGeneratedCsv(routesAsGenerated(routes, model));
}
