// The distillation loss of one prediction step, on plain numbers, for any τ and λ (thesis
// eq. 3–9). The teaching view keeps the raw model outputs of a step (teacher probabilities at the
// candidates' cells, student logits) and calls these functions on every slider move: no model runs.
//
// Per step with candidates c = 1..C and true next road y:
//   q^τ = softmax(log q̃ / τ)                  softened, renormalised teacher (eq. 3–4)
//   p^τ = softmax(z / τ)                       softened student (eq. 7)
//   KL  = Σ q^τ (log q^τ − log p^τ); the loss term is τ²·KL (eq. 5)
//   CE  = −log softmax(z)[y]                    the hard-label term, always at τ = 1
//   L   = CE + λ·τ²·KL                          (eq. 9 without the time loss)
//   −∂(τ²·KL)/∂z_c = τ·(q^τ_c − p^τ_c)          where the teacher pushes each logit
//   −∂CE/∂z_c      = [c = y] − p¹_c              where the label pushes it
import { entropy, klDivergence, softenedStudent, softenedTeacher } from '../train/distillMath';

/** The cached raw numbers of one step: enough to recompute everything for any τ, λ. */
export interface StepRaw {
  /** Raw teacher probabilities q̃ at each candidate's cell (not renormalised). */
  teacherRaw: number[];
  /** Student navigator logits, one per candidate. */
  logits: number[];
  /** Index of the true next road among the candidates, −1 when it is not one of them. */
  label: number;
}

export interface StepLosses {
  /** q^τ and p^τ over the candidates. */
  q: number[];
  p: number[];
  /** The student's plain distribution p¹ (what it would predict). */
  p1: number[];
  /** Entropies (nats) of q^τ and p^τ, and their maximum ln C. */
  entropyQ: number;
  entropyP: number;
  maxEntropy: number;
  /** KL(q^τ ‖ p^τ) and the loss term τ²·KL. */
  kl: number;
  klScaled: number;
  /** Hard-label cross-entropy at τ = 1; NaN when the true road is not a candidate. */
  ce: number;
  /** λ·τ²·KL. */
  lambdaKl: number;
  /** CE + λ·τ²·KL (CE counted as 0 when undefined). */
  total: number;
  /** Share of the total that is the teacher's term, in [0, 1]. */
  teacherShare: number;
  /** −∂(τ²·KL)/∂z_c = τ·(q^τ_c − p^τ_c): the teacher's push on each logit (sums to 0). */
  push: number[];
  /** The same push weighted by λ, as it enters the total gradient. */
  pushWeighted: number[];
  /** −∂CE/∂z_c = onehot(y) − p¹: the label's push (all zeros without a label). */
  cePush: number[];
}

/** Teacher push τ·(q − p) for already-softened distributions. */
export function pushDirection(q: readonly number[], p: readonly number[], tau: number): number[] {
  return q.map((qc, c) => tau * (qc - p[c]));
}

/** −log p of the label under softmax(logits); NaN when label < 0. */
export function crossEntropy(logits: readonly number[], label: number): number {
  if (label < 0 || label >= logits.length) return NaN;
  const p = softenedStudent(logits.slice(), 1);
  return -Math.log(Math.max(p[label], 1e-300));
}

export function stepLosses(raw: StepRaw, tau: number, lambda: number): StepLosses {
  if (!(tau > 0)) throw new Error(`stepLosses: tau must be > 0, got ${tau}`);
  const C = raw.logits.length;
  if (raw.teacherRaw.length !== C) throw new Error(`stepLosses: ${raw.teacherRaw.length} teacher values for ${C} logits`);
  const q = softenedTeacher(raw.teacherRaw, tau);
  const p = softenedStudent(raw.logits, tau);
  const p1 = softenedStudent(raw.logits, 1);
  const kl = Math.max(0, klDivergence(q, p));
  const klScaled = tau * tau * kl;
  const ce = crossEntropy(raw.logits, raw.label);
  const lambdaKl = lambda * klScaled;
  const ceOr0 = Number.isFinite(ce) ? ce : 0;
  const total = ceOr0 + lambdaKl;
  const push = pushDirection(q, p, tau);
  return {
    q,
    p,
    p1,
    entropyQ: entropy(q),
    entropyP: entropy(p),
    maxEntropy: C > 0 ? Math.log(C) : 0,
    kl,
    klScaled,
    ce,
    lambdaKl,
    total,
    teacherShare: total > 0 ? lambdaKl / total : 0,
    push,
    pushWeighted: push.map((v) => lambda * v),
    cePush: p1.map((pc, c) => (c === raw.label ? 1 : 0) - (raw.label >= 0 ? pc : 0)),
  };
}

