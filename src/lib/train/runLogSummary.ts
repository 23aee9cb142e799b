// What a set of training runs says about its schedule: per run the best val decision NLL, how many
// epochs it ran and where its learning rate ended, and its compute; per arm the seed spread. The
// studies' patience-3 runs stopped at 82–97 % of their peak rate and their seeds disagreed by
// 0.0208 nats (sd), as much as the effects they measured; this is how a schedule is read against that.
import { DEFAULT_OPTIM, lrAt, withSchedule } from './optim';
import { annealing, STUDENT_WARMUP_RATIO } from './recipe';

/** The parts of a `train student` log (<run>.log.json) read here. */
export interface RunLogLike {
  seed: number;
  hyper: { lr: number; epochs: number; patience?: number };
  epochs: ReadonlyArray<{ epoch: number; seconds: number; steps: number; step?: number; lr?: number; valNllDecision?: number }>;
  bestEpoch: number;
  valNllDecision: number | null;
}

export interface RunSummary {
  seed: number;
  epochsRun: number;
  epochBudget: number;
  bestEpoch: number;
  valNll: number;
  /**
   * The last epoch's lr over the peak: as the log records it, or, for logs written before epochs
   * carried their lr, recomputed from the schedule the trainer ran (warm-up a tenth of the budget,
   * cosine to 0 at its end) at the run's last step.
   */
  lrEndShare: number;
  annealed: boolean;
  lrFrom: 'log' | 'schedule';
  /** Training seconds of all epochs (validation included), in core-hours: one run takes one core. */
  coreHours: number;
}

export interface ArmSummary {
  runs: RunSummary[];
  n: number;
  meanValNll: number;
  /** Sample standard deviation of the best val NLL over seeds (NaN below two runs). */
  sdValNll: number;
  meanCoreHours: number;
  /** Runs that ended annealed. */
  annealed: number;
}

function endOfSchedule(log: RunLogLike): { lrEndShare: number; annealed: boolean; lrFrom: 'log' | 'schedule' } {
  const logged = annealing(log.epochs, log.hyper.lr);
  if (logged.lrEndShare !== null) return { lrEndShare: logged.lrEndShare, annealed: logged.annealed === true, lrFrom: 'log' };
  const perEpoch = log.epochs[0]?.steps ?? 0;
  const last = log.epochs.at(-1)?.step ?? perEpoch * log.epochs.length;
  const cfg = withSchedule({ ...DEFAULT_OPTIM, lr: log.hyper.lr }, perEpoch * log.hyper.epochs, STUDENT_WARMUP_RATIO);
  const share = lrAt(last, cfg) / log.hyper.lr;
  return { lrEndShare: share, annealed: annealing([{ lr: share }], 1).annealed === true, lrFrom: 'schedule' };
}

export function summarizeRun(log: RunLogLike): RunSummary {
  if (log.valNllDecision === null || !Number.isFinite(log.valNllDecision))
    throw new Error(`run seed ${log.seed}: no val decision NLL in its log`);
  return {
    seed: log.seed,
    epochsRun: log.epochs.length,
    epochBudget: log.hyper.epochs,
    bestEpoch: log.bestEpoch,
    valNll: log.valNllDecision,
    ...endOfSchedule(log),
    coreHours: log.epochs.reduce((a, e) => a + (Number.isFinite(e.seconds) ? e.seconds : 0), 0) / 3600,
  };
}

export function summarizeArm(logs: readonly RunLogLike[]): ArmSummary {
  const runs = logs.map(summarizeRun).sort((a, b) => a.seed - b.seed);
  const n = runs.length;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const m = mean(runs.map((r) => r.valNll));
  const sd = n >= 2 ? Math.sqrt(runs.reduce((a, r) => a + (r.valNll - m) ** 2, 0) / (n - 1)) : NaN;
  return {
    runs,
    n,
    meanValNll: m,
    sdValNll: sd,
    meanCoreHours: mean(runs.map((r) => r.coreHours)),
    annealed: runs.filter((r) => r.annealed).length,
  };
}
