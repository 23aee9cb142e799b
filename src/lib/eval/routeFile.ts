// Routes from any generator, read from a file (our generated CSV or HOSER gene.py's) and scored
// against the real trips of one split with the protocol's own metrics (evaluateTrips): each route is
// paired by its OD pair (origin road, destination road) with the split's real trips of that pair.
// Row by row: a row the parser cannot read, a road id outside the network or an OD pair with no real
// trip in the split drops that row alone (named once, with its line and reason), and the rest are
// scored. Framework-free and tfjs-free: the eval worker runs it for the Compare view, the CLI's
// `eval --generated` reads files the same way, tests run it in Node.
import { odPairKey, tripsByOd } from '../data/odSplit';
import { SPLITS, type RoadNetwork, type SplitName, type Trajectory, type ValidationIssue } from '../data/types';
import { GeneratedCsvError, MAX_LISTED_PROBLEMS, parseGeneratedLines, readGeneratedLines, textLines } from '../generate/generatedCsv';
import type { GeneratedParse } from '../generate/generatedCsv';
import type { GeneratedTrip } from '../generate/generator';
import { generatedToEvalTrip, realToEvalTrip } from './evalTrips';
import { dtw } from './metrics';
import { evaluateTripsPerKm, type EvalOptions, type EvalReport } from './tripMetrics';

/** One loaded route (a generated trip without a log-probability), its line, and the ids of the real trips of its OD pair in the split. */
export interface LoadedRoute extends Omit<GeneratedTrip, 'logProb' | 'timesFromModel'> {
  line: number;
  realTripIds: string[];
  /** Start time of the first real trip of its OD pair (unix s): where generated routes for the pair start. */
  realStart: number;
  /** DTW (km) against the first real trip of its OD pair, as the report's route sample scores routes. */
  dtwKm: number;
}

/** Rows of a file that were not scored: the first MAX_LISTED_PROBLEMS with line and reason, all counted. */
export interface DroppedRows {
  problems: ValidationIssue[];
  count: number;
  /**
   * Most routes dropped for their OD pair are another split's OD pairs: that split and how many
   * (the view offers to score against it).
   */
  otherSplit: { split: SplitName; n: number } | null;
}

export interface RouteFileScore {
  kind: 'scored';
  fileName: string;
  format: 'ours' | 'hoser';
  split: SplitName;
  /** Data rows in the file. */
  rows: number;
  routes: LoadedRoute[];
  dropped: DroppedRows;
  /** The metrics of the routes against the real trips of their OD pairs (evaluateTrips). */
  report: EvalReport;
  /** DTW per km of the real trip over the same pairs as report.dtwKm (NaN when none is paired). */
  dtwPerKm: number;
  /** Real trips the routes were scored against. */
  realN: number;
}

/** Nothing in the file could be scored: why, and every dropped row. */
export interface RouteFileFailure {
  kind: 'failed';
  fileName: string;
  split: SplitName;
  reason: string;
  rows: number;
  dropped: DroppedRows;
}

export type RouteFileOutcome = RouteFileScore | RouteFileFailure;

/** Why a generated route cannot be on this network (a road id past its last road), or null: the one check Compare and `eval --generated` share. */
export function outsideNetwork(g: Pick<GeneratedTrip, 'origin' | 'dest' | 'roads'>, nRoads: number): string | null {
  const outside = [g.origin, g.dest, ...g.roads].find((r) => r >= nRoads);
  return outside === undefined
    ? null
    : `road id ${outside} is not in this network (${nRoads} roads, ids 0–${nRoads - 1}); was it generated on another network?`;
}

const noneDropped = (): DroppedRows => ({ problems: [], count: 0, otherSplit: null });

