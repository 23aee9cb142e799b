// Route baselines without a learned model, to set the students' numbers beside: for each OD pair,
// one least-cost route from the origin road to the destination road over the roadmap.rel links
// (Dijkstra: data/routeSearch.ts), under one of five costs:
//   shortest       the roads' lengths (m);
//   fastest        the roads' free-flow times: length / the typical speed of the road's OSM highway
//                  class (data/speeds.ts SPEED_KMH, the simulator's table: motorway 80, trunk 65,
//                  primary 45, secondary 40, tertiary 35, unclassified 30, residential 25, service
//                  15, living_street 12 km/h, links a little slower, any other class 30 km/h). The
//                  HOSER files carry no maxspeed column, so the class is all there is;
//   fittedFastest  the roads' times at speeds fitted from the timed train trips (data/speeds.ts
//                  fitRoadSpeeds: a road's median pass speed where at least minRoadPasses train
//                  passes cross it, else its class's median where the class has minClassPasses,
//                  else the fixed table above);
//   markov         the most probable path of a first-order Markov chain over road → road
//                  transitions counted on the train trips only, with add-α smoothing over each
//                  road's successors in the network: p(next | cur) = (count(cur → next) + α) /
//                  (total(cur) + α · outdeg(cur)), total(cur) counting only transitions along links
//                  of the network; cost −log p;
//   markovLength   the same chain with a length term: −log p + μ · km of the road entered. Without
//                  it, the 44 % of Porto roads with one successor cost nothing to leave, so the most
//                  probable path chains through them into detours.
// α and μ are chosen on val (docs/experiments/baselines/); the defaults below are those choices.
// Entering the origin costs nothing; every route starts at its origin. Ties go to the lower road id
// (RouteSearch). The baselines have no time model: each road's entry time is the OD's start time
// plus the free-flow times (the fastest table) of the roads before it. An unreachable destination
// gives the origin alone, reached false. The routes come out as the students' GeneratedTrip, so
// every metric and writer takes them unchanged.
import { DEFAULT_FITTED_SPEED_RULE, fitRoadSpeeds, freeFlowSeconds, secondsAtSpeeds, type FittedSpeedRule } from '../data/speeds';
import { countTransitions, markovEdgeCosts, markovLengthEdgeCosts } from '../data/markovChain';
import { forwardCsr, type RoutingGraph } from '../data/routingGraph';
import { RouteSearch } from '../data/routeSearch';
import type { RoadNetwork, Route, Trajectory } from '../data/types';
import type { MarkovRouteSpec } from '../data/remainingTimes';
import { generatedTrip, type GenOD, type GeneratedTrip } from './generator';

export const BASELINE_METHODS = ['shortest', 'fastest', 'fittedFastest', 'markov', 'markovLength'] as const;
export type BaselineMethod = (typeof BASELINE_METHODS)[number];

/** The settings of the baselines that have any; unset ones take BASELINE_DEFAULTS. */
export interface BaselineParams {
  /** α of the markov baseline. */
  markovAlpha?: number;
  /** α of the markovLength baseline. */
  markovLengthAlpha?: number;
  /** μ (nats per km) of the markovLength baseline. */
  lengthPerKm?: number;
  /** fittedFastest's rule for fitted speeds. */
  speedRule?: FittedSpeedRule;
  /**
   * The markov chains count the dataset's untimed route corpus (routes.csv) as well as the train
   * trips: the data the routes-trained students read. The corpus has no times, so fittedFastest
   * never uses it.
   */
  markovRoutes?: boolean;
}

/**
 * The baselines' settings as chosen on Porto's 253 val OD pairs: the lowest mean DTW per km (ties
 * broken by EDR; none occurred). The sweeps are docs/experiments/baselines/porto-val-*.json, each
 * with its command; the figures below are their val means.
 */
export const BASELINE_DEFAULTS: Required<BaselineParams> = {
  // markov: α over 0.01, 0.1, 1, 10, 30, 100 → 3.816, 3.633, 3.530, 3.185, 3.559, 4.019.
  markovAlpha: 10,
  // markovLength: (α, μ) over {0.1, 1} × {1, 3, 10, 30}, then (10, 3), (1, 2), (1, 5): best (1, 3), 2.453.
  markovLengthAlpha: 1,
  lengthPerKm: 3,
  // fittedFastest: minRoadPasses over 1, 3, 5, 10, 30 → 3.058, 2.983, 2.938, 3.053, 2.980 (all
  // worse than the free-flow fastest path's 2.739 on the same val OD pairs).
  speedRule: DEFAULT_FITTED_SPEED_RULE,
  markovRoutes: false,
};

/**
 * Each city's own val choices where its sweep chose otherwise than Porto's (the same grids,
 * extended where a city's best sat on an edge): docs/experiments/baselines/<city>-val-*.json.
 */
