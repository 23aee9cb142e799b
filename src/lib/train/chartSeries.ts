// Column arrays for the live charts (uPlot's aligned-data layout), fed by metrics and epoch
// records. Bounded: past MAX_POINTS every other plain point is dropped (epoch points are kept), so
// a long run never slows the page down. The training worker keeps the same series as the page and
// saves their columns with each autosave, so a resumed run gets its charts back.
import type { SessionMetrics } from './session';
import type { EpochRecord } from './studentTrainer';
import type { TeacherSessionEpoch, TeacherSessionMetrics } from './teacherSession';
import type { ValPoint } from './valCheck';

export const MAX_POINTS = 3000;

export type Col = (number | null)[];

/** A MetricSeries as plain arrays (structured-clonable: stored in IndexedDB, posted to the page). */
export interface MetricColumns {
  step: number[];
  ce: Col;
  kl: Col;
  time: Col;
  total: Col;
  trainAcc: Col;
  valAcc: Col;
  chance: Col;
  chanceLevel: number | null;
  /**
   * Val accuracy on decision steps (≥ 2 candidates) and its chance level: the accuracy the README and
   * the reports give. Absent in charts saved before it was kept (restored as empty points).
   */
  valDecAcc?: Col;
  decChance?: Col;
  decChanceLevel?: number | null;
  /** Val decision NLL (the reports' NLL, the early-stopping metric). Absent in charts saved before it was kept. */
  valDecNll?: Col;
  /** The early val points on the fixed val subset (valCheck.ts): decision accuracy and NLL. Absent in older charts. */
  subDecAcc?: Col;
  subDecNll?: Col;
}

/** A TeacherSeries as plain arrays. */
export interface TeacherColumns {
  step: number[];
  train: Col;
  val: Col;
}

/** Columns read back from storage: each one present and as long as `step`. */
function wellFormed(c: object, names: readonly string[]): boolean {
  const rec = c as Record<string, unknown>;
  const step = rec.step;
  return Array.isArray(step) && names.every((n) => Array.isArray(rec[n]) && (rec[n] as unknown[]).length === step.length);
}

/**
 * The indices a series keeps once it passes MAX_POINTS: every other point, every epoch point
 * (`isEpoch`) and the last; null while it is shorter.
 */
function thinned(length: number, isEpoch: (i: number) => boolean): number[] | null {
  if (length <= MAX_POINTS) return null;
  const keep: number[] = [];
  for (let i = 0; i < length; i++) if (i % 2 === 0 || isEpoch(i) || i === length - 1) keep.push(i);
  return keep;
}

const finiteOrNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

const pick = <T>(a: T[], keep: number[]): T[] => keep.map((i) => a[i]);

export class MetricSeries {
  step: number[] = [];
  ce: Col = [];
  kl: Col = [];
  time: Col = [];
  total: Col = [];
  trainAcc: Col = [];
  valAcc: Col = [];
  chance: Col = [];
  valDecAcc: Col = [];
  decChance: Col = [];
  valDecNll: Col = [];
  subDecAcc: Col = [];
  subDecNll: Col = [];
  private chanceLevel: number | null = null;
  private decChanceLevel: number | null = null;
  private lastStep = 0;

  clear(): void {
    for (const c of [
      this.step,
      this.ce,
      this.kl,
      this.time,
      this.total,
      this.trainAcc,
      this.valAcc,
      this.chance,
      this.valDecAcc,
      this.decChance,
      this.valDecNll,
      this.subDecAcc,
      this.subDecNll,
    ])
      c.length = 0;
    this.chanceLevel = null;
    this.decChanceLevel = null;
    this.lastStep = 0;
  }

  get length(): number {
    return this.step.length;
  }

  /** Copies of the columns (the series goes on changing). */
  columns(): MetricColumns {
    return {
      step: [...this.step],
      ce: [...this.ce],
      kl: [...this.kl],
      time: [...this.time],
      total: [...this.total],
      trainAcc: [...this.trainAcc],
      valAcc: [...this.valAcc],
      chance: [...this.chance],
      chanceLevel: this.chanceLevel,
      valDecAcc: [...this.valDecAcc],
      decChance: [...this.decChance],
      decChanceLevel: this.decChanceLevel,
      valDecNll: [...this.valDecNll],
      subDecAcc: [...this.subDecAcc],
      subDecNll: [...this.subDecNll],
    };
  }

