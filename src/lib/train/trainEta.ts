// How long a run has left, from its measured pace: a smoothed seconds-per-step (StepPace) and the
// epoch's and the run's remaining steps (trainEta). The Train view shows both; tfjs-free, so the
// page imports it.

/**
 * Seconds per optimiser step, smoothed over about the last `span` steps (an exponential mean
 * weighted by the steps each metrics record covers). A record covering one slow step (an
 * autosave, a val check) moves it by about 1/span of the gap, so steps/s no longer jumps
 * 0.08 ↔ 0.59 from one record to the next.
 */
export class StepPace {
  private mean: number | null = null;

  constructor(private readonly span = 8) {}

  /** Adds a record of `steps` steps at `stepsPerSec` (records with no finite pace are skipped). */
  add(stepsPerSec: number, steps = 1): void {
    if (!(stepsPerSec > 0) || !Number.isFinite(stepsPerSec) || !(steps > 0)) return;
    const s = 1 / stepsPerSec;
    if (this.mean === null) {
      this.mean = s;
      return;
    }
    const a = 1 - Math.pow(1 - 1 / this.span, steps);
    this.mean += a * (s - this.mean);
  }

  reset(): void {
    this.mean = null;
  }

  /** Smoothed seconds per step, null before the first record. */
  get secondsPerStep(): number | null {
    return this.mean;
  }

  get stepsPerSec(): number | null {
    return this.mean === null ? null : 1 / this.mean;
  }
}

export interface EtaInput {
  /** Optimiser steps done in the run. */
  step: number;
  stepsPerEpoch: number;
  epochs: number;
  secondsPerStep: number | null;
}

export interface Eta {
  /** Steps done in the epoch in progress, and seconds until it ends. */
  stepInEpoch: number;
  epochSeconds: number;
  /** Seconds until the last epoch ends (early stopping may end the run sooner). */
  runSeconds: number;
}

/** Time left in the epoch and in the run at the measured pace; null without a pace or a schedule. */
export function trainEta(i: EtaInput): Eta | null {
  if (i.secondsPerStep === null || !(i.secondsPerStep > 0) || !(i.stepsPerEpoch > 0) || !(i.epochs > 0)) return null;
  const total = i.stepsPerEpoch * i.epochs;
  const done = Math.min(Math.max(0, i.step), total);
  const stepInEpoch = done % i.stepsPerEpoch;
  const leftInEpoch = done >= total ? 0 : i.stepsPerEpoch - stepInEpoch;
  return { stepInEpoch, epochSeconds: leftInEpoch * i.secondsPerStep, runSeconds: (total - done) * i.secondsPerStep };
}

/** "45 s", "3 min 20 s", "1 h 05 min": a duration for reading. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r === 0 || m >= 10 ? `${m} min` : `${m} min ${r} s`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}