export const CITY_BASELINE_CHOICES: Readonly<Record<string, BaselineParams>> = {
  // San Francisco, 1,773 val OD pairs, mean DTW per km. markov α: 0.01 1.923, 0.1 1.885, 1 1.822,
  // 10 1.780, 30 1.843, 100 1.869 (α 10, as Porto). markovLength (α, μ): (0.1, 1) 1.625, (0.1, 3)
  // 1.498, (0.1, 10) 1.508, (0.1, 30) 1.575, (1, 1) 1.577, (1, 2) 1.479, (1, 3) 1.476, (1, 5) 1.462,
  // (1, 10) 1.494, (1, 30) 1.566, (10, 1) 1.585, (10, 3) 1.465, (10, 5) 1.454, (10, 10) 1.461,
  // (10, 30) 1.535; its best sat on the α edge twice, so the grid went on: (30, 3) 1.497, (30, 5)
  // 1.464, (30, 10) 1.442, (30, 20) 1.508, (100, 5) 1.517, (100, 10) 1.470 → (30, 10).
  // fittedFastest minRoadPasses: 1 1.760, 3 1.753, 5 1.734, 10 1.721, 30 1.702, 100 1.725 → 30
  // (free-flow fastest 1.815).
  sf: { markovLengthAlpha: 30, lengthPerKm: 10, speedRule: { ...DEFAULT_FITTED_SPEED_RULE, minRoadPasses: 30 } },
};

/**
 * A city's key in CITY_BASELINE_CHOICES from its dataset's name: the CLI names a dataset by its
 * folder (`sf`), the app by the city's name on screen (src/ui/stores/cities.ts, `San Francisco`).
 */
const CITY_OF_DATASET: Readonly<Record<string, string>> = { 'San Francisco': 'sf' };

/** The Markov + length chain of a dataset's val-chosen baseline: what a student's Markov route inputs are made from. */
export function markovLengthChain(datasetName: string): MarkovRouteSpec {
  const s = baselineSettings(datasetName);
  return { alpha: s.markovLengthAlpha, lengthPerKm: s.lengthPerKm };
}

/** A dataset's baseline settings: its city's val choices, else Porto's; `p`'s set values win. */
export function baselineSettings(datasetName: string, p: BaselineParams = {}): Required<BaselineParams> {
  return withDefaults({ ...CITY_BASELINE_CHOICES[CITY_OF_DATASET[datasetName] ?? datasetName], ...definedOnly(p) });
}

function definedOnly(p: BaselineParams): BaselineParams {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as BaselineParams;
}

function withDefaults(p: BaselineParams = {}): Required<BaselineParams> {
  const out = { ...BASELINE_DEFAULTS, ...definedOnly(p) };
  if (!(out.markovAlpha > 0) || !(out.markovLengthAlpha > 0))
    throw new Error(`baselines: α must be > 0 (got ${out.markovAlpha}, ${out.markovLengthAlpha})`);
  if (!(out.lengthPerKm >= 0)) throw new Error(`baselines: μ must be ≥ 0, got ${out.lengthPerKm}`);
  return out;
}

/** What each baseline minimises under its settings, in words (written into reports). */
export function baselineDescription(method: BaselineMethod, params: BaselineParams = {}): string {
  const p = withDefaults(params);
  const chain = (a: number) =>
    `a first-order Markov chain over road → road transitions counted on the train trips${p.markovRoutes ? ' and the untimed route corpus' : ''}, p(next | cur) = (count + ${a}) / (total + ${a} · outdeg) over cur's successors in the network`;
  switch (method) {
    case 'shortest':
      return 'Dijkstra on road length (m) over the roadmap.rel links';
    case 'fastest':
      return 'Dijkstra on free-flow time: length / the typical speed of the road\u2019s OSM highway class (data/speeds.ts SPEED_KMH, 30 km/h for other classes; the data has no maxspeed)';
    case 'fittedFastest':
      return `Dijkstra on time at speeds fitted from the timed train trips: a road's median pass speed where ≥ ${p.speedRule.minRoadPasses} train passes cross it, else its highway class's median where the class has ≥ ${p.speedRule.minClassPasses} passes, else the fixed class table (passes outside 2–150 km/h dropped)`;
    case 'markov':
      return `most probable path (Dijkstra on −log p) of ${chain(p.markovAlpha)}`;
    case 'markovLength':
      return `Dijkstra on −log p + ${p.lengthPerKm} · km of the road entered, p from ${chain(p.markovLengthAlpha)}`;
  }
}

/** Every baseline's description under the defaults. */
export const BASELINE_DESCRIPTIONS: Record<BaselineMethod, string> = Object.fromEntries(
  BASELINE_METHODS.map((m) => [m, baselineDescription(m)]),
) as Record<BaselineMethod, string>;

export const BASELINE_TIMES_NOTE =
  'baselines have no time model: each road is entered at the OD start time plus the free-flow times (SPEED_KMH) of the roads before it';

export function isBaselineMethod(v: string): v is BaselineMethod {
  return (BASELINE_METHODS as readonly string[]).includes(v);
}

/** "shortest,markov" → the baselines, each once; throws on an unknown name. */
export function parseBaselineMethods(v: string): BaselineMethod[] {
  const names = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const n of names) if (!isBaselineMethod(n)) throw new Error(`unknown baseline "${n}" (expected ${BASELINE_METHODS.join(', ')})`);
  if (names.length === 0 || new Set(names).size !== names.length) throw new Error(`expected distinct baseline names, got "${v}"`);
  return names as BaselineMethod[];
}

