// The distillation recipes the app, the CLI and the teaching view start from, and the default
// optimiser batch: one place, so that a form, a flag default and a tour step cannot disagree.

/** λ, τ and w of one distillation recipe (eq. 9, 4 and Alg. 1 of the thesis). */
export interface Recipe {
  lambda: number;
  tau: number;
  window: number;
}

/** The thesis's optimum (found on Beijing). */
export const THESIS_RECIPE: Recipe = { lambda: 0.0014, tau: 4.37, window: 7 };

/** λ/τ/w presets of the Train view, in the order shown. */
export const HYPER_PRESETS = {
  thesis: { label: 'Thesis optimum', ...THESIS_RECIPE },
  portoCode: { label: 'Porto (thesis code)', lambda: 0.00644, tau: 2.8, window: 4 },
  // `tune` on val at 10 % of the Porto train trips (public/reports/porto-tuning.json); the shipped
  // distilled student's recipe.
  tuned: { label: 'Tuned here (shipped)', lambda: 0.304, tau: 4.41, window: 6 },
} as const satisfies Record<string, Recipe & { label: string }>;

/** Trips per optimiser step when a caller does not choose. */
export const DEFAULT_BATCH = 64;
/** Trips per forward/backward pass: larger steps accumulate gradients over micro-batches of this size. */
export const DEFAULT_MICRO_BATCH = 64;
