// The guided tour: each step says one idea and sets the view to show it (which layers, τ, λ,
// which student, which panel glows). TeachView applies `action` when a step opens.
import type { StudentChoice } from '../../lib/teach/urlState';
import { THESIS_RECIPE } from '../../lib/train/recipe';
import { LAMBDA_BARS_FIXED } from './lambdaNote';

export type Highlight = 'map' | 'window' | 'psi' | 'bars' | 'tau' | 'kl' | 'lambda' | 'result' | 'anomaly';

/** A value the tour sets, or 'trained': the one the distilled student on screen was trained with. */
export type TourValue = number | 'trained';

export interface TourAction {
  /** Go back to the telling example's trip and step. */
  telling?: boolean;
  tau?: TourValue;
  /** Animate τ from the first to the second value. */
  animateTau?: [number, TourValue];
  lambda?: TourValue;
  model?: StudentChoice;
  colorBy?: 'teacher' | 'student';
  show?: { window: boolean; psi: boolean; belief: boolean; candidates: boolean };
  surprisal?: boolean;
  detour?: boolean;
  /**
   * Frame the whole trip (and stop following the car), the current step, or the current step with
   * the destination in view (the first step points at the red dot).
   */
  frame?: 'trip' | 'step' | 'step-dest';
}

export interface TourStep {
  id: string;
  title: string;
  body: string;
  highlight: Highlight;
  action: TourAction;
}

const ALL_OFF = { window: false, psi: false, belief: false, candidates: true };

/**
 * A tour value as a number: 'trained' reads the distilled student's own setting from its checkpoint's
 * recipe (`hyper`), so the tour's τ and λ are the shipped student's, and its facts are at them; the
 * thesis recipe stands in when the checkpoint does not say.
 */
export function tourValue(v: TourValue, hyper: Record<string, unknown> | undefined, key: 'tau' | 'lambda'): number {
  if (v !== 'trained') return v;
  const trained = hyper?.[key];
  return typeof trained === 'number' && Number.isFinite(trained) ? trained : THESIS_RECIPE[key];
}

export const TOUR: TourStep[] = [
  {
    id: 'decision',
    title: 'One decision at a time',
    body: 'A real Porto taxi trip. Blue: where the car has been. Red dot: where it is going. At every road the student model (HOSER) must pick the next road among the few that connect — the lettered candidates, coloured by probability. The white halo is the road the driver really took.',
    highlight: 'map',
    action: {
      telling: true,
      tau: 1,
      model: 'vanilla',
      colorBy: 'teacher',
      show: ALL_OFF,
      surprisal: false,
      detour: false,
      frame: 'step-dest',
    },
  },
  {
    id: 'teacher',
    title: 'The teacher thinks in grid cells',
    body: 'The teacher (LM-TAD) never saw a road. It reads the trip as a sentence of grid cells — the last w cells, in amber — and predicts the next cell, the way a language model predicts the next word. Violet cells: where it expects the car to be next.',
    highlight: 'window',
    action: { show: { window: true, psi: false, belief: true, candidates: true } },
  },
  {
    id: 'psi',
    title: 'ψ: asking the teacher about a road',
    body: 'To ask the teacher about a road c, look up its cell ψ(c): the white squares. The teacher spreads its belief over every cell of the city. Its raw probabilities q̃ are the share that falls on those cells. The bars of the teacher and the student show how much (the card over the map; below the panels on a phone). Keep only the candidates’ values and rescale them to sum to 1: that is the teacher’s opinion on this choice. Roads in one cell get the same value.',
    highlight: 'psi',
    action: { show: { window: false, psi: true, belief: true, candidates: true } },
  },
  {
    id: 'compare',
    title: 'Teacher vs student',
    body: 'The bars compare both opinions on the same roads: violet = teacher q, orange = student p. Ordinary training (cross-entropy, CE) only rewards the ★ true road. The teacher adds what CE cannot: how reasonable the other roads were.',
    highlight: 'bars',
    action: { tau: 1, show: { window: false, psi: true, belief: false, candidates: true } },
  },
  {
    id: 'temperature',
    title: 'Temperature τ softens',
    body: 'Divide the log-probabilities by τ > 1 and both distributions flatten: runner-up roads get visible mass — the “dark knowledge” the student can learn from. Watch the entropy H climb toward its maximum ln C. The tour takes τ to the value the distilled student here was trained with, and keeps it there. Drag τ yourself.',
    highlight: 'tau',
    action: { animateTau: [1, 'trained'] },
  },
  {
    id: 'kl',
    title: 'KL: how far apart, and which way to push',
    body: 'KL(q‖p) measures the gap between the two bars. Its gradient tells training what to do: push τ·(q − p). Green raises a road’s score, red lowers it, and the pushes sum to zero. The loss uses τ²·KL so the push does not fade as τ grows.',
    highlight: 'kl',
    action: {},
  },
  {
    id: 'lambda',
    title: 'λ: how loud the teacher is',
    body: `Training minimises CE + λ·τ²·KL. λ sets the teacher’s share of the total; the tour sets λ to the value the distilled student here was trained with. Whether the teacher only nudges or leads depends on the step: the line below says which. Drag λ and watch the share bar. ${LAMBDA_BARS_FIXED} To see what λ does to a student, train one in the Train view. Its “Fine-tune the shipped student” preset distils the vanilla student with this recipe, from the vanilla student’s val NLL. In minutes the teacher holds it there, while the same run without the teacher drifts up. It does not reach the distilled line.`,
    highlight: 'lambda',
    // τ back at the trained value too (a reader may have dragged it), so the share below is the one this student trained with.
    action: { tau: 'trained', lambda: 'trained' },
  },
  {
    id: 'result',
    title: 'Did it work? Before and after',
    body: 'Two students trained on the same trips: vanilla (CE only) and distilled (CE + teacher). At this step, which one sits closer to the teacher (lower KL)? Which gives the true road more probability? The panel also sums it up over the whole trip. One step is one example; what the committed results say about these two students, over training seeds and the test trips:',
    highlight: 'result',
    action: { model: 'distilled', colorBy: 'student' },
  },
  {
    id: 'anomaly',
    title: 'What the teacher knows on its own',
    body: 'LM-TAD was built to flag odd trips. Road colour = its surprisal −ln p at each step (blue expected, red surprising). A synthetic detour (shifted cells, red squares) raises the trip’s score; the histogram shows this for many trips. That sense of “normal driving” is what distillation means to hand to the student; the step before says what the KL handed over to the student on screen.',
    highlight: 'anomaly',
    action: { surprisal: true, detour: true, frame: 'trip', show: { window: false, psi: false, belief: false, candidates: false } },
  },
];