/** Before/after on one step: which student is closer to the teacher, and which gives the truth more mass. */
export interface StudentComparison {
  klVanilla: number;
  klDistilled: number;
  /** p¹ of the true next road under each student (NaN without a label). */
  truthVanilla: number;
  truthDistilled: number;
  /**
   * +1 when the distilled student is closer to the teacher at this τ, −1 when further, 0 when the
   * two KLs differ by less than 2 % (e.g. 0.392 vs 0.391: the screen must not call that a move).
   */
  towardTeacher: -1 | 0 | 1;
  /** +1 distilled gives the true road more probability, −1 less, 0 within half a percentage point or no label. */
  helped: -1 | 0 | 1;
}

export function compareStudents(
  teacherRaw: number[],
  vanilla: number[],
  distilled: number[],
  label: number,
  tau: number,
): StudentComparison {
  const q = softenedTeacher(teacherRaw, tau);
  const klVanilla = klDivergence(q, softenedStudent(vanilla, tau));
  const klDistilled = klDivergence(q, softenedStudent(distilled, tau));
  const truthVanilla = label >= 0 ? softenedStudent(vanilla, 1)[label] : NaN;
  const truthDistilled = label >= 0 ? softenedStudent(distilled, 1)[label] : NaN;
  const diff = truthDistilled - truthVanilla;
  return {
    klVanilla,
    klDistilled,
    truthVanilla,
    truthDistilled,
    towardTeacher:
      Math.abs(klDistilled - klVanilla) <= 0.02 * Math.max(klVanilla, klDistilled, 1e-9) ? 0 : klDistilled < klVanilla ? 1 : -1,
    helped: !(Math.abs(diff) > 0.005) ? 0 : diff > 0 ? 1 : -1,
  };
}

/** Trip-level summary of one student over many steps: mean KL to the teacher, accuracy, mean log-lik. */
export interface TripModelSummary {
  meanKl: number;
  accuracy: number;
  meanLogLik: number;
  /** Steps with a label (the others have no CE). */
  labelled: number;
}

export function summariseTrip(steps: { teacherRaw: number[]; logits: number[]; label: number }[], tau: number): TripModelSummary {
  let kl = 0;
  let nKl = 0;
  let correct = 0;
  let ll = 0;
  let labelled = 0;
  for (const s of steps) {
    if (s.logits.length === 0) continue;
    kl += klDivergence(softenedTeacher(s.teacherRaw, tau), softenedStudent(s.logits, tau));
    nKl++;
    if (s.label < 0) continue;
    labelled++;
    const p = softenedStudent(s.logits, 1);
    ll += Math.log(Math.max(p[s.label], 1e-300));
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    if (best === s.label) correct++;
  }
  return {
    meanKl: nKl ? kl / nKl : NaN,
    accuracy: labelled ? correct / labelled : NaN,
    meanLogLik: labelled ? ll / labelled : NaN,
    labelled,
  };
}

/** Entropy of q^τ at each τ of a grid: the "softer" curve drawn next to the τ slider. */
export function entropyCurve(values: number[], taus: number[], kind: 'teacher' | 'student'): number[] {
  return taus.map((t) => entropy(kind === 'teacher' ? softenedTeacher(values, t) : softenedStudent(values, t)));
}
