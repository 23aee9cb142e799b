// Teacher-forced step evaluation: at every step of every real trip, how much
// probability does a model put on the road actually taken, among the candidate roads? The student
// answers directly (log-softmax over its candidates, models/studentSteps.ts); the teacher answers through ψ exactly as the
// distillation loss sees it: its next-cell probability at each candidate's cell, renormalised over
// the candidates (eq. 3). Whole trips are evaluated (no cropping). Decision steps (≥ 2 candidates)
// are where a model can be right or wrong; the rest have one way on.
//
// Uncertainty comes from a trip-clustered bootstrap: steps of one trip are not independent, so
// whole trips are resampled. The gate asks whether the teacher carries information the student
// lacks: log p_mix ∝ log p_student + β·log q_teacher, β chosen on val, gain measured on test.
import type { Derived } from '../data/derivedTypes';
import type { StepLogProbs } from '../models/studentSteps';
import { tripTeacherWindows, windowChunks, type PreparedTrip } from '../features/studentBatch';
import { teacherRoadCells } from '../models/teacher';
import { teacherProbsAt, type NextCellTeacher } from '../train/teacherProbs';
import { makeRng } from '../random';
import { logSoftmaxInPlace } from '../stats';

/**
 * Teacher log-probabilities over each step's candidates: q at the candidate's ψ cell from the last
 * `window` cells of the prefix, renormalised over the candidates (the distillation loss's q̃).
 * `destOf` gives a destination-conditioned teacher another road as trip i's destination (the
 * swap test: does the teacher use it?).
 */
export async function teacherStepLogProbs(
  teacher: NextCellTeacher,
  derived: Derived,
  prepared: PreparedTrip[],
  window: number,
  chunkRows = 1024,
  destOf?: (trip: number) => number,
): Promise<StepLogProbs> {
  const roadCell = teacherRoadCells(teacher.cfg, derived.grid);
  const collapse = teacher.cfg?.collapse ?? false;
  const raw: Float32Array[] = prepared.map((p) => new Float32Array(p.candOffset[p.steps]));
  const rows: { trip: number; step: number; window: number[] }[] = [];
  prepared.forEach((p, i) =>
    tripTeacherWindows(p, roadCell, window, collapse, teacher.cfg?.destination, destOf?.(i)).forEach((w, s) =>
      rows.push({ trip: i, step: s, window: w }),
    ),
  );
  for (const [r0, r1] of windowChunks(
    rows.map((r) => r.window),
    chunkRows,
  )) {
    const part = rows.slice(r0, r1);
    const picked = teacherProbsAt(
      teacher,
      part.map((r) => r.window),
      part.map((r) => {
        const p = prepared[r.trip];
        return Array.from(p.cands.subarray(p.candOffset[r.step], p.candOffset[r.step + 1]), (road) => roadCell[road]);
      }),
    );
    let vals: Float32Array;
    try {
      vals = (await picked.data()) as Float32Array;
    } finally {
      picked.dispose();
    }
    let j = 0;
    for (const r of part) {
      const p = prepared[r.trip];
      for (let c = p.candOffset[r.step]; c < p.candOffset[r.step + 1]; c++) raw[r.trip][c] = vals[j++];
    }
  }
  // Renormalise over each step's candidates, in log space.
  const logProbs = prepared.map((p, i) => {
    const out = new Float32Array(raw[i].length);
    for (let s = 0; s < p.steps; s++) {
      let z = 0;
      for (let c = p.candOffset[s]; c < p.candOffset[s + 1]; c++) z += raw[i][c];
      const lz = Math.log(z);
      for (let c = p.candOffset[s]; c < p.candOffset[s + 1]; c++) out[c] = Math.log(raw[i][c]) - lz;
    }
    return out;
  });
  return { trips: prepared, logProbs };
}

/** Per-trip sums: what the bootstrap resamples. */
export interface TripStepStats {
  tripId: string;
  steps: number;
  nllSum: number;
  correct: number;
  decisionSteps: number;
  decisionNllSum: number;
  decisionCorrect: number;
  /** Uniform guess over the candidates: expected correct, and NLL sum (log m). */
  uniformCorrect: number;
  uniformNllSum: number;
  /** Decision steps whose candidates all lie in one ψ cell (the teacher cannot tell them apart). */
  sharedCellSteps: number;
  /** Steps whose true next road is not among the candidates (not scored). */
  unscorable: number;
}

