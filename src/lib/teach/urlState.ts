// The teaching view's shareable state: `?view=teach&trip=<id>&step=<n>&tau=<τ>&lambda=<λ>&model=…`.
// `step` in the URL is 1-based, as the screen shows it ("Step 10" is step=10); the state is 0-based.
// Parsing is forgiving (bad values fall back to defaults) so a hand-edited link still opens.
import { HYPER_PRESETS, START_RECIPE } from '../train/recipe';

export type StudentChoice = 'vanilla' | 'distilled';

export interface TeachUrlState {
  trip: string | null;
  /** 0-based step index (the URL carries it 1-based). */
  step: number | null;
  tau: number;
  lambda: number;
  model: StudentChoice;
  /** 1-based tour step to open on, or null. */
  tour: number | null;
}

/** The view opens on the thesis optimum. */
/** Teach starts from the recipe the app starts from (recipe.ts START_RECIPE). */
export const DEFAULT_TAU = HYPER_PRESETS[START_RECIPE].tau;
export const DEFAULT_LAMBDA = HYPER_PRESETS[START_RECIPE].lambda;
export const TAU_RANGE: [number, number] = [0.25, 12];
export const LAMBDA_RANGE: [number, number] = [1e-4, 10];

function num(q: URLSearchParams, key: string): number | null {
  const v = q.get(key);
  if (v === null || v.trim() === '') return null;
  const x = Number(v);
  return Number.isFinite(x) ? x : null;
}

const clamp = (x: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, x));

export function parseTeachUrl(search: string): TeachUrlState {
  const q = new URLSearchParams(search);
  const step = num(q, 'step');
  const tau = num(q, 'tau');
  const lambda = num(q, 'lambda');
  const tour = num(q, 'tour');
  const model = q.get('model');
  return {
    trip: q.get('trip') || null,
    step: step !== null && step >= 1 ? Math.floor(step) - 1 : null,
    tau: tau !== null && tau > 0 ? clamp(tau, TAU_RANGE) : DEFAULT_TAU,
    lambda: lambda !== null && lambda >= 0 ? Math.min(lambda, LAMBDA_RANGE[1]) : DEFAULT_LAMBDA,
    model: model === 'vanilla' || model === 'distilled' ? model : 'vanilla',
    tour: tour !== null && tour >= 1 ? Math.floor(tour) : null,
  };
}

/** `href` with the teach parameters set (other parameters, e.g. view and backend, kept). */
export function teachUrl(href: string, s: Omit<TeachUrlState, 'tour'> & { tour?: number | null }): string {
  const url = new URL(href);
  const p = url.searchParams;
  p.set('view', 'teach');
  if (s.trip !== null) p.set('trip', s.trip);
  else p.delete('trip');
  if (s.step !== null) p.set('step', String(s.step + 1));
  else p.delete('step');
  p.set('tau', String(round(s.tau)));
  p.set('lambda', String(round(s.lambda)));
  p.set('model', s.model);
  if (s.tour) p.set('tour', String(s.tour));
  else p.delete('tour');
  // The whole href: a path-only URL of a page at "//" would read as protocol-relative.
  return url.href;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
