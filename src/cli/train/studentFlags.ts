// The student session's settings from `train student` flags, shared with `tune`, which trains
// students with them. Kept apart from train.ts (which loads tfjs and datasets) so that a test reads
// flags into settings cheaply.
import { flagNumber, flagNumberOrAll, flagString, type ParsedArgs } from '../common/args';
import { recipeByName, type NamedRecipe } from '../../lib/train/recipe';
import { TEACHER_TARGETS, type TeacherTarget } from '../../lib/train/teacherTargets';
import { routeFeaturesFromFlags } from '../common/routeFlags';
import {
  DEFAULT_HYPER,
  FINE_TUNE_FIXED,
  fineTuneFixed,
  normaliseHyper,
  type FineTuneFixed,
  type SessionHyper,
  type StudentSize,
} from '../../lib/train/sessionHyper';

/**
 * Student hyperparameters from `train student` flags. `--recipe <name>` starts λ, τ, w, the KL mask
 * (`--kl-mask-last`) and the KL's target (`--teacher-target`) from a named recipe
 * (src/lib/train/recipe.ts); each of those flags given explicitly overrides the recipe's value.
 * `datasetName` picks the city's val-chosen Markov + length chain for `--route-markov`.
 */
export function hyperFromFlags(p: ParsedArgs, datasetName = ''): SessionHyper {
  const mode = flagString(p, 'mode', 'distilled');
  if (mode !== 'vanilla' && mode !== 'distilled') throw new Error('--mode must be vanilla or distilled');
  const d = DEFAULT_HYPER;
  const r: NamedRecipe | undefined = typeof p.flags.recipe === 'string' ? recipeByName(p.flags.recipe) : undefined;
  const route = routeFeaturesFromFlags(p, datasetName);
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
    routeFeatures: route !== undefined,
    routeZonePlan: route?.zonePlan === true,
    routeSpeeds: route?.speeds ?? 'free-flow',
    routeMarkov: route?.markov ?? null,
    maxLen: flagNumber(p, 'max-len', d.maxLen),
    patience: flagNumber(p, 'patience', d.patience),
    trainFrac: flagNumber(p, 'train-frac', d.trainFrac),
    teacherTarget: teacherTargetFlag(flagString(p, 'teacher-target', r?.teacherTarget ?? d.teacherTarget)),
    routes: p.flags.routes === true,
  });
}

/** The flag of each setting a fine-tune takes from its checkpoint. */
const FIXED_FLAGS: Record<keyof FineTuneFixed, string> = {
  size: 'size',
  routeFeatures: 'route-features',
  routeMarkov: 'route-markov',
  routeSpeeds: 'route-speeds',
  routeZonePlan: 'route-zone-plan',
  idFree: 'id-free',
  routes: 'routes',
};

/**
 * `train student --init <ckpt>`: the run takes the checkpoint's architecture and data
 * (sessionHyper.ts FINE_TUNE_FIXED) by itself; a flag that says otherwise is refused, in one line
 * naming the flag and the checkpoint's value. `saved`: the checkpoint's recorded settings.
 */
export function withInitSettings(p: ParsedArgs, hyper: SessionHyper, saved: Partial<SessionHyper>, file: string): SessionHyper {
  const fixed = fineTuneFixed(saved);
  for (const key of FINE_TUNE_FIXED) {
    const flag = FIXED_FLAGS[key];
    const value = fixed[key];
    if (p.flags[flag] === undefined || value === undefined || JSON.stringify(hyper[key]) === JSON.stringify(value)) continue;
    const given = typeof value === 'boolean' || key === 'routeMarkov' ? `--${flag}` : `--${flag} ${String(hyper[key])}`;
    throw new Error(
      `${given} contradicts --init ${file}, whose ${key} is ${typeof value === 'object' ? JSON.stringify(value) : String(value)}: leave the flag out (a fine-tune takes it from the checkpoint)`,
    );
  }
  return { ...hyper, ...fixed };
}

function teacherTargetFlag(v: string): TeacherTarget {
  const t = TEACHER_TARGETS.find((x) => x === v);
  if (!t) throw new Error(`--teacher-target must be one of ${TEACHER_TARGETS.join(', ')} (got ${v})`);
  return t;
}