  /** Replaces the series with saved columns; false (series unchanged) when they are malformed. */
  restore(c: MetricColumns): boolean {
    if (!wellFormed(c, ['ce', 'kl', 'time', 'total', 'trainAcc', 'valAcc', 'chance'])) return false;
    this.step = [...c.step];
    this.ce = [...c.ce];
    this.kl = [...c.kl];
    this.time = [...c.time];
    this.total = [...c.total];
    this.trainAcc = [...c.trainAcc];
    this.valAcc = [...c.valAcc];
    this.chance = [...c.chance];
    this.chanceLevel = typeof c.chanceLevel === 'number' ? c.chanceLevel : null;
    const sameLength = (col: Col | undefined): Col => (col && col.length === c.step.length ? [...col] : c.step.map(() => null));
    this.valDecAcc = sameLength(c.valDecAcc);
    this.decChance = sameLength(c.decChance);
    this.valDecNll = sameLength(c.valDecNll);
    this.subDecAcc = sameLength(c.subDecAcc);
    this.subDecNll = sameLength(c.subDecNll);
    this.decChanceLevel = typeof c.decChanceLevel === 'number' ? c.decChanceLevel : null;
    this.lastStep = this.step.at(-1) ?? 0;
    return true;
  }

  pushMetrics(m: SessionMetrics): void {
    const fin = (v: number) => (Number.isFinite(v) ? v : null);
    const n = this.step.length;
    if (n > 0 && this.step[n - 1] === m.step && this.ce[n - 1] === null && this.total[n - 1] === null) {
      // The step's val point came first (its metrics were still held by the throttle): one row.
      this.ce[n - 1] = fin(m.ce);
      this.kl[n - 1] = fin(m.kl);
      this.time[n - 1] = fin(m.time);
      this.total[n - 1] = fin(m.total);
      this.trainAcc[n - 1] = fin(m.trainAcc);
      return;
    }
    this.step.push(m.step);
    this.ce.push(fin(m.ce));
    this.kl.push(fin(m.kl));
    this.time.push(fin(m.time));
    this.total.push(fin(m.total));
    this.trainAcc.push(fin(m.trainAcc));
    this.valAcc.push(null);
    this.valDecAcc.push(null);
    this.valDecNll.push(null);
    this.subDecAcc.push(null);
    this.subDecNll.push(null);
    if (m.valChanceAcc !== undefined && Number.isFinite(m.valChanceAcc)) this.chanceLevel = m.valChanceAcc;
    this.chance.push(this.chanceLevel);
    this.decChance.push(this.decChanceLevel);
    this.lastStep = m.step;
    this.trim();
  }

  /** An early val point (the fixed val subset, valCheck.ts) at its step. */
  pushValPoint(p: ValPoint): void {
    if (Number.isFinite(p.valChanceAccDecision) && this.decChanceLevel === null) {
      this.decChanceLevel = p.valChanceAccDecision;
      for (let i = 0; i < this.decChance.length; i++) this.decChance[i] = this.decChanceLevel;
    }
    const n = this.step.length;
    if (n === 0 || this.step[n - 1] !== p.step) {
      this.step.push(p.step);
      for (const c of [this.ce, this.kl, this.time, this.total, this.trainAcc, this.valAcc, this.valDecAcc, this.valDecNll]) c.push(null);
      this.chance.push(this.chanceLevel);
      this.decChance.push(this.decChanceLevel);
      this.subDecAcc.push(null);
      this.subDecNll.push(null);
    }
    const i = this.step.length - 1;
    this.subDecAcc[i] = finiteOrNull(p.valAccDecision);
    this.subDecNll[i] = finiteOrNull(p.valNllDecision);
    this.lastStep = p.step;
    this.trim();
  }

  /**
   * Adds an epoch's validation point at its last step (`step`; when absent or `replay`, the
   * cumulative step count from the records' `steps`). `replay` also plots the epoch's mean losses.
   */
  pushEpoch(rec: EpochRecord & { step?: number }, replay = false): void {
    const step = replay || !rec.step ? this.lastStep + rec.steps : rec.step;
    if (rec.valChanceAcc !== undefined && Number.isFinite(rec.valChanceAcc)) {
      this.chanceLevel = rec.valChanceAcc;
      // Earlier points had no chance level yet: the line spans the whole chart.
      for (let i = 0; i < this.chance.length; i++) this.chance[i] = this.chanceLevel;
    }
    if (rec.valChanceAccDecision !== undefined && Number.isFinite(rec.valChanceAccDecision)) {
      this.decChanceLevel = rec.valChanceAccDecision;
      for (let i = 0; i < this.decChance.length; i++) this.decChance[i] = this.decChanceLevel;
    }
    const n = this.step.length;
    if (!replay && n > 0 && this.step[n - 1] === step) {
      this.valAcc[n - 1] = rec.valAcc ?? null;
      this.chance[n - 1] = this.chanceLevel;
      this.valDecAcc[n - 1] = rec.valAccDecision ?? null;
      this.decChance[n - 1] = this.decChanceLevel;
      this.valDecNll[n - 1] = finiteOrNull(rec.valNllDecision);
    } else {
      this.step.push(step);
      this.ce.push(replay ? rec.ce : null);
      this.kl.push(replay ? rec.kl : null);
      this.time.push(replay ? rec.time : null);
      this.total.push(replay ? rec.total : null);
      this.trainAcc.push(replay ? rec.trainAcc : null);
      this.valAcc.push(rec.valAcc ?? null);
      this.chance.push(this.chanceLevel);
      this.valDecAcc.push(rec.valAccDecision ?? null);
      this.decChance.push(this.decChanceLevel);
      this.valDecNll.push(finiteOrNull(rec.valNllDecision));
      this.subDecAcc.push(null);
      this.subDecNll.push(null);
    }
    this.lastStep = step;
  }