/** Per link e, the cost of entering road adj[e] under a per-road cost. */
function entryCosts(g: RoutingGraph, roadCost: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.adj.length);
  for (let e = 0; e < g.adj.length; e++) out[e] = roadCost[g.adj[e]];
  return out;
}

export interface BaselineRoute {
  roads: number[];
  reached: boolean;
  /** Sum of log p along the route for markov; NaN for the others (no probabilities, or a length term added). */
  logProb: number;
}

export interface BaselineRouter {
  method: BaselineMethod;
  /** Seconds to drive each road at its class's free-flow speed (the baselines' hop times). */
  hopSeconds: Float64Array;
  /** markov and markovLength: the train transitions behind the chain. */
  markov?: { counted: number; skipped: number; smoothing: number; lengthPerKm?: number };
  /** fittedFastest: how many roads took their speed from their own passes, their class's, the table. */
  fitted?: { passes: number; roadsBySource: { road: number; roadClass: number; table: number }; rule: FittedSpeedRule };
  route(origin: number, dest: number): BaselineRoute;
}

/**
 * A router for one baseline on `net`. `trainTrips` (markov, markovLength and fittedFastest,
 * required there) are the trips the transitions are counted and the speeds fitted on: pass the
 * train split and nothing else. `routes`: the dataset's untimed route corpus, which the chains count
 * too where params.markovRoutes is set.
 */
export function baselineRouter(
  method: BaselineMethod,
  net: RoadNetwork,
  trainTrips?: readonly Trajectory[],
  params: BaselineParams = {},
  routes?: readonly Route[],
): BaselineRouter {
  const p = withDefaults(params);
  const g = forwardCsr(net);
  const hopSeconds = freeFlowSeconds(net);
  let edgeCost: Float64Array;
  let markov: BaselineRouter['markov'];
  let fitted: BaselineRouter['fitted'];
  const needTrips = (): readonly Trajectory[] => {
    if (!trainTrips) throw new Error(`baselineRouter: the ${method} baseline needs the train trips`);
    return trainTrips;
  };
  if (method === 'shortest') {
    // Length as stored, at least 0 (a zero-length road is free, which Dijkstra allows).
    edgeCost = entryCosts(
      g,
      net.roads.map((r) => Math.max(0, r.lengthM)),
    );
  } else if (method === 'fastest') {
    edgeCost = entryCosts(g, hopSeconds);
  } else if (method === 'fittedFastest') {
    const f = fitRoadSpeeds(net, needTrips(), p.speedRule);
    edgeCost = entryCosts(g, secondsAtSpeeds(net, f.kmh));
    const [road, roadClass, table] = f.roadsBySource;
    fitted = { passes: f.passes, roadsBySource: { road, roadClass, table }, rule: f.rule };
  } else {
    const alpha = method === 'markov' ? p.markovAlpha : p.markovLengthAlpha;
    if (p.markovRoutes && !routes?.length)
      throw new Error(`baselineRouter: ${method} counted on the route corpus needs the dataset's routes`);
    const counts = countTransitions(g, p.markovRoutes ? [...needTrips(), ...routes!] : needTrips());
    edgeCost = method === 'markovLength' ? markovLengthEdgeCosts(g, net, counts, alpha, p.lengthPerKm) : markovEdgeCosts(g, counts, alpha);
    markov = { counted: counts.counted, skipped: counts.skipped, smoothing: alpha };
    if (method === 'markovLength') markov.lengthPerKm = p.lengthPerKm;
  }
  const search = new RouteSearch(g);
  const target = new Int32Array(1);
  const buf = new Int32Array(g.n);
  // logProb is the chain's only where the cost is −log p alone.
  const hasLogProb = method === 'markov';
  return {
    method,
    hopSeconds,
    ...(markov ? { markov } : {}),
    ...(fitted ? { fitted } : {}),
    route(origin, dest) {
      if (!(origin >= 0 && origin < g.n && dest >= 0 && dest < g.n))
        throw new Error(`baseline route: road out of range (${origin} → ${dest})`);
      target[0] = dest;
      const hit = search.runEdgeCosts(origin, target, 1, edgeCost) === 1;
      if (!hit) return { roads: [origin], reached: false, logProb: hasLogProb ? 0 : NaN };
      const len = search.route(dest, buf);
      return { roads: Array.from(buf.subarray(0, len)), reached: true, logProb: hasLogProb ? -search.cost(dest) : NaN };
    },
  };
}

/**
 * One route per OD pair, in input order, as GeneratedTrip: ids `${idPrefix}${i}`, entry times from
 * the start time plus free-flow hop times (timesFromModel false).
 */
export function generateBaselineRoutes(router: BaselineRouter, ods: readonly GenOD[], idPrefix = `${router.method}-`): GeneratedTrip[] {
  return ods.map((od, i) => {
    const r = router.route(od.origin, od.dest);
    const steps = r.roads.slice(0, -1).map((road) => router.hopSeconds[road]);
    return generatedTrip(`${idPrefix}${i}`, od, r, steps, false);
  });
}
