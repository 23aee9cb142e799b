// What the Compare view draws from routes the eval worker computed on demand (odRoutes.svelte.ts):
// the selected pair's route baselines, and for an OD pair of a routes file that the report's
// sample lacks, a route-card entry whose students' routes arrive when generated.
import { baselineStyle, type BaselineStyle } from './compareLayers';
import type { GeneratedRoute, OdRoute, OdSplit } from './reportTypes';
import type { OdGeneratedRoute, OdRoutesResult } from '../../../workers/evalMessages';
import { odKey, type OdRoutesStore } from './odRoutes.svelte';

/** An OD pair selected from a routes file, outside the report's route sample. */
export interface ExtraOd {
  split: OdSplit;
  origin: number;
  dest: number;
  startTime: number;
  realTripIds: string[];
}

const NOT_YET: GeneratedRoute = { roads: [], times: [], reached: false, dtwKm: null, hausdorffKm: null };

function asRoute(r: OdGeneratedRoute | undefined): GeneratedRoute {
  return r ? { roads: r.roads, times: r.times, reached: r.reached, dtwKm: r.dtwKm, hausdorffKm: r.hausdorffKm } : NOT_YET;
}

/** The route card's pair for `od`: index −1 (in no list), students empty until `result` holds them. */
export function extraOdRoute(od: ExtraOd, result: OdRoutesResult | null): OdRoute {
  const student = (name: string) => result?.routes.find((r) => r.kind === 'student' && r.name === name);
  return { index: -1, ...od, vanilla: asRoute(student('vanilla')), distilled: asRoute(student('distilled')) };
}

export interface BaselinesOfOd {
  routes: (OdGeneratedRoute & { style: BaselineStyle })[];
  /** Computing, or why the baselines (or a file pair's students) are missing; null when all is there. */
  note: string | null;
}

/** The baselines computed for `route`'s pair, styled in the worker's order (BASELINE_METHODS). */
export function onDemandBaselines(route: OdRoute | null, store: OdRoutesStore): BaselinesOfOd {
  if (!route) return { routes: [], note: null };
  const result = store.of(route);
  if (!result) {
    const note =
      store.busy === odKey(route)
        ? route.index < 0
          ? 'Generating the students’ and baselines’ routes…'
          : 'Computing the baselines…'
        : store.error
          ? `Routes not computed: ${store.error}`
          : null;
    return { routes: [], note };
  }
  const routes = result.routes.filter((r) => r.kind === 'baseline').map((r, i) => ({ ...r, style: baselineStyle(r.name, i) }));
  const failed = result.failed.map((f) => `${f.name}: ${f.reason}`).join('; ');
  return { routes, note: failed ? `Students not generated (${failed})` : null };
}
