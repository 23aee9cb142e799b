// The student session's settings from `train student` flags, shared with `tune`, which trains
// students with them. Kept apart from train.ts (which loads tfjs and datasets) so that a test reads
// flags into settings cheaply.
import { flagNumber, flagNumberOrAll, flagString, type ParsedArgs } from '../common/args';
import { recipeByName, type NamedRecipe } from '../../lib/train/recipe';
import { TEACHER_TARGETS, type TeacherTarget } from '../../lib/train/teacherTargets';
import { DEFAULT_HYPER, normaliseHyper, type SessionHyper, type StudentSize } from '../../lib/train/sessionHyper';

/**
 * Student hyperparameters from `train student` flags. `--recipe <name>` starts λ, τ, w, the KL mask
 * (`--kl-mask-last`) and the KL's target (`--teacher-target`) from a named recipe
 * (src/lib/train/recipe.ts); each of those flags given explicitly overrides the recipe's value.
 */
export function hyperFromFlags(p: ParsedArgs): SessionHyper {
  const mode = flagString(p, 'mode', 'distilled');
  if (mode !== 'vanilla' && mode !== 'distilled') throw new Error('--mode must be vanilla or distilled');
  const d = DEFAULT_HYPER;
  const r: NamedRecipe | undefined = typeof p.flags.recipe === 'string' ? recipeByName(p.flags.recipe) : undefined;
  return normaliseHyper({
    mode,
    lambda: flagNumber(p, 'lambda', r?.lambda ?? d.lambda),
    tau: flagNumber(p, 'tau', r?.tau ?? d.tau),
    window: flagNumberOrAll(p, 'window', r?.window ?? d.window),
    alpha: flagNumber(p, 'alpha', d.alpha),
    lr: flagNumber(p, 'lr', d.lr),
    batch: flagNumber(p, 'batch', d.batch),
    microBatch: flagNumber(p, 'micro', flagNumber(p, 'batch', d.batch)),
    epochs: flagNumber(p, 'epochs', d.epochs),
    seed: flagNumber(p, 'seed', d.seed),
    lastStepOnly: p.flags['last-step-only'] === true,
    noTauSquared: p.flags['no-tau2'] === true,
    freezeEncoders: p.flags['freeze-encoders'] === true,
    klMaskLastSteps: flagNumber(p, 'kl-mask-last', r?.klMaskLastSteps ?? d.klMaskLastSteps),
    klMaskIndistinct: p.flags['kl-mask-indistinct'] === true,
    klMaskRandom: flagNumber(p, 'kl-mask-random', 0),
    size: flagString(p, 'size', d.size) as StudentSize,
    idFree: p.flags['id-free'] === true,
    routeFeatures: p.flags['route-features'] === true,
    maxLen: flagNumber(p, 'max-len', d.maxLen),
    patience: flagNumber(p, 'patience', d.patience),
    trainFrac: flagNumber(p, 'train-frac', d.trainFrac),
    teacherTarget: teacherTargetFlag(flagString(p, 'teacher-target', r?.teacherTarget ?? d.teacherTarget)),
    routes: p.flags.routes === true,
  });
}

function teacherTargetFlag(v: string): TeacherTarget {
  const t = TEACHER_TARGETS.find((x) => x === v);
  if (!t) throw new Error(`--teacher-target must be one of ${TEACHER_TARGETS.join(', ')} (got ${v})`);
  return t;
}