/** log-probabilities of a mixture log p + β·log q renormalised over the candidates; β = 0 gives p. */
function mixedLogProbs(p: Float32Array, q: Float32Array | null, beta: number, a: number, b: number): Float64Array {
  const out = new Float64Array(b - a);
  for (let c = a; c < b; c++) out[c - a] = p[c] + (q && beta !== 0 ? beta * q[c] : 0);
  logSoftmaxInPlace(out);
  return out;
}

/**
 * Step `st` of trip `i` under log p + β·log q: its candidate count m, whether the argmax is the
 * true next road (1/0) and the NLL of that road; null when the next road is not a candidate.
 */
function scoreStep(
  lp: StepLogProbs,
  mix: StepLogProbs | null,
  beta: number,
  i: number,
  st: number,
): { m: number; correct: number; nll: number } | null {
  const p = lp.trips[i];
  const a = p.candOffset[st];
  const b = p.candOffset[st + 1];
  const label = p.label[st];
  if (label < 0 || b === a) return null;
  const m = b - a;
  const v = mixedLogProbs(lp.logProbs[i], mix ? mix.logProbs[i] : null, beta, a, b);
  let arg = 0;
  for (let k = 1; k < m; k++) if (v[k] > v[arg]) arg = k;
  return { m, correct: arg === label ? 1 : 0, nll: -v[label] };
}

/** Per-trip statistics of `lp` (optionally mixed with β·`mix`). */
export function tripStepStats(
  ids: string[],
  lp: StepLogProbs,
  roadCell: Int32Array,
  mix: StepLogProbs | null = null,
  beta = 0,
): TripStepStats[] {
  return lp.trips.map((p, i) => {
    const s: TripStepStats = {
      tripId: ids[p.index],
      steps: 0,
      nllSum: 0,
      correct: 0,
      decisionSteps: 0,
      decisionNllSum: 0,
      decisionCorrect: 0,
      uniformCorrect: 0,
      uniformNllSum: 0,
      sharedCellSteps: 0,
      unscorable: 0,
    };
    for (let st = 0; st < p.steps; st++) {
      const scored = scoreStep(lp, mix, beta, i, st);
      if (!scored) {
        s.unscorable++;
        continue;
      }
      const { m, correct: ok, nll } = scored;
      const a = p.candOffset[st];
      const b = p.candOffset[st + 1];
      s.steps++;
      s.nllSum += nll;
      s.correct += ok;
      if (m >= 2) {
        s.decisionSteps++;
        s.decisionNllSum += nll;
        s.decisionCorrect += ok;
        s.uniformCorrect += 1 / m;
        s.uniformNllSum += Math.log(m);
        const cell = roadCell[p.cands[a]];
        let shared = true;
        for (let c = a + 1; c < b && shared; c++) if (roadCell[p.cands[c]] !== cell) shared = false;
        if (shared) s.sharedCellSteps++;
      }
    }
    return s;
  });
}

/** Bands of "decision steps left to the trip's end" (1 = the last step), [from, to] inclusive. */
export const STEPS_TO_END_BANDS: ReadonlyArray<readonly [number, number]> = [
  [1, 1],
  [2, 3],
  [4, 10],
  [11, 30],
  [31, Infinity],
];

export interface StepsToEndRow {
  /** Steps left to the trip's end, this one included: "1" is the final step. */
  band: string;
  decisionSteps: number;
  decisionAcc: number;
  decisionNll: number;
  uniform: { decisionAcc: number; decisionNll: number };
}

/**
 * Decision-step accuracy and NLL by how far the step is from the trip's end (in steps), next to the
 * uniform guess: a model that ignores the destination can be good mid-trip and worse than a guess
 * on the last turns, which the overall average hides.
 */
