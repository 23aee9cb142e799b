// The fine-tune preset: distil the city's shipped vanilla student (public/checkpoints/<city>/
// vanilla.safetensors) with the shipped distilled student's recipe, instead of training from
// random weights. The run starts on the shipped vanilla student's val NLL line (its points score the
// same val trips), beside the shipped distilled student's, and moves from there; what it shows in
// minutes is measured in docs/experiments/finetune-preset.md. The Train view's preset, the CLI (`train student --init <ckpt> --recipe tunedVal …`) and
// the browser bench (bench/browser/bench-browser.ts) use these settings. tfjs-free: the page imports it.
import { HYPER_PRESETS, START_RECIPE, type NamedRecipe } from './recipe';
import type { SessionHyper } from './sessionHyper';
import type { ValCheckOptions } from './valCheck';

/** Which shipped checkpoint the fine-tune starts from (cities.ts cityCheckpointUrl's name). */
export const FINE_TUNE_FROM = 'vanilla';

/**
 * The fine-tune's settings: the shipped recipe (λ, τ, w and KL mask of START_RECIPE, the teacher as
 * the target) on the shipped student's size and batch. Its learning rate is lower than a fresh run's
 * (3e-4 against 1e-3) and its schedule short (2 epochs, warm-up over the first tenth): the weights
 * are already trained, and a fresh optimiser at the full rate would first undo some of that.
 */
export function fineTuneHyper(): Partial<SessionHyper> {
  const r: NamedRecipe = HYPER_PRESETS[START_RECIPE];
  return {
    mode: 'distilled',
    lambda: r.lambda,
    tau: r.tau,
    window: r.window,
    klMaskLastSteps: r.klMaskLastSteps ?? 0,
    teacherTarget: 'teacher',
    size: 'small',
    // The route corpus and the route features follow the shipped student's file (openSession).
    batch: 16,
    microBatch: 16,
    lr: 3e-4,
    epochs: 2,
    // The shipped students' own: whole trips (Porto's longest has 270 roads), so val is scored as
    // their logs' lines were and the run starts on the vanilla line.
    maxLen: 512,
  };
}

/**
 * A fine-tune's early val checks: the whole val set, every 10 steps. The shipped students' lines in
 * the NLL chart are their whole-val figures (their logs' best epochs), so the run's points are on
 * the same trips: its first point sits on the vanilla line (issue 66: the 64-trip subset started
 * 0.027 above it). Porto's val set is 253 trips, about 4 times the default subset.
 */
export const FINE_TUNE_VAL_CHECK: ValCheckOptions = { everySteps: 10, trips: 0 };

/**
 * What the preset shows in minutes, as measured (docs/experiments/finetune-preset.md): beside the
 * preset, so nobody waits for a crossing that takes epochs.
 */
export const FINE_TUNE_EXPECT =
  'What minutes show (a Porto check, 200 steps, about 4 min): the teacher holds the student near that line (0.2615–0.2632), while the same run without it (pick Vanilla) drifts up to 0.2673–0.2717 under the fresh optimiser. The shipped distilled line, 0.006 lower, took that student 21 epochs from random weights: minutes do not reach it.';
