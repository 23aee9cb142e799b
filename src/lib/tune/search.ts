// The λ/τ/w search (thesis §4.3): CMA-ES proposes, successive halving prunes, on an objective
// to minimise: the val decision NLL (the thesis's choice) or a generation objective on val OD pairs
// (eval/odObjective.ts; the caller's runner computes it). Framework-free: the caller supplies
// the trial runner (the CLI trains in Node; a worker could train in the browser) and stores the log.
//
// Trial 0 is vanilla (λ = 0): the reference, never pruned. Trials 1… come from CMA-ES over the
// unit cube of space.ts. A trial trains rung by rung (budgets from successiveHalving.ts); after each
// rung it continues only if successive halving promotes it. A finished or pruned trial is told to
// CMA-ES with the value it reached (a pruned trial's NLL, reached on a smaller budget, is higher,
// so it ranks below the trials that went on; a generation objective need not fall with epochs).
//
// Resumable: every rung and every trial end is appended to a log. Re-running with the log replays
// CMA-ES and the halving decisions (both deterministic) and carries on where the log stops; the
// runner picks up a trial it was training from its own saved state.
import { configDiff } from '../checkpoint/checkpoint';
import { CmaEs, type CmaCandidate } from './cmaes';
import { decodeParams, windowToJson, type DistillParams, type KlMaskChoice } from './space';
import { SuccessiveHalving, type HalvingOptions } from './successiveHalving';

export interface SearchSettings extends HalvingOptions {
  /** Seed of CMA-ES's sampling. */
  searchSeed: number;
  /** CMA-ES initial step size in the unit cube. */
  sigma0: number;
  /** Also search the KL mask (a fourth dimension, space.ts KL_MASKS); absent in searches without it. */
  tuneMask?: boolean;
}

export const DEFAULT_SEARCH: SearchSettings = { searchSeed: 1, sigma0: 0.25, minBudget: 1, maxBudget: 9, eta: 3 };

/** Parameters as JSON: vanilla has λ = 0 and no τ or w; the whole prefix is w = "all". */
export interface TrialParamsJson {
  lambda: number;
  tau: number | null;
  window: number | 'all' | null;
  /** Only in searches that tune the KL mask (null for vanilla there). */
  mask?: KlMaskChoice | null;
}

export type TuneLogEntry =
  | { type: 'start'; settings: SearchSettings; context: Record<string, unknown>; created: string }
  | {
      type: 'rung';
      trial: number;
      u: number[] | null;
      params: TrialParamsJson;
      rung: number;
      budget: number;
      value: number;
      seconds: number;
    }
  | { type: 'end'; trial: number; pruned: boolean; budget: number; value: number; stopped?: string };

export interface TrainResult {
  /** The objective (lower is better): the best val decision NLL over the epochs trained so far, or the runner's own. */
  value: number;
  /** Epochs trained (below the asked budget when training stopped early). */
  budget: number;
  /** Why training stopped before the budget (early stopping, divergence). */
  stopped?: string;
}

export interface TrialRunner {
  /**
   * Trains `trial` up to `budget` epochs in all, continuing its earlier training when the runner
   * holds its state. `params` null is vanilla.
   */
  train(trial: number, params: DistillParams | null, budget: number): Promise<TrainResult>;
  /** The trial is over: drop any state kept for it. */
  release(trial: number): Promise<void>;
}

export interface TrialSummary {
  trial: number;
  lambda: number;
  tau: number | null;
  window: number | 'all' | null;
  mask?: KlMaskChoice | null;
  /** Epochs reached. */
  budget: number;
  /** The objective at the last rung (lower is better); null where it was not finite. */
  value: number | null;
  pruned: boolean;
  done: boolean;
  rungs: { budget: number; value: number | null }[];
  seconds: number;
  stopped?: string;
}

function paramsJson(p: DistillParams | null, tuneMask: boolean): TrialParamsJson {
  const j: TrialParamsJson = p ? { lambda: p.lambda, tau: p.tau, window: windowToJson(p.window) } : { lambda: 0, tau: null, window: null };
  if (tuneMask) j.mask = p?.mask ?? null;
  return j;
}

const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

export class TuningSearch {
  readonly settings: SearchSettings;
  private readonly log: TuneLogEntry[];
  private readonly append: (e: TuneLogEntry) => Promise<void>;
  private readonly context: Record<string, unknown>;

  /**
   * `log` is what an earlier run appended (empty for a new search); `append` stores a new entry.
   * A log started with other settings or another context (dataset, teacher, base
   * hyperparameters) is refused, naming the differences.
   */
  constructor(settings: SearchSettings, context: Record<string, unknown>, log: TuneLogEntry[], append: (e: TuneLogEntry) => Promise<void>) {
    this.settings = { ...settings };
    this.context = context;
    this.log = log.slice();
    this.append = async (e) => {
      this.log.push(e);
      await append(e);
    };
    const start = this.log[0];
    if (start) {
      if (start.type !== 'start') throw new Error('the trial log does not begin with a start entry');
      const diffs = [
        ...configDiff(start.settings, this.settings).map((d) => `setting ${d}`),
        ...configDiff(start.context, context).map((d) => `context ${d}`),
      ];
      if (diffs.length)
        throw new Error(
          `the trial log was started with other settings: ${diffs.join('; ')} (log vs now); use another --log or the same flags`,
        );
    }
  }

