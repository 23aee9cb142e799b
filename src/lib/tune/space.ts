// The distillation search space (thesis §4.3) and its encoding in the unit
// cube that CMA-ES searches: λ on a log scale in [1e-3, 10], τ in [1, 5], w ∈ {2, …, 8, whole
// prefix}. w is an ordered choice: the unit interval is cut into 8 equal parts, one per value.
// Optionally a fourth dimension (issue 22, arm d): where the KL is dropped (KL_MASKS, in order of
// how much it drops), cut the same way.

/** Rows without the KL term: each trip's last `lastSteps` steps, and steps whose candidates share one cell. */
export interface KlMaskChoice {
  lastSteps: number;
  indistinct: boolean;
}

export interface DistillParams {
  lambda: number;
  tau: number;
  /** Teacher window in cells; Infinity is the whole prefix. */
  window: number;
  /** Present when the search tunes the KL mask. */
  mask?: KlMaskChoice;
}

export const KL_MASKS: readonly KlMaskChoice[] = [
  { lastSteps: 0, indistinct: false },
  { lastSteps: 0, indistinct: true },
  { lastSteps: 10, indistinct: false },
  { lastSteps: 10, indistinct: true },
];

export const LAMBDA_RANGE: readonly [number, number] = [1e-3, 10];
export const TAU_RANGE: readonly [number, number] = [1, 5];
export const WINDOWS: readonly number[] = [2, 3, 4, 5, 6, 7, 8, Infinity];

const LOG_LO = Math.log10(LAMBDA_RANGE[0]);
const LOG_HI = Math.log10(LAMBDA_RANGE[1]);

const clamp01 = (u: number): number => Math.min(1, Math.max(0, u));

/** Unit-cube point → parameters (points outside the cube are clamped onto it). */
/** The index of an ordered choice among n for a unit coordinate. */
const choice = (u: number, n: number): number => Math.min(n - 1, Math.floor(clamp01(u) * n));

/** Unit-cube point (3 dimensions, or 4 with the KL mask) → parameters (clamped onto the cube). */
export function decodeParams(u: readonly number[]): DistillParams {
  if (u.length !== 3 && u.length !== 4) throw new Error(`the search space has 3 or 4 dimensions, got ${u.length}`);
  const lambda = 10 ** (LOG_LO + clamp01(u[0]) * (LOG_HI - LOG_LO));
  const tau = TAU_RANGE[0] + clamp01(u[1]) * (TAU_RANGE[1] - TAU_RANGE[0]);
  const p: DistillParams = { lambda, tau, window: WINDOWS[choice(u[2], WINDOWS.length)] };
  if (u.length === 4) p.mask = { ...KL_MASKS[choice(u[3], KL_MASKS.length)] };
  return p;
}

/** Parameters → the unit-cube point (a window's point is the middle of its part). */
export function encodeParams(p: DistillParams): number[] {
  if (!(p.lambda >= LAMBDA_RANGE[0] && p.lambda <= LAMBDA_RANGE[1]))
    throw new Error(`λ ${p.lambda} is outside [${LAMBDA_RANGE.join(', ')}]`);
  if (!(p.tau >= TAU_RANGE[0] && p.tau <= TAU_RANGE[1])) throw new Error(`τ ${p.tau} is outside [${TAU_RANGE.join(', ')}]`);
  const k = WINDOWS.indexOf(p.window);
  if (k < 0) throw new Error(`w ${p.window} is not one of 2…8 or the whole prefix`);
  const u = [
    (Math.log10(p.lambda) - LOG_LO) / (LOG_HI - LOG_LO),
    (p.tau - TAU_RANGE[0]) / (TAU_RANGE[1] - TAU_RANGE[0]),
    (k + 0.5) / WINDOWS.length,
  ];
  if (p.mask) {
    const m = KL_MASKS.findIndex((c) => c.lastSteps === p.mask?.lastSteps && c.indistinct === p.mask.indistinct);
    if (m < 0) throw new Error(`KL mask ${JSON.stringify(p.mask)} is not one of the search's choices`);
    u.push((m + 0.5) / KL_MASKS.length);
  }
  return u;
}

/** JSON form of a window ("all" for the whole prefix; JSON has no Infinity). */
export function windowToJson(w: number): number | 'all' {
  return Number.isFinite(w) ? w : 'all';
}

export function windowFromJson(w: number | 'all'): number {
  return w === 'all' ? Infinity : w;
}