/** Scores the rows a parser read (see scoreRouteFile); rows it dropped stay dropped, with their lines. */
export function scoreParsedRoutes(
  parsed: GeneratedParse,
  network: Pick<RoadNetwork, 'roads'>,
  splits: Record<SplitName, Trajectory[]>,
  split: SplitName,
  centroid: Float64Array,
  opts?: EvalOptions,
): RouteFileOutcome {
  const { fileName } = parsed;
  const nRoads = network.roads.length;
  const byOd = tripsByOd(splits[split]);
  const otherByOd = SPLITS.filter((s) => s !== split).map((s) => ({ split: s, byOd: tripsByOd(splits[s]) }));
  const otherHits = new Map<SplitName, number>();
  let odMisses = 0;

  // Parser problems and ours, merged in line order: each row once.
  const problems: ValidationIssue[] = [];
  let count = parsed.dropped;
  const drop = (line: number, field: string, reason: string) => {
    count++;
    problems.push({ file: fileName, line, field, reason });
  };
  const routes: LoadedRoute[] = [];
  const kept: GeneratedTrip[] = [];
  parsed.trips.forEach((g, i) => {
    const line = parsed.lines[i];
    const outside = outsideNetwork(g, nRoads);
    if (outside !== null) return drop(line, '(route)', outside);
    const real = byOd.get(odPairKey(g.origin, g.dest));
    if (!real) {
      odMisses++;
      const other = otherByOd.find((o) => o.byOd.has(odPairKey(g.origin, g.dest)));
      if (other) otherHits.set(other.split, (otherHits.get(other.split) ?? 0) + 1);
      return drop(
        line,
        '(route)',
        `OD pair ${g.origin} → ${g.dest} is not the OD pair of any ${split} trip${other ? ` (it is a ${other.split} trip's)` : ''}`,
      );
    }
    const genPts = generatedToEvalTrip(g, centroid).points;
    const realPts = realToEvalTrip(real[0], centroid).points;
    routes.push({
      id: g.id,
      dtwKm: dtw(genPts, realPts),
      line,
      origin: g.origin,
      dest: g.dest,
      roads: g.roads,
      times: g.times,
      reached: g.reached,
      realTripIds: real.map((t) => t.id),
      realStart: real[0].times[0] ?? g.times[0],
    });
    kept.push(g);
  });
  const all = [...parsed.problems, ...problems].sort((a, b) => a.line - b.line).slice(0, MAX_LISTED_PROBLEMS);
  let otherSplit: DroppedRows['otherSplit'] = null;
  for (const [s, n] of otherHits) if (n * 2 > odMisses && (!otherSplit || n > otherSplit.n)) otherSplit = { split: s, n };
  const dropped: DroppedRows = { problems: all, count, otherSplit };

  if (routes.length === 0) {
    const reason =
      parsed.rows === 0
        ? `${fileName}: no routes (only a header)`
        : `${fileName}: none of its ${parsed.rows} route${parsed.rows === 1 ? '' : 's'} can be scored here${
            otherSplit ? `: ${otherSplit.n === parsed.rows ? 'they are' : `${otherSplit.n} are`} ${otherSplit.split} OD pairs` : ''
          }`;
    return { kind: 'failed', fileName, split, reason, rows: parsed.rows, dropped };
  }

  const seen = new Set<string>();
  const realTrips: Trajectory[] = [];
  for (const r of routes) {
    const k = odPairKey(r.origin, r.dest);
    if (seen.has(k)) continue;
    seen.add(k);
    realTrips.push(...(byOd.get(k) ?? []));
  }
  const real = realTrips.map((t) => realToEvalTrip(t, centroid));
  const generated = kept.map((t) => generatedToEvalTrip(t, centroid));
  const { report, dtwPerKm } = evaluateTripsPerKm(real, generated, opts);
  return {
    kind: 'scored',
    fileName,
    format: parsed.format,
    split,
    rows: parsed.rows,
    routes,
    dropped,
    report,
    dtwPerKm,
    realN: real.length,
  };
}

function unreadable(e: unknown, fileName: string, split: SplitName): RouteFileFailure {
  if (!(e instanceof GeneratedCsvError)) throw e;
  return { kind: 'failed', fileName, split, reason: e.message, rows: 0, dropped: noneDropped() };
}

/**
 * Parses `text` and scores its routes against `split`'s real trips. Never throws for the file's
 * content: a file that cannot be read at all, or of which no row can be scored, is a failure
 * with its reason; otherwise the good rows are scored and the bad ones listed.
 */
export function scoreRouteFile(
  text: string,
  fileName: string,
  network: Pick<RoadNetwork, 'roads'>,
  splits: Record<SplitName, Trajectory[]>,
  split: SplitName,
  centroid: Float64Array,
  opts?: EvalOptions,
): RouteFileOutcome {
  let parsed: GeneratedParse;
  try {
    parsed = parseGeneratedLines(textLines(text), fileName);
  } catch (e) {
    return unreadable(e, fileName, split);
  }
  return scoreParsedRoutes(parsed, network, splits, split, centroid, opts);
}

/** scoreRouteFile over lines as they come (a stream of a picked file): the file is never one string. */
export async function scoreRouteLines(
  lines: Iterable<string> | AsyncIterable<string>,
  fileName: string,
  network: Pick<RoadNetwork, 'roads'>,
  splits: Record<SplitName, Trajectory[]>,
  split: SplitName,
  centroid: Float64Array,
  opts?: EvalOptions,
): Promise<RouteFileOutcome> {
  let parsed: GeneratedParse;
  try {
    parsed = await readGeneratedLines(lines, fileName);
  } catch (e) {
    return unreadable(e, fileName, split);
  }
  return scoreParsedRoutes(parsed, network, splits, split, centroid, opts);
}