  private trim(): void {
    const keep = thinned(this.step.length, (i) => this.valAcc[i] !== null || this.subDecNll[i] !== null);
    if (!keep) return;
    this.step = pick(this.step, keep);
    this.subDecAcc = pick(this.subDecAcc, keep);
    this.subDecNll = pick(this.subDecNll, keep);
    this.ce = pick(this.ce, keep);
    this.kl = pick(this.kl, keep);
    this.time = pick(this.time, keep);
    this.total = pick(this.total, keep);
    this.trainAcc = pick(this.trainAcc, keep);
    this.valAcc = pick(this.valAcc, keep);
    this.chance = pick(this.chance, keep);
    this.valDecAcc = pick(this.valDecAcc, keep);
    this.decChance = pick(this.decChance, keep);
    this.valDecNll = pick(this.valDecNll, keep);
  }

  lossData(): [number[], Col, Col, Col, Col] {
    return [this.step, this.total, this.ce, this.time, this.kl];
  }

  /**
   * Decision accuracy on val (the reports' accuracy) at epoch ends, on the val subset between them,
   * its chance level, then `refs`: constant lines (the shipped models' val decision accuracy) across
   * the chart. One metric throughout: the train accuracy over all steps (0.85–0.9 within a few steps,
   * since most steps have one way on) would read as if the run had reached the shipped models.
   */
  accData(refs: readonly (number | null)[] = []): [number[], ...Col[]] {
    return [this.step, this.valDecAcc, this.subDecAcc, this.decChance, ...refs.map((r) => this.step.map(() => r))];
  }

  /**
   * Decision NLL on val (the reports' NLL; the best epoch is its lowest) at epoch ends, on the val
   * subset between them, then `refs`: constant lines (the shipped models' val decision NLL).
   */
  nllData(refs: readonly (number | null)[] = []): [number[], ...Col[]] {
    return [this.step, this.valDecNll, this.subDecNll, ...refs.map((r) => this.step.map(() => r))];
  }
}

/**
 * Perplexity columns of a teacher run: the train perplexity of each metrics record (the mean loss
 * since the previous record, exponentiated) and the validation perplexity at each epoch's end.
 */
export class TeacherSeries {
  step: number[] = [];
  train: Col = [];
  val: Col = [];

  clear(): void {
    for (const c of [this.step, this.train, this.val]) c.length = 0;
  }

  columns(): TeacherColumns {
    return { step: [...this.step], train: [...this.train], val: [...this.val] };
  }

  /** Replaces the series with saved columns; false (series unchanged) when they are malformed. */
  restore(c: TeacherColumns): boolean {
    if (!wellFormed(c, ['train', 'val'])) return false;
    this.step = [...c.step];
    this.train = [...c.train];
    this.val = [...c.val];
    return true;
  }

  pushMetrics(m: TeacherSessionMetrics): void {
    this.step.push(m.step);
    this.train.push(Number.isFinite(m.perplexity) ? m.perplexity : null);
    this.val.push(null);
    this.trim();
  }

  /** An epoch's validation point at its last step; `replay` (after a load) also plots its train mean. */
  pushEpoch(rec: TeacherSessionEpoch, replay = false): void {
    const val = Number.isFinite(rec.valPerplexity) ? rec.valPerplexity : null;
    const n = this.step.length;
    if (!replay && n > 0 && this.step[n - 1] === rec.step) {
      this.val[n - 1] = val;
      return;
    }
    this.step.push(rec.step);
    this.train.push(replay && Number.isFinite(rec.trainPerplexity) ? rec.trainPerplexity : null);
    this.val.push(val);
  }

  private trim(): void {
    const keep = thinned(this.step.length, (i) => this.val[i] !== null);
    if (!keep) return;
    this.step = pick(this.step, keep);
    this.train = pick(this.train, keep);
    this.val = pick(this.val, keep);
  }

  data(): [number[], Col, Col] {
    return [this.step, this.train, this.val];
  }
}
