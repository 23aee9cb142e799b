import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HYPER_PRESETS, recipeNear, recipeText } from '../../src/lib/train/recipe';
import { besideDifference, shippedPairText, teacherText, trainingDataText } from '../../src/lib/train/shippedPair';

const log = (name: string): unknown => JSON.parse(readFileSync(`public/checkpoints/porto/${name}.log.json`, 'utf8'));

describe('the shipped pair in words', () => {
  it('matches a recipe up to the rounding a report applies', () => {
    expect(recipeNear({ lambda: 0.103857, tau: 3.350848, window: 8, klMaskLastSteps: 10, teacherTarget: 'swapped' })).toBe(
      HYPER_PRESETS.swapped,
    );
    expect(recipeNear({ lambda: 0.103857, tau: 3.350848, window: 8, klMaskLastSteps: 10 })).toBe(HYPER_PRESETS.tunedVal);
    expect(recipeNear({ lambda: 0.2, tau: 3.350848, window: 8 })).toBeUndefined();
  });

  it('writes λ, τ, w, the mask and the target', () => {
    expect(
      recipeText({ lambda: 0.10385718648105681, tau: 3.3508482790284706, window: 8, klMaskLastSteps: 10, teacherTarget: 'swapped' }),
    ).toBe("λ 0.1039, τ 3.35, w 8, no KL on the last 10 steps, KL target: the teacher told another trip's destination");
  });

  it("names Porto's shipped pair from its checkpoints' logs", () => {
    const t = shippedPairText(log('distilled'), log('teacher'), log('vanilla'));
    expect(t).not.toBeNull();
    expect(t!.recipe).toMatch(/^λ 0\.1039, τ 3\.35, w 8/);
    expect(t!.sentence).toBe(HYPER_PRESETS.tunedVal.sentence);
    expect(t!.teacher).toMatch(/^the converged LM-TAD teacher, \d+ epochs, best \d+$/);
    expect(t!.vanilla).toMatch(/^the vanilla student, trained \d{4}-\d\d-\d\d, seed \d+$/);
    expect(teacherText({ kind: 'teacher', epochs: [{}, {}], bestEpoch: 0 })).toBe('the LM-TAD teacher, 2 epochs, best 1');
    expect(shippedPairText(log('vanilla'), log('teacher'), null)).toBeNull();
  });

  it('says what the students were trained on', () => {
    expect(trainingDataText({ hyper: { mode: 'vanilla' } })).toBe('the train trips');
    expect(trainingDataText({ hyper: { mode: 'distilled', routes: true } })).toBe('the train trips and the real route corpus');
    expect(trainingDataText({ hyper: { mode: 'vanilla', routes: true, routeFeatures: true } })).toBe(
      "the train trips and the real route corpus, with each candidate's time left to the destination as an input",
    );
    expect(
      trainingDataText({ hyper: { mode: 'vanilla', routes: true, routeFeatures: true, routeMarkov: { alpha: 1, lengthPerKm: 3 } } }),
    ).toBe(
      "the train trips and the real route corpus, with each candidate's time left to the destination and the Markov + length router's cost to go and transition count as inputs",
    );
    expect(trainingDataText({})).toBeNull();
    // A drawn-beside student trained otherwise than the shipped one says so; alike, nothing to say.
    const features = trainingDataText({ hyper: { mode: 'vanilla', routeFeatures: true } });
    expect(besideDifference({ data: 'the train trips', vanillaData: features })).toBe(
      "it differs from the shipped student in more than the KL: it was trained on the train trips, the shipped student on the train trips, with each candidate's time left to the destination as an input",
    );
    expect(besideDifference({ data: 'the train trips', vanillaData: 'the train trips' })).toBeNull();
    expect(besideDifference({ data: 'the train trips', vanillaData: null })).toBeNull();
    expect(trainingDataText(log('distilled'))).toMatch(/^the train trips/);
  });
});
