import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResultsFile } from '../../src/lib/eval/resultsTable';
import { intervalText } from '../../src/lib/eval/statsPolicy';
import { resultClaims } from '../../src/ui/teach/tourResults';
import { TOUR, tourValue } from '../../src/ui/teach/tour';
import { THESIS_RECIPE } from '../../src/lib/train/recipe';

// The tour states the drawn pair's results (issue 66, item 5): step 8's claims are read from the
// committed results, each number tied here to its row; τ is the shipped student's unless a step says
// it changes it; every claim links to where the app shows it.
const read = (f: string) => parseResultsFile(JSON.parse(readFileSync(f, 'utf8')));
const test = read('public/reports/results.json');
const val = read('public/reports/results-val.json');
const shipped = JSON.parse(readFileSync('public/checkpoints/porto/distilled.log.json', 'utf8')) as { hyper: Record<string, unknown> };
const cell = (table: string, row: string, key: string) => {
  const e = test.cities.find((c) => c.city === table)?.rows.find((r) => r.label === row)?.cells[key]?.effect;
  if (!e) throw new Error(`no ${table} / ${row} / ${key}`);
  return e;
};
const printed = (table: string, row: string, key: string, digits: number) => {
  const e = cell(table, row, key);
  return intervalText(e.mean, e.ci95, digits);
};

describe("the tour's step 8 on Porto", () => {
  const claims = resultClaims(test, val, 'Porto');

  it('states the drawn pair (the final recipe with and without the KL) from its test row', () => {
    // The drawn distilled student: the final recipe's inputs and the route corpus, the teacher's KL at the tuned recipe.
    expect(shipped.hyper).toMatchObject({ mode: 'distilled', routeFeatures: true, routes: true, teacherTarget: 'teacher' });
    expect(shipped.hyper.routeMarkov).toBeTruthy();
    expect(claims[0].text).toContain('final recipe + teacher KL − final recipe');
    expect(claims[0].text).toContain(`${printed('Porto', 'final recipe + teacher KL', 'dtwPerKmBest', 3)} DTW per km`);
    expect(claims[0].text).toContain(`${printed('Porto', 'final recipe + teacher KL', 'decisionNll', 4)} nats`);
    expect(claims[0].text).toMatch(/^Not measurably: over test, 5 training seeds/);
  });

  // The uniform twin, from the contrast row of the drawn pair's table (all five seeds scored).
  const contrast = 'teacher − uniform, on the final recipe';
  it('says what the uniform twin did, from the contrast row, in the words its interval allows', () => {
    const uniform = claims.find((c) => c.text.includes('uniform target'))!;
    expect(uniform.text).toContain(printed('Porto', contrast, 'decisionNll', 4));
    const e = cell('Porto', contrast, 'decisionNll');
    const words =
      e.ci95[1] < 0 ? /^The teacher’s KL predicts/ : e.ci95[0] > 0 ? /^The same KL toward a uniform target predicts/ : /about as well/;
    expect(uniform.text).toMatch(words);
  });

  it('keeps the registered next-road result apart, and names the lever with no teacher', () => {
    const reg = claims.find((c) => c.text.startsWith('Registered'))!;
    expect(reg.text).toContain(printed('Porto, the registered confirmation (new seeds 6–15)', 'arm d, seeds 6–15', 'decisionNll', 4));
    expect(reg.text).toContain('registered: helps, confirmed');
    const lever = claims.find((c) => c.text.startsWith('What moved routes most had no teacher'))!;
    expect(lever.text).toContain(
      `route features, ${printed('Porto, route-aware candidate features (seeds 1–5, exploratory)', 'route features', 'dtwPerKmBest', 3)} against the routes control`,
    );
  });

  it('links every claim to Compare, and names no unnamed study', () => {
    expect(claims.length).toBe(4);
    for (const c of claims) {
      expect(c.href).toBe('?view=compare');
      expect(c.where).toMatch(/^Compare, /);
    }
    const step8 = TOUR.find((s) => s.id === 'result')!;
    // The step's own text states no result: every number comes from the claims above.
    expect(step8.body).not.toMatch(/\d|San Francisco|uniform|beat/);
    expect(TOUR.find((s) => s.id === 'anomaly')!.body).not.toMatch(/did no better|did less/);
  });
});

describe("the tour's τ", () => {
  it('is the shipped student’s wherever a step sets it, so step 7’s share is at the τ it was trained with', () => {
    const h = shipped.hyper;
    const temperature = TOUR.find((s) => s.id === 'temperature')!;
    expect(tourValue(temperature.action.animateTau![1], h, 'tau')).toBe(h.tau);
    const lambda = TOUR.find((s) => s.id === 'lambda')!;
    expect(tourValue(lambda.action.tau!, h, 'tau')).toBe(h.tau);
    expect(tourValue(lambda.action.lambda!, h, 'lambda')).toBe(h.lambda);
    expect(h.tau).not.toBe(THESIS_RECIPE.tau);
    // Steps that set τ to a number say so in their text (τ = 1 shows the raw distributions).
    for (const s of TOUR) {
      const set = [s.action.tau, s.action.animateTau?.[0]].filter((v) => typeof v === 'number');
      for (const v of set) expect(v, s.id).toBe(1);
    }
    // Without a checkpoint's recipe, the thesis recipe stands in.
    expect(tourValue('trained', undefined, 'tau')).toBe(THESIS_RECIPE.tau);
  });
});
