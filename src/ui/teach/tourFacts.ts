// The live numbers under each tour step's text, computed from what the Teach view shows: every
// sentence that states a fact is built from the numbers on screen.
import { countNoun, fmtNum } from '../format';
import { haversineM } from '../../lib/geo';
import type { GridSpec } from '../../lib/data/derivedTypes';
import { compareStudents, stepLosses } from '../../lib/teach/stepMath';
import type { StepView } from '../../lib/teach/stepView';
import type { StudentChoice } from '../../lib/teach/urlState';
import type { DetourResult } from './teachClient.svelte';
import { CAND_LETTERS } from './palette';

export interface FactInputs {
  step: StepView;
  losses: ReturnType<typeof stepLosses>;
  /** Anomaly score of the trip as driven. */
  tripScore: number;
  model: StudentChoice;
  tau: number;
  lambda: number;
  cmp: ReturnType<typeof compareStudents> | null;
  detour: DetourResult | null;
  /** The teacher window w the panel shows (the explained trip's). */
  window: number;
  /** The teacher's grid, for the cell size. */
  grid?: GridSpec;
  /** The loaded teacher's tokenisation (absent for a stand-in). */
  teacher?: { anchor: 'centroid' | 'end'; destination: boolean };
  /** The recipe the distilled student was trained with (from its checkpoint). */
  distilledHyper?: Record<string, unknown>;
}

const pct = (x: number) => (Number.isFinite(x) ? `${fmtNum(x * 100, x < 0.1 ? 2 : 1)}%` : '—');

/** Below this teacher share of the step's loss the teacher only nudges; above one half it leads. */
export const NUDGE_SHARE = 0.25;

/** What the teacher's share of this step's loss means, so the sentence cannot contradict the number. */
export function shareVerdict(share: number): string {
  if (!Number.isFinite(share)) return '';
  if (share < NUDGE_SHARE) return 'Here the teacher is a gentle nudge next to the true road, not the main signal.';
  if (share <= 0.5) return 'Here the teacher’s term is a sizeable part of the loss, though CE on the true road still leads.';
  return 'Here the teacher’s term dominates this step’s loss: it outweighs CE on the true road.';
}

/** Ground size of one grid cell (at the grid's middle), e.g. "≈ 100 m × 75 m". */
export function cellSize(g: GridSpec): string {
  const lat = g.minLat + (g.nRows * g.latStep) / 2;
  const lon = g.minLon + (g.nCols * g.lonStep) / 2;
  const ns = haversineM([lon, lat], [lon, lat + g.latStep]);
  const ew = haversineM([lon, lat], [lon + g.lonStep, lat]);
  // To 5 m: the spherical distance is itself only ~1 % off the grid's own constants.
  const m = (x: number) => fmtNum(Math.round(x / 5) * 5, 0);
  return `≈ ${m(ns)} m × ${m(ew)} m`;
}

/** The teacher's input at this step, with the w the panel shows (a destination token comes on top). */
export function windowFact(cells: number, w: number, destination: boolean): string {
  const past = destination ? cells - 1 : cells;
  const short = past < w ? `: fewer than w = ${w} so far this trip` : ` (w = ${w})`;
  return `Input: the last ${countNoun(past, 'cell')}${short}${destination ? ', after the destination’s cell' : ''}.`;
}

/** A number for reading: three significant digits ("0.104", "3.35"); the full value goes in a tooltip. */
function round3(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(3))) : String(v);
}

/** Whether the teacher's favourite candidate is the true road at this step (null without one). */
export function teacherRight(f: Pick<FactInputs, 'step' | 'losses'>): boolean | null {
  const q = f.losses.q;
  if (f.step.label < 0 || q.length < 2) return null;
  return q.reduce((b, v, i) => (v > q[b] ? i : b), 0) === f.step.label;
}

/** The distilled student's recipe at full precision, for the tooltip of the facts that round it. */
export function trainedRecipeFull(h: Record<string, unknown> | undefined): string | null {
  return h && typeof h.lambda === 'number' ? `λ = ${h.lambda}, τ = ${String(h.tau)}, w = ${String(h.window)}` : null;
}