export function byStepsToEnd(lp: StepLogProbs, bands = STEPS_TO_END_BANDS): StepsToEndRow[] {
  const acc = bands.map(() => ({ n: 0, correct: 0, nll: 0, uCorrect: 0, uNll: 0 }));
  lp.trips.forEach((p, i) => {
    for (let st = 0; st < p.steps; st++) {
      const left = p.steps - st;
      const k = bands.findIndex(([lo, hi]) => left >= lo && left <= hi);
      const scored = k < 0 ? null : scoreStep(lp, null, 0, i, st);
      if (!scored || scored.m < 2) continue;
      const r = acc[k];
      r.n++;
      r.correct += scored.correct;
      r.nll += scored.nll;
      r.uCorrect += 1 / scored.m;
      r.uNll += Math.log(scored.m);
    }
  });
  return bands.map(([lo, hi], k) => ({
    band: lo === hi ? `${lo}` : Number.isFinite(hi) ? `${lo}–${hi}` : `> ${lo - 1}`,
    decisionSteps: acc[k].n,
    decisionAcc: ratio(acc[k].correct, acc[k].n),
    decisionNll: ratio(acc[k].nll, acc[k].n),
    uniform: { decisionAcc: ratio(acc[k].uCorrect, acc[k].n), decisionNll: ratio(acc[k].uNll, acc[k].n) },
  }));
}

export interface StepSummary {
  trips: number;
  steps: number;
  decisionSteps: number;
  acc: number;
  nll: number;
  decisionAcc: number;
  decisionNll: number;
  ci95: { decisionAcc: [number, number]; decisionNll: [number, number] };
  uniform: { decisionAcc: number; decisionNll: number };
  sharedCellShare: number;
  unscorableSteps: number;
}

const ratio = (num: number, den: number): number => (den > 0 ? num / den : NaN);

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/**
 * Trip-clustered bootstrap of ratio statistics: resample trips with replacement, recompute each
 * ratio (Σ numerator / Σ denominator over the resample), take the 2.5th and 97.5th percentiles.
 */
export function clusteredBootstrap(n: number, stats: ((idx: Int32Array) => number)[], resamples = 1000, seed = 7): [number, number][] {
  const rng = makeRng(seed);
  const draws = stats.map(() => new Float64Array(resamples));
  const idx = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let k = 0; k < n; k++) idx[k] = Math.min(n - 1, Math.floor(rng() * n));
    stats.forEach((f, j) => (draws[j][r] = f(idx)));
  }
  return draws.map((d) => {
    d.sort();
    return [percentile(d, 0.025), percentile(d, 0.975)];
  });
}

/**
 * Two models on the same trips: the difference (b − a) of decision accuracy and decision NLL, each a
 * ratio over all decision steps, with a trip-clustered paired bootstrap (one resample of trips moves
 * both models together, so the interval is of the paired difference).
 */
export function pairedTripGap(
  a: readonly TripStepStats[],
  b: readonly TripStepStats[],
  resamples = 1000,
): { trips: number; decisionSteps: number; decisionAcc: PairedGap; decisionNll: PairedGap } {
  if (a.length !== b.length || a.some((t, i) => t.tripId !== b[i].tripId || t.decisionSteps !== b[i].decisionSteps))
    throw new Error('the two models were not scored on the same trips and steps');
  const sum = (per: readonly TripStepStats[], k: 'decisionCorrect' | 'decisionNllSum' | 'decisionSteps', idx?: Int32Array): number => {
    let s = 0;
    if (idx) for (let j = 0; j < idx.length; j++) s += per[idx[j]][k];
    else for (const t of per) s += t[k];
    return s;
  };
  const gap = (k: 'decisionCorrect' | 'decisionNllSum', idx?: Int32Array): number => {
    const n = sum(a, 'decisionSteps', idx);
    return ratio(sum(b, k, idx), n) - ratio(sum(a, k, idx), n);
  };
  const [accCi, nllCi] = clusteredBootstrap(
    a.length,
    [(idx) => gap('decisionCorrect', idx), (idx) => gap('decisionNllSum', idx)],
    resamples,
  );
  const n = sum(a, 'decisionSteps');
  const side = (k: 'decisionCorrect' | 'decisionNllSum', ci: [number, number]): PairedGap => ({
    a: ratio(sum(a, k), n),
    b: ratio(sum(b, k), n),
    diff: gap(k),
    ci95: ci,
  });
  return { trips: a.length, decisionSteps: n, decisionAcc: side('decisionCorrect', accCi), decisionNll: side('decisionNllSum', nllCi) };
}

/** One metric of two models on the same trips: each side's value, b − a, and its 95 % interval. */
export interface PairedGap {
  a: number;
  b: number;
  diff: number;
  ci95: [number, number];
}

