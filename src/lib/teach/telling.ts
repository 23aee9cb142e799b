// The telling examples the guided tour opens on: a trip and step per example where the teacher
// and the vanilla student disagree, found by running every model over the first val trips of a
// useful length. The search takes seconds in the browser (≈ 18 s on two shared cores), so it is
// run once per shipped checkpoint set by `npm run cli -- teach telling` and committed beside the
// checkpoints (public/checkpoints/<city>/telling.json, with the checkpoints' sha256); the Teach
// worker uses that file when its digests match what it loaded and searches only otherwise.
//
// For a first look the tour wants a step where the teacher is right (its favourite candidate is
// the road the driver took) and distillation raised p(true road): an example where the teacher
// misleads teaches the opposite of what the tour says. Such steps rank first.
import type { Trajectory } from '../data/types';
import type { BatchContext } from '../features/studentBatch';
import { explainTrip, tellingness, type TeachModels } from './explain';
import type { TeachStep, TripExplanation } from './stepView';
import { pTrue, rankPicks, teacherRightAt, TELLING_KEPT, type TellingExample, type TellingPick } from './tellingRules';

export * from './tellingRules';

/** A step the tour can open on: the teacher right and distillation not lowering p(true road). */
function fitsTour(s: TeachStep): boolean {
  if (!teacherRightAt(s)) return false;
  const v = pTrue(s.vanilla, s.label);
  const d = pTrue(s.distilled, s.label);
  return v === null || d === null || d >= v;
}

/** The trip's most telling step, among the steps that fit the tour when it has any. */
export function pickStep(exp: TripExplanation): Omit<TellingPick, 'score'> & { score: number; fits: boolean } {
  let best: TeachStep | null = null;
  let bestScore = -Infinity;
  let fits = false;
  for (const s of exp.steps) {
    const f = fitsTour(s);
    const v = tellingness(s, exp.window);
    if (!Number.isFinite(v)) continue;
    if ((f && !fits) || (f === fits && v > bestScore)) {
      best = s;
      bestScore = v;
      fits = f;
    }
  }
  const s = best ?? exp.steps[0];
  return {
    trip: exp.id,
    step: s?.k ?? 0,
    score: bestScore,
    teacherRight: s ? teacherRightAt(s) : false,
    pTrueVanilla: s ? pTrue(s.vanilla, s.label) : null,
    pTrueDistilled: s ? pTrue(s.distilled, s.label) : null,
    fits,
  };
}

/** Deterministic: explains the pool's trips and ranks one step per trip. */
export async function findTelling(
  ctx: BatchContext,
  models: TeachModels,
  pool: readonly Trajectory[],
  window: number,
): Promise<{ telling: TellingExample; picks: TellingPick[] }> {
  const found: Array<ReturnType<typeof pickStep>> = [];
  for (const trip of pool) found.push(pickStep(await explainTrip(ctx, models, trip, { window })));
  const ranked = rankPicks(found).slice(0, TELLING_KEPT);
  const [best, ...rest] = ranked;
  if (!best) throw new Error('no trip to search for a telling example');
  const picks: TellingPick[] = ranked.map((p) => ({
    trip: p.trip,
    step: p.step,
    score: Number.isFinite(p.score) ? p.score : null,
    teacherRight: p.teacherRight,
    pTrueVanilla: p.pTrueVanilla,
    pTrueDistilled: p.pTrueDistilled,
  }));
  return { telling: { trip: best.trip, step: best.step, others: rest.map(({ trip, step }) => ({ trip, step })) }, picks };
}
