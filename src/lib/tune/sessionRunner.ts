// Trains tuning trials with the ordinary TrainingSession (the same trainer, val decision NLL and
// checkpoints as `train student` and the Train view); a rung's value is the val decision NLL or a
// caller's objective (rungValue). One trial is kept live between its rungs;
// after each rung its state (weights, optimiser, position, history) goes to a store, so that a
// resumed search continues a half-trained trial instead of starting it again.
import type { Derived } from '../data/derivedTypes';
import type { Dataset } from '../data/types';
import type { StudentConfig } from '../models/studentConfig';
import { TrainingSession } from '../train/session';
import type { SessionHyper } from '../train/sessionHyper';
import type { NextCellTeacher } from '../train/studentTrainer';
import type { TrainResult, TrialRunner } from './search';
import type { DistillParams } from './space';

/** Where a trial's state is kept between rungs (files in the CLI). */
export interface TrialStateStore {
  load(trial: number): Promise<Uint8Array | null>;
  save(trial: number, bytes: Uint8Array): Promise<void>;
  remove(trial: number): Promise<void>;
}

export interface SessionRunnerInit {
  dataset: Dataset;
  derived: Derived;
  /** Needed for distilled trials. */
  teacher?: NextCellTeacher;
  /** Everything but mode, λ, τ, w and epochs, which each trial sets. */
  base: SessionHyper;
  /** Epochs of the last rung: every trial's schedule (warm-up, decay) spans this many. */
  maxBudget: number;
  store: TrialStateStore;
  /** Fill the teacher cache up front with synchronous reads (Node / cpu / wasm only). */
  precomputeTeacher?: boolean;
  /** Overrides of the size preset (tests use a tiny model). */
  studentConfig?: Partial<StudentConfig>;
  /**
   * The rung's value from the trial's weights as they are after the rung (lower is better), e.g.
   * a generation objective on val OD pairs (eval/odObjective.ts). Without it, the value is the
   * lowest val decision NLL over the epochs trained so far.
   */
  rungValue?: (session: TrainingSession) => Promise<number>;
  log?: (s: string) => void;
}

/** The session hyperparameters of one trial (params null: vanilla). */
export function trialHyper(base: SessionHyper, params: DistillParams | null, maxBudget: number): SessionHyper {
  if (!params) return { ...base, mode: 'vanilla', lambda: 0, epochs: maxBudget };
  const h: SessionHyper = { ...base, mode: 'distilled', lambda: params.lambda, tau: params.tau, window: params.window, epochs: maxBudget };
  if (params.mask) Object.assign(h, { klMaskLastSteps: params.mask.lastSteps, klMaskIndistinct: params.mask.indistinct });
  return h;
}

export class SessionTrialRunner implements TrialRunner {
  private live: { trial: number; session: TrainingSession } | null = null;

  constructor(private readonly init: SessionRunnerInit) {}

  async train(trial: number, params: DistillParams | null, budget: number): Promise<TrainResult> {
    const session = await this.sessionFor(trial, params);
    const t = session.trainer;
    while (!t.done && t.currentEpoch < budget) {
      if (!(await session.step())) break;
    }
    const reached = t.currentEpoch;
    const nll = t.history
      .filter((h) => h.epoch < budget)
      .map((h) => h.valNllDecision)
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const value = this.init.rungValue ? await this.init.rungValue(session) : nll.length ? Math.min(...nll) : NaN;
    const stopped = reached < budget ? (t.stopReason ?? (t.earlyStopped ? `early stopping after epoch ${reached}` : 'stopped')) : undefined;
    if (!t.done && reached < this.init.maxBudget) await this.init.store.save(trial, (await session.save({ optimizer: true })).bytes);
    return { value, budget: reached, stopped };
  }

  async release(trial: number): Promise<void> {
    if (this.live?.trial === trial) this.dropLive();
    await this.init.store.remove(trial);
  }

  dispose(): void {
    this.dropLive();
  }

  private dropLive(): void {
    this.live?.session.dispose();
    this.live = null;
  }

  private async sessionFor(trial: number, params: DistillParams | null): Promise<TrainingSession> {
    if (this.live?.trial === trial) return this.live.session;
    this.dropLive();
    const i = this.init;
    if (params && !i.teacher) throw new Error('distilled trials need a teacher');
    const session = new TrainingSession({
      dataset: i.dataset,
      derived: i.derived,
      teacher: params ? i.teacher : undefined,
      hyper: trialHyper(i.base, params, i.maxBudget),
      studentConfig: i.studentConfig,
      minEmitMs: 60_000,
      yieldFn: () => Promise.resolve(),
    });
    try {
      const saved = await i.store.load(trial);
      if (saved) {
        session.loadCheckpoint(saved);
        i.log?.(`trial ${trial}: resumed after epoch ${session.trainer.currentEpoch}`);
      }
      if (params && i.precomputeTeacher) session.trainer.precomputeTeacher();
    } catch (e) {
      session.dispose();
      throw e;
    }
    this.live = { trial, session };
    return session;
  }
}