/** The facts line of tour step `id`, or null when it has none. */
export function tourFacts(id: string, f: FactInputs): string | null {
  const { step, losses, model, tau, lambda, cmp, detour } = f;
  const L = (i: number) => CAND_LETTERS[i];
  const C = step.cands.length;
  switch (id) {
    case 'decision':
      return `${countNoun(C, 'candidate')} here. The ${model} student gives the true road ${step.label >= 0 ? L(step.label) : '—'} ${step.label >= 0 ? pct(losses.p1[step.label]) : ''}.`;
    case 'teacher': {
      const t = f.teacher;
      const variant = !t
        ? ''
        : t.anchor === 'end' || t.destination
          ? ` This teacher goes beyond LM-TAD: ${[t.anchor === 'end' ? 'ψ takes the cell at each road’s far end' : '', t.destination ? 'the destination’s cell comes first' : ''].filter(Boolean).join(', and ')}.`
          : ' This teacher is LM-TAD as published (ψ at each road’s centre).';
      const size = f.grid ? ` Cells here are ${cellSize(f.grid)}.` : '';
      return `${windowFact(step.window.length, f.window, t?.destination ?? false)}${size} Top next cell: ${pct(step.topCells[0]?.p ?? NaN)}; all candidate cells together: ${pct(step.candMass)}.${variant}`;
    }
    case 'psi':
      return `q̃: ${step.teacherRaw.map((v, i) => `${L(i)} ${pct(v)}`).join(' · ')}  →  renormalised: ${stepLosses(
        { teacherRaw: step.teacherRaw, logits: step.teacherRaw, label: -1 },
        1,
        0,
      )
        .q.map((v, i) => `${L(i)} ${pct(v)}`)
        .join(' · ')}`;
    case 'compare': {
      const q = losses.q;
      const top = q.reduce((b, v, i) => (v > q[b] ? i : b), 0);
      // Say plainly when the teacher's favourite is not the road the driver took.
      const verdict =
        step.label < 0
          ? ''
          : top === step.label
            ? ` The teacher agrees with the driver: ${L(step.label)} gets ${pct(q[step.label])}.`
            : ` The teacher is wrong here: it puts ${pct(q[top])} on ${L(top)}, while the driver took ${L(step.label)} (${pct(q[step.label])}).`;
      return `CE = ${fmtNum(losses.ce, 3)}. Teacher: ${q.map((v, i) => `${L(i)} ${pct(v)}`).join(' ')} · student: ${losses.p.map((v, i) => `${L(i)} ${pct(v)}`).join(' ')}.${verdict}`;
    }
    case 'temperature':
      return `τ = ${fmtNum(tau, 2)}: H(teacher) = ${fmtNum(losses.entropyQ, 3)}, H(student) = ${fmtNum(losses.entropyP, 3)}, max ln ${C} = ${fmtNum(losses.maxEntropy, 3)} nats`;
    case 'kl':
      return `KL = ${fmtNum(losses.kl, 4)}, τ²·KL = ${fmtNum(losses.klScaled, 4)}. Push: ${losses.push.map((v, i) => `${L(i)} ${v >= 0 ? '+' : '−'}${fmtNum(Math.abs(v), 2)}`).join(' ')}`;
    case 'lambda': {
      // A control's student (loaded by hand; controls never ship): say what its KL pulled towards.
      const targetNote = (t: unknown): string =>
        t === 'swapped'
          ? ", its teacher told other trips' destinations (a control)"
          : t === 'uniform'
            ? ', towards a uniform target instead of the teacher (a control)'
            : '';
      const h = f.distilledHyper;
      // Rounded for reading; the card's tooltip has the full values (trainedRecipeFull).
      const trained =
        h && typeof h.lambda === 'number'
          ? ` The distilled student here was trained with λ = ${round3(h.lambda)}, τ = ${round3(h.tau)}, w = ${String(h.window)}${targetNote(h.teacherTarget)}.`
          : '';
      return `λ = ${round3(lambda)}: λ·τ²·KL = ${fmtNum(losses.lambdaKl, 4)} vs CE = ${fmtNum(losses.ce, 3)} → teacher share ${pct(losses.teacherShare)}. ${shareVerdict(losses.teacherShare)}${trained}`;
    }
    case 'result': {
      if (!cmp) return null;
      const base = `KL to the teacher: vanilla ${fmtNum(cmp.klVanilla, 3)} → distilled ${fmtNum(cmp.klDistilled, 3)}. p(true road): ${pct(cmp.truthVanilla)} → ${pct(cmp.truthDistilled)}.`;
      // Say which way distillation moved the true road here, and why when the teacher misled it.
      const d = cmp.truthDistilled - cmp.truthVanilla;
      if (!Number.isFinite(d) || Math.abs(d) < 0.005) return `${base} Here distillation left p(true road) about where it was.`;
      if (d > 0) return `${base} Here distillation raised p(true road).`;
      return `${base} Here distillation lowered p(true road)${teacherRight(f) === false ? ': the teacher favours another road at this step, and the student followed it' : ''}.`;
    }
    case 'anomaly':
      return detour
        ? `Anomaly score: as driven ${fmtNum(detour.original, 2)} → with detour ${fmtNum(detour.score, 2)} nats`
        : `Anomaly score of this trip: ${fmtNum(f.tripScore, 2)} nats`;
  }
  return null;
}
