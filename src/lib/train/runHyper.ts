// The run settings every kind of training session has (epochs, batch, learning rate, seed,
// patience) and their clamping: plain data, tfjs-free, so the page can fill in and clamp settings
// with the same rules as the sessions (steppedSession.ts) that run them.

/** The run settings every kind of session has. */
export interface RunHyper {
  epochs: number;
  /** Sequences (trips) per optimiser step. */
  batch: number;
  lr: number;
  seed: number;
  /** Early stopping after this many epochs without a better validation score (0: run all epochs). */
  patience: number;
}

/** A positive integer (floored), or `fallback`. */
export function posInt(v: number, fallback: number): number {
  return Number.isFinite(v) && v >= 1 ? Math.floor(v) : fallback;
}

/**
 * `defaults` overridden by what `h` sets for their keys, with the shared run settings clamped to
 * values the trainers accept. Only the known keys: a checkpoint's hyper also records e.g.
 * `weights: "best epoch 3"`, which must not make a resumed run look like different settings.
 */
export function normaliseRun<H extends RunHyper>(defaults: H, h: Partial<H>): H {
  const o = { ...defaults };
  for (const k of Object.keys(defaults) as (keyof H)[]) {
    const v = h[k];
    if (v !== undefined) o[k] = v as H[keyof H];
  }
  o.epochs = posInt(o.epochs, defaults.epochs);
  o.batch = posInt(o.batch, defaults.batch);
  o.seed = Number.isFinite(o.seed) ? Math.floor(o.seed) : defaults.seed;
  o.patience = Number.isFinite(o.patience) && o.patience > 0 ? Math.floor(o.patience) : 0;
  if (!(o.lr > 0)) o.lr = defaults.lr;
  return o;
}
