// What the route-aware candidate features (StudentConfig.routeFeatures) cost generation: today's
// decoder (the feature off) against the same student with the feature on, side by side in one run.
// The "on" student is the shipped one with a route part whose key weights are zero, so it scores
// exactly as the shipped one, both search the same prefixes, and the ratio is the feature's own
// cost: a reverse Dijkstra per destination (the cache is emptied before every timed run, as for
// OD pairs never seen), the features of every candidate and the navigator's route terms. Where the
// shipped student already reads the features, the base is a student without them, and the shipped
// one is timed in the same rounds as a third variant (its own routes, so its ratio also carries
// what its search does differently).
import type { Derived } from '../../src/lib/data/derivedTypes';
import type { Dataset } from '../../src/lib/data/types';
import { remainingTimesFor, type RouteFeatureSpec } from '../../src/lib/data/remainingTimes';
import { generateRoutes } from '../../src/lib/generate/generator';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { Student, roadDimOf } from '../../src/lib/models/student';
import type { BatchContext } from '../../src/lib/features/studentBatch';
import { compare, ratioOf, throughput, type TimingOptions } from './timing';
import { generationSearch, ratioReport, testOdPairs, timingReport, type RatioReport, type TimingReport } from './suites';

export interface RouteFeaturesBenchResult {
  nOd: number;
  distinctDestinations: number;
  method: 'beam' | 'bestFirst';
  beam: number;
  ms: { off: TimingReport; on: TimingReport };
  tripsPerSec: { off: number; on: number };
  /** Time with the feature over time without, paired by round. */
  onOverOff: RatioReport;
  /** Both students generated the same routes (they score the same: the route key weights are zero). */
  sameRoutes: boolean;
  /** One reverse Dijkstra over the whole network, ms (mean over the destinations of a cold run). */
  dijkstraMsPerDestination: number;
  /** The shipped student that reads the route features, timed beside: trips/s and its time over the base's. */
  shipped?: { source: string; ms: TimingReport; tripsPerSec: number; overOff: RatioReport };
}

/**
 * `base` (today's student, feature off) against its twin with the route features on; `ctx` is the
 * base's context. Both scorers run on the host decoder as generation does.
 */
export async function routeFeaturesBench(o: {
  dataset: Dataset;
  derived: Derived;
  base: Student;
  ctx: BatchContext;
  timeScale?: number;
  nOd: number;
  method?: 'beam' | 'bestFirst';
  maxExpansions?: number;
  timing?: TimingOptions;
  /** A trained student with the route features (the shipped one), timed beside the base and its twin. */
  shipped?: { student: Student; source: string };
}): Promise<RouteFeaturesBenchResult> {
  if (o.base.config.routeFeatures) throw new Error('routeFeaturesBench: the base must be a student without the route features');
  const spec: RouteFeatureSpec = o.shipped?.student.config.routeFeatures ?? { speeds: 'free-flow' };
  const twin = routeTwin(o.base, o.derived, spec);
  const opts = { maxBatch: 1024, timeScale: o.timeScale };
  const off = new StudentScorer(o.base, o.ctx, o.derived, opts);
  const on = new StudentScorer(twin, o.ctx, o.derived, opts);
  const shipped = o.shipped ? new StudentScorer(o.shipped.student, o.ctx, o.derived, opts) : null;
  const rt = remainingTimesFor(o.dataset.network, spec, o.derived);
  try {
    const ods = testOdPairs(o.dataset, o.nOd, 11);
    const method = o.method ?? 'beam';
    const search = { ...generationSearch(o.derived, { maxExpansions: o.maxExpansions }), method, batchSize: 256 };
    const routes: Record<'off' | 'on', string> = { off: '', on: '' };
    const fns: Record<string, () => Promise<void>> = {
      off: async () => {
        routes.off = JSON.stringify((await generateRoutes(off, ods, search)).map((g) => g.roads));
      },
      on: async () => {
        rt.clear();
        routes.on = JSON.stringify((await generateRoutes(on, ods, search)).map((g) => g.roads));
      },
    };
    if (shipped)
      fns.shipped = async () => {
        rt.clear();
        await generateRoutes(shipped, ods, search);
      };
    await generateRoutes(off, ods.slice(0, 2), search);
    await generateRoutes(on, ods.slice(0, 2), search);
    if (shipped) await generateRoutes(shipped, ods.slice(0, 2), search);
    const cmp = await compare(fns, { ...o.timing, warmup: 0 });
    const dests = [...new Set(ods.map((d) => d.dest))];
    rt.clear();
    const t0 = performance.now();
    for (const d of dests) rt.to(d);
    const dijkstraMs = (performance.now() - t0) / dests.length;
    return {
      nOd: ods.length,
      distinctDestinations: dests.length,
      method,
      beam: search.beam ?? 4,
      ms: { off: timingReport(cmp.timings.off), on: timingReport(cmp.timings.on) },
      tripsPerSec: { off: throughput(cmp.timings.off, ods.length).median, on: throughput(cmp.timings.on, ods.length).median },
      onOverOff: ratioReport(ratioOf(cmp, 'on', 'off')),
      sameRoutes: routes.off === routes.on,
      dijkstraMsPerDestination: dijkstraMs,
      ...(o.shipped
        ? {
            shipped: {
              source: o.shipped.source,
              ms: timingReport(cmp.timings.shipped),
              tripsPerSec: throughput(cmp.timings.shipped, ods.length).median,
              overOff: ratioReport(ratioOf(cmp, 'shipped', 'off')),
            },
          }
        : {}),
    };
  } finally {
    off.dispose();
    on.dispose();
    shipped?.dispose();
    twin.dispose();
  }
}

/** `base` with the route features on and a zero route part in nav/k: it scores exactly as `base`. */
function routeTwin(base: Student, derived: Derived, spec: RouteFeatureSpec): Student {
  const c = base.config;
  const twin = new Student(derived, { ...c, routeFeatures: spec, freezeEncoders: true }, 1);
  const w = base.getWeights();
  const rows = roadDimOf(c) + 2 * c.metricDim;
  const navK = new Float32Array((rows + c.metricDim) * c.navDim);
  navK.set(w['nav/k/w']); // [rows, navDim] first; the route rows stay zero
  const own = twin.getWeights();
  twin.setWeights({ ...w, 'nav/k/w': navK, 'nav/metricRoute/w': own['nav/metricRoute/w'], 'nav/metricRoute/b': own['nav/metricRoute/b'] });
  return twin;
}