  /** Every trial in the log so far. */
  summaries(): TrialSummary[] {
    const byTrial = new Map<number, TrialSummary>();
    for (const e of this.log) {
      if (e.type === 'rung') {
        const s = byTrial.get(e.trial) ?? {
          trial: e.trial,
          ...e.params,
          budget: 0,
          value: null,
          pruned: false,
          done: false,
          rungs: [],
          seconds: 0,
        };
        s.rungs.push({ budget: e.budget, value: jsonNumber(e.value) });
        s.budget = e.budget;
        s.value = jsonNumber(e.value);
        s.seconds += e.seconds;
        byTrial.set(e.trial, s);
      } else if (e.type === 'end') {
        const s = byTrial.get(e.trial);
        if (!s) continue;
        s.done = true;
        s.pruned = e.pruned;
        s.budget = e.budget;
        s.value = jsonNumber(e.value);
        if (e.stopped) s.stopped = e.stopped;
      }
    }
    return [...byTrial.values()].sort((a, b) => a.trial - b.trial);
  }

  /**
   * Runs trials 0…trials−1, skipping what the log already holds. `shouldStop` is checked between
   * rungs (the log stays resumable); `onTrial` hears each finished trial.
   */
  async run(
    trials: number,
    runner: TrialRunner,
    hooks: { onTrial?(s: TrialSummary): void | Promise<void>; shouldStop?(): boolean } = {},
  ): Promise<TrialSummary[]> {
    if (!(Number.isInteger(trials) && trials >= 1)) throw new Error(`--trials must be a whole number ≥ 1, got ${trials}`);
    const st = this.settings;
    if (this.log.length === 0) await this.append({ type: 'start', settings: st, context: this.context, created: new Date().toISOString() });
    const dims = st.tuneMask ? 4 : 3;
    const cma = new CmaEs({
      mean: new Array<number>(dims).fill(0.5),
      sigma: st.sigma0,
      seed: st.searchSeed,
      lower: new Array<number>(dims).fill(0),
      upper: new Array<number>(dims).fill(1),
    });
    const sh = new SuccessiveHalving(st);
    const logged = (trial: number) => ({
      rungs: this.log.filter((e): e is Extract<TuneLogEntry, { type: 'rung' }> => e.type === 'rung' && e.trial === trial),
      end: this.log.find((e): e is Extract<TuneLogEntry, { type: 'end' }> => e.type === 'end' && e.trial === trial),
    });
    for (let trial = 0; trial < trials; trial++) {
      let cand: CmaCandidate | null = null;
      let params: DistillParams | null = null;
      if (trial > 0) {
        cand = cma.ask();
        params = decodeParams(cand.x);
      }
      const { rungs, end } = logged(trial);
      for (const r of rungs) {
        if (cand && (!r.u || r.u.some((v, i) => Math.abs(v - cand.x[i]) > 1e-9))) {
          throw new Error(
            `trial ${trial} in the log was proposed differently (logged u ${JSON.stringify(r.u)}, now ${JSON.stringify(cand.x)}): the log comes from another version of the search`,
          );
        }
        sh.record(trial, r.rung, r.value);
      }
      if (end) {
        if (cand) cma.tell(cand, end.value);
        continue;
      }
      if (hooks.shouldStop?.()) break;
      let rung = rungs.length;
      let last = rungs.at(-1);
      let finished: { pruned: boolean; budget: number; value: number; stopped?: string } | null = null;
      // A trial whose last logged rung already decides its fate (the run stopped before the end entry).
      if (last && (last.rung >= sh.lastRung || (trial > 0 && !sh.promotes(trial, last.rung)))) {
        finished = { pruned: last.rung < sh.lastRung, budget: last.budget, value: last.value };
      }
      while (!finished) {
        if (hooks.shouldStop?.()) break;
        const budget = sh.budgets[rung];
        const t0 = Date.now();
        const res = await runner.train(trial, params, budget);
        const entry: TuneLogEntry = {
          type: 'rung',
          trial,
          u: cand ? cand.x : null,
          params: paramsJson(params, st.tuneMask === true),
          rung,
          budget: res.budget,
          value: res.value,
          seconds: (Date.now() - t0) / 1000,
        };
        await this.append(entry);
        sh.record(trial, rung, res.value);
        last = entry;
        if (res.budget < budget || rung >= sh.lastRung)
          finished = { pruned: false, budget: res.budget, value: res.value, stopped: res.stopped };
        else if (trial > 0 && !sh.promotes(trial, rung)) finished = { pruned: true, budget: res.budget, value: res.value };
        else rung++;
      }
      if (!finished) break;
      await this.append({ type: 'end', trial, ...finished });
      await runner.release(trial);
      if (cand) cma.tell(cand, finished.value);
      const s = this.summaries().find((x) => x.trial === trial);
      if (s) await hooks.onTrial?.(s);
    }
    return this.summaries();
  }
}

/**
 * Entries of a JSONL trial log. A last line cut short (the process died while appending) is left
 * out and reported as `cut`, so the caller can rewrite the file without it; damage anywhere else
 * is an error.
 */
export function parseTrialLog(text: string, name = 'trial log'): { entries: TuneLogEntry[]; cut: boolean } {
  const lines = text.split('\n').filter((l) => l.trim());
  const entries: TuneLogEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      entries.push(JSON.parse(lines[i]) as TuneLogEntry);
    } catch {
      if (i < lines.length - 1) throw new Error(`${name}:${i + 1} is not valid JSON; the log is damaged`);
      return { entries, cut: true };
    }
  }
  return { entries, cut: false };
}
