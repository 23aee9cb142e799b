// Successive halving for sequential trials (the asynchronous variant, ASHA: Li et al. 2020, as in
// Optuna's SuccessiveHalvingPruner). Budgets form rungs max·η^-k down to min; a trial that finished
// rung k goes on to rung k+1 only if its value is among the best ⌊n/η⌋ (at least 1) of the n
// values recorded at rung k so far, itself included. Lower values are better. With trials run one
// after another the decision never waits for other trials, and replaying the records in order
// gives the same decisions, so a search log can be resumed.

export interface HalvingOptions {
  /** Budget of the first rung (epochs). */
  minBudget: number;
  /** Budget of the last rung. */
  maxBudget: number;
  /** Reduction factor η > 1: a rung keeps ~1/η of its trials, the next budget is η times larger. */
  eta: number;
}

/**
 * Rung budgets, counted down from the top as in Hyperband: max, max/η, max/η², … (rounded to
 * whole budgets) while at least min; in increasing order.
 */
export function rungBudgets(o: HalvingOptions): number[] {
  if (!(Number.isInteger(o.minBudget) && o.minBudget >= 1)) throw new Error(`min budget must be a whole number ≥ 1, got ${o.minBudget}`);
  if (!(Number.isInteger(o.maxBudget) && o.maxBudget >= o.minBudget))
    throw new Error(`max budget must be a whole number ≥ the min budget ${o.minBudget}, got ${o.maxBudget}`);
  if (!(o.eta > 1)) throw new Error(`the halving rate η must be above 1, got ${o.eta}`);
  const out = new Set<number>();
  for (let b = o.maxBudget; Math.round(b) >= o.minBudget; b /= o.eta) out.add(Math.round(b));
  return [...out].sort((a, b) => a - b);
}

export class SuccessiveHalving {
  readonly budgets: number[];
  private readonly eta: number;
  /** rung → trial → value */
  private readonly rungs: Map<number, number>[];

  constructor(o: HalvingOptions) {
    this.budgets = rungBudgets(o);
    this.eta = o.eta;
    this.rungs = this.budgets.map(() => new Map<number, number>());
  }

  get lastRung(): number {
    return this.budgets.length - 1;
  }

  /** Records `trial`'s value at `rung` (a non-finite value counts as the worst). */
  record(trial: number, rung: number, value: number): void {
    if (rung < 0 || rung >= this.budgets.length) throw new Error(`rung ${rung} does not exist (0…${this.lastRung})`);
    this.rungs[rung].set(trial, Number.isFinite(value) ? value : Infinity);
  }

  /** Whether `trial`, recorded at `rung`, goes on to the next rung (false at the last rung). */
  promotes(trial: number, rung: number): boolean {
    if (rung >= this.lastRung) return false;
    const at = this.rungs[rung];
    const own = at.get(trial);
    if (own === undefined) throw new Error(`trial ${trial} has no value at rung ${rung}`);
    if (own === Infinity) return false;
    const keep = Math.max(1, Math.floor(at.size / this.eta));
    // Rank: strictly better values, then earlier trials on ties.
    let rank = 0;
    for (const [t, v] of at) if (v < own || (v === own && t < trial)) rank++;
    return rank < keep;
  }

  /** Values recorded at a rung (for reports). */
  valuesAt(rung: number): ReadonlyMap<number, number> {
    return this.rungs[rung];
  }
}
