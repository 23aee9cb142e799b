// The shipped pair in words, from its checkpoints' logs (*.log.json): which teacher, which recipe and
// where the recipe comes from. Compare names the pair from these, so no view hard-codes a λ.
import { finite } from '../stats';
import { recipeNear, recipeText, type Recipe } from './recipe';

export interface ShippedPairText {
  /** "the converged LM-TAD teacher, 37 epochs, best 35"; null when the teacher's log is unreadable. */
  teacher: string | null;
  /** "λ 0.1039, τ 3.35, w 8, no KL on the last 10 steps, KL target: …". */
  recipe: string;
  /** The named recipe's label and source sentence (src/lib/train/recipe.ts), when the settings match one. */
  recipeLabel: string | null;
  sentence: string | null;
  /** The distilled student's training seed. */
  seed: number | null;
  /** What the distilled student was trained on (trainingDataText). */
  data: string | null;
  /** "the vanilla student trained 2026-11-23, seed 1"; null when its log is unreadable. */
  vanilla: string | null;
  /** What the vanilla student was trained on (trainingDataText); null when its log is unreadable. */
  vanillaData: string | null;
}

/** A vanilla student's log in words: when it was trained and its seed. */
export function vanillaText(log: unknown): string | null {
  const l = obj(log);
  if (!l || obj(l.hyper)?.mode !== 'vanilla') return null;
  const day = typeof l.created === 'string' ? l.created.slice(0, 10) : null;
  const seed = finite(l.seed);
  return ['the vanilla student', day && `trained ${day}`, seed !== undefined && `seed ${seed}`].filter(Boolean).join(', ');
}

const obj = (x: unknown): Record<string, unknown> | null => (x && typeof x === 'object' ? (x as Record<string, unknown>) : null);

/**
 * What a student was trained on, from its log's `hyper`: the train trips, plus the real route corpus
 * (`--routes`), each candidate's time left to the destination (`--route-features`) and the Markov +
 * length router's cost to go and transition count (`--route-markov`). Null when the log has no hyper.
 */
export function trainingDataText(log: unknown): string | null {
  const h = obj(obj(log)?.hyper);
  if (!h) return null;
  const data = h.routes === true ? 'the train trips and the real route corpus' : 'the train trips';
  if (h.routeFeatures !== true) return data;
  return obj(h.routeMarkov)
    ? `${data}, with each candidate's time left to the destination and the Markov + length router's cost to go and transition count as inputs`
    : `${data}, with each candidate's time left to the destination as an input`;
}

/**
 * Where the distilled student drawn beside the shipped vanilla was trained on other data or inputs
 * (San Francisco's, once its vanilla slot went to the route features): the difference in words, so
 * the pair is not read as the KL alone. null when both were trained alike or a log is unreadable.
 */
export function besideDifference(pair: Pick<ShippedPairText, 'data' | 'vanillaData'>): string | null {
  if (!pair.data || !pair.vanillaData || pair.data === pair.vanillaData) return null;
  return `it differs from the shipped student in more than the KL: it was trained on ${pair.data}, the shipped student on ${pair.vanillaData}`;
}

/** A teacher's log in words: converged when it stopped early; epochs counted from 1. */
export function teacherText(log: unknown): string | null {
  const l = obj(log);
  if (!l || l.kind !== 'teacher' || !Array.isArray(l.epochs)) return null;
  const best = finite(l.bestEpoch);
  const converged = typeof l.message === 'string' && l.message.startsWith('early stop');
  return `the ${converged ? 'converged ' : ''}LM-TAD teacher, ${l.epochs.length} epochs${best === undefined ? '' : `, best ${best + 1}`}`;
}

/** A distilled student's recipe, from its log's `hyper`. */
export function recipeOf(log: unknown): Partial<Recipe> | null {
  const h = obj(obj(log)?.hyper);
  if (!h || h.mode !== 'distilled') return null;
  const target = h.teacherTarget;
  return {
    lambda: finite(h.lambda),
    tau: finite(h.tau),
    window: finite(h.window),
    klMaskLastSteps: finite(h.klMaskLastSteps),
    teacherTarget: target === 'uniform' || target === 'swapped' || target === 'teacher' ? target : undefined,
  };
}

/** The pair named from the distilled student's log and its teacher's; null when the student's log has no distilled recipe. */
export function shippedPairText(distilledLog: unknown, teacherLog: unknown, vanillaLog: unknown): ShippedPairText | null {
  const r = recipeOf(distilledLog);
  if (!r) return null;
  const named = recipeNear(r);
  return {
    teacher: teacherText(teacherLog),
    recipe: recipeText(r),
    recipeLabel: named?.label ?? null,
    sentence: named?.sentence ?? null,
    seed: finite(obj(distilledLog)?.seed) ?? null,
    data: trainingDataText(distilledLog),
    vanilla: vanillaText(vanillaLog),
    vanillaData: trainingDataText(vanillaLog),
  };
}
