import { describe, it, expect } from 'vitest';
import { parseArgs } from '../../src/cli/common/args';
import { commandDecl } from '../../src/cli/common/commandFlags';
import { hyperFromFlags } from '../../src/cli/train/studentFlags';
import { DEFAULT_HYPER } from '../../src/lib/train/sessionHyper';
import { HYPER_PRESETS, RECIPE_NAMES, recipeByName } from '../../src/lib/train/recipe';

// `--recipe <name>` picks a named recipe from src/lib/train/recipe.ts (the one home of named
// recipes); explicit λ/τ/w, KL-mask and target flags override it; an unknown name lists the known.
const hyper = (line: string, cmd: 'train student' | 'tune' = 'train student') =>
  hyperFromFlags(parseArgs(line.split(' ').filter(Boolean), commandDecl(cmd, 'u')));

describe('--recipe', () => {
  it('sets λ, τ, w, the KL mask and the target from the named recipe', () => {
    const h = hyper('student --recipe tunedVal');
    const r = HYPER_PRESETS.tunedVal;
    expect([h.lambda, h.tau, h.window, h.klMaskLastSteps, h.teacherTarget]).toEqual([r.lambda, r.tau, r.window, 10, 'teacher']);
    expect(hyper('student --recipe uniform').teacherTarget).toBe('uniform');
    expect(hyper('student --recipe swapped').teacherTarget).toBe('swapped');
    const t = hyper('student --recipe thesis');
    expect([t.lambda, t.tau, t.window, t.klMaskLastSteps]).toEqual([0.0014, 4.37, 7, 0]);
    // tune reads the same flags (its trials search λ, τ and w; the mask and target stay fixed).
    expect(hyper('--recipe swapped', 'tune').teacherTarget).toBe('swapped');
  });

  it('explicit flags override the recipe, whichever comes first on the line', () => {
    const h = hyper('student --lambda 0.5 --recipe tunedVal --window all --kl-mask-last 0 --teacher-target swapped');
    expect(h.lambda).toBe(0.5);
    expect(h.tau).toBe(HYPER_PRESETS.tunedVal.tau);
    expect(h.window).toBe(Infinity);
    expect(h.klMaskLastSteps).toBe(0);
    expect(h.teacherTarget).toBe('swapped');
    expect(hyper('student --recipe portoCode --tau 2').tau).toBe(2);
  });

  it('without --recipe the defaults stay', () => {
    const h = hyper('student');
    expect([h.lambda, h.tau, h.window, h.klMaskLastSteps, h.teacherTarget]).toEqual([
      DEFAULT_HYPER.lambda,
      DEFAULT_HYPER.tau,
      DEFAULT_HYPER.window,
      0,
      'teacher',
    ]);
  });

  it('an unknown name is refused with every known name', () => {
    expect(() => hyper('student --recipe armd')).toThrow(/unknown recipe "armd"; known recipes: tunedVal \(λ/);
    let msg = '';
    try {
      recipeByName('nope');
    } catch (e) {
      msg = (e as Error).message;
    }
    for (const n of RECIPE_NAMES) expect(msg).toContain(n);
    // Only own names: an inherited property is not a recipe.
    expect(() => recipeByName('toString')).toThrow(/unknown recipe/);
  });

  it('is declared for train student and tune, with the names in its help', () => {
    for (const cmd of ['train student', 'tune'] as const) {
      const help = commandDecl(cmd, 'u').flags.recipe?.help ?? '';
      for (const n of RECIPE_NAMES) expect(help).toContain(n);
    }
  });
});
