// The student's next-road choices along one fixed validation trip: what the Train view draws on
// the map after every epoch, so that learning shows as roads changing colour. Framework-free; the
// training worker runs it and sends the numbers, the page only draws them.
import type { Trajectory } from '../data/types';
import type { Student } from '../models/student';
import { studentLogits } from '../models/studentSteps';
import { prepareTrip, type BatchContext } from '../features/studentBatch';

/** Step k: at road `from`, the true next road is `next`; the student would take `choice`. */
export interface ProbeStep {
  from: number;
  next: number;
  choice: number;
  /** The student's probability of the true next road (0 when it is not a candidate). */
  pNext: number;
  /** Candidates at this step (1 = no decision to make). */
  nCands: number;
}

export interface TripProbe {
  trip: string;
  roads: number[];
  steps: ProbeStep[];
  /** Steps with at least two candidates, and how many of those the student gets right. */
  decisions: number;
  correct: number;
  /** Mean of pNext over the decision steps (NaN when there are none). */
  meanPNext: number;
}

/** Longest trip the probe uses: the map should show a readable route, not a whole-city tour. */
const MAX_PROBE_ROADS = 60;

/**
 * The probe trip of a split: the one at the 75th length percentile among trips of 3 to 60 roads
 * (ties broken by id), so it has enough decisions to show and stays the same for every run.
 */
export function pickProbeTrip(trips: readonly Trajectory[]): Trajectory | null {
  const fit = trips.filter((t) => t.roads.length >= 3 && t.roads.length <= MAX_PROBE_ROADS);
  if (fit.length === 0) return null;
  fit.sort((a, b) => a.roads.length - b.roads.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return fit[Math.floor(0.75 * (fit.length - 1))];
}

function softmax(logits: number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Runs the student over every step of `trip` (whole trip, no prefix cap). */
export async function probeTrip(student: Student, ctx: BatchContext, trip: Trajectory): Promise<TripProbe> {
  const whole = { ...ctx, maxLen: Math.max(ctx.maxLen, trip.roads.length) };
  const prepared = prepareTrip(whole, trip, 0);
  const logits = await studentLogits(student, whole, trip);
  const steps: ProbeStep[] = [];
  let decisions = 0;
  let correct = 0;
  let pSum = 0;
  logits.forEach((row, k) => {
    const cands = Array.from(prepared.cands.subarray(prepared.candOffset[k], prepared.candOffset[k + 1]));
    const probs = softmax(row);
    let best = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
    const label = prepared.label[k];
    const pNext = label >= 0 ? probs[label] : 0;
    steps.push({ from: prepared.roads[k], next: prepared.roads[k + 1], choice: cands[best], pNext, nCands: cands.length });
    if (cands.length >= 2) {
      decisions++;
      pSum += pNext;
      if (best === label) correct++;
    }
  });
  return { trip: trip.id, roads: Array.from(prepared.roads), steps, decisions, correct, meanPNext: decisions ? pSum / decisions : NaN };
}