export function summariseSteps(per: TripStepStats[], resamples = 1000): StepSummary {
  const sum = (k: keyof Omit<TripStepStats, 'tripId'>, idx?: Int32Array): number => {
    let s = 0;
    if (idx) for (let j = 0; j < idx.length; j++) s += per[idx[j]][k];
    else for (const t of per) s += t[k];
    return s;
  };
  const [accCi, nllCi] = clusteredBootstrap(
    per.length,
    [
      (idx) => ratio(sum('decisionCorrect', idx), sum('decisionSteps', idx)),
      (idx) => ratio(sum('decisionNllSum', idx), sum('decisionSteps', idx)),
    ],
    resamples,
  );
  const dec = sum('decisionSteps');
  return {
    trips: per.length,
    steps: sum('steps'),
    decisionSteps: dec,
    acc: ratio(sum('correct'), sum('steps')),
    nll: ratio(sum('nllSum'), sum('steps')),
    decisionAcc: ratio(sum('decisionCorrect'), dec),
    decisionNll: ratio(sum('decisionNllSum'), dec),
    ci95: { decisionAcc: accCi, decisionNll: nllCi },
    uniform: { decisionAcc: ratio(sum('uniformCorrect'), dec), decisionNll: ratio(sum('uniformNllSum'), dec) },
    sharedCellShare: ratio(sum('sharedCellSteps'), dec),
    unscorableSteps: sum('unscorable'),
  };
}

export interface GateResult {
  /** β grid searched on val, and the val decision NLL at each β. */
  betas: number[];
  valDecisionNll: number[];
  beta: number;
  /** Test decision NLL and accuracy of the student alone and of the mixture at the val-chosen β. */
  test: { student: { decisionNll: number; decisionAcc: number }; mix: { decisionNll: number; decisionAcc: number } };
  /** Test gain (student − mix for NLL, mix − student for accuracy) with paired trip-clustered CIs. */
  gain: { decisionNll: number; decisionAcc: number; ci95: { decisionNll: [number, number]; decisionAcc: [number, number] } };
}

export const GATE_BETAS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.5, 2];

/**
 * The gate: does the teacher add anything the student lacks? β is chosen on val (lowest decision
 * NLL); the gain of the log-linear mixture over the student alone is then measured on test, with
 * a paired bootstrap over test trips (both arms on the same resample).
 */
export function teacherGate(
  val: { ids: string[]; student: StepLogProbs; teacher: StepLogProbs },
  test: { ids: string[]; student: StepLogProbs; teacher: StepLogProbs },
  roadCell: Int32Array,
  betas: number[] = GATE_BETAS,
  resamples = 1000,
): GateResult {
  const valNll = betas.map((b) => {
    const per = tripStepStats(val.ids, val.student, roadCell, val.teacher, b);
    let num = 0;
    let den = 0;
    for (const t of per) {
      num += t.decisionNllSum;
      den += t.decisionSteps;
    }
    return ratio(num, den);
  });
  let bi = 0;
  for (let k = 1; k < betas.length; k++) if (valNll[k] < valNll[bi]) bi = k;
  const beta = betas[bi];
  const s = tripStepStats(test.ids, test.student, roadCell);
  const m = tripStepStats(test.ids, test.student, roadCell, test.teacher, beta);
  const agg = (per: TripStepStats[], idx?: Int32Array) => {
    let nll = 0,
      acc = 0,
      den = 0;
    const at = (j: number) => per[idx ? idx[j] : j];
    const n = idx ? idx.length : per.length;
    for (let j = 0; j < n; j++) {
      const t = at(j);
      nll += t.decisionNllSum;
      acc += t.decisionCorrect;
      den += t.decisionSteps;
    }
    return { decisionNll: ratio(nll, den), decisionAcc: ratio(acc, den) };
  };
  const sa = agg(s);
  const ma = agg(m);
  const [nllCi, accCi] = clusteredBootstrap(
    s.length,
    [(idx) => agg(s, idx).decisionNll - agg(m, idx).decisionNll, (idx) => agg(m, idx).decisionAcc - agg(s, idx).decisionAcc],
    resamples,
  );
  return {
    betas,
    valDecisionNll: valNll,
    beta,
    test: { student: sa, mix: ma },
    gain: {
      decisionNll: sa.decisionNll - ma.decisionNll,
      decisionAcc: ma.decisionAcc - sa.decisionAcc,
      ci95: { decisionNll: nllCi, decisionAcc: accCi },
    },
  };
}
