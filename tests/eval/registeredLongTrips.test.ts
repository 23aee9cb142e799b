import { describe, expect, it } from 'vitest';
import { readRegisteredLongTrips, registeredLongTripsMarkdown } from '../../src/lib/eval/registeredLongTrips';

// Registration 3's reading on made-up routes: 30 OD pairs whose real trips are 1…30 km long, the
// baseline at DTW per km 1 everywhere, three seeds of the recipe.
const realKm = Array.from({ length: 30 }, (_, i) => i + 1);
const baseline = realKm.map(() => 1);
const recipeWith = (long: number) => [0, 1, 2].map(() => realKm.map((km) => (km > 20 ? long : 1)));

describe('readRegisteredLongTrips', () => {
  it('reads a recipe that ties short and middle trips and wins every long one', () => {
    const r = readRegisteredLongTrips(recipeWith(0.5), baseline, realKm);
    const [e1, e2, e3] = r.endpoints;
    expect(r.cutsKm[1]).toBeCloseTo(20 + 1 / 3, 9);
    expect(e1.mean).toBeCloseTo((-0.5 * 10) / 30, 12);
    expect(e2.mean).toBeCloseTo(10 / 30, 12);
    expect(e3.mean).toBe(1);
    expect(e3.unit).toBe('10 OD pairs');
    expect(e3.label).toContain('30 wins, 0 ties, 0 losses');
    // Ten OD pairs all one way: the sign-flip p is 2 / 2^10, under α after Holm.
    expect(e3.p).toBeLessThan(0.01);
    expect(e3.pHolm).toBeGreaterThanOrEqual(e3.p);
    expect([e1.verdict, e2.verdict, e3.verdict]).toEqual(['below the baseline', 'more wins than losses', 'more wins than losses']);
    expect(r.beatsBaseline).toBe(true);
    expect(r.winsLongTrips).toBe(true);
    expect(registeredLongTripsMarkdown(r, 'markovLength')).toContain('wins more than it loses on the long third');
  });

  it('says so when the long trips are lost, and leaves unscored pairs out', () => {
    const recipe: (number | null)[][] = recipeWith(1.5);
    recipe[0][29] = null;
    const r = readRegisteredLongTrips(recipe, baseline, realKm);
    const e3 = r.endpoints[2];
    expect(e3.mean).toBe(-1);
    expect(e3.label).toContain('0 wins, 0 ties, 29 losses');
    expect(e3.verdict).toBe('more losses than wins');
    expect(r.endpoints[0].verdict).toBe('above the baseline');
    expect(r.beatsBaseline).toBe(false);
    expect(r.winsLongTrips).toBe(false);
  });

  it('finds no difference where the recipe ties everywhere', () => {
    const r = readRegisteredLongTrips(recipeWith(1), baseline, realKm);
    expect(r.endpoints.map((e) => e.verdict)).toEqual(['no detectable difference', 'no detectable difference', 'no detectable difference']);
  });

  it('refuses arrays of another OD count', () => {
    expect(() => readRegisteredLongTrips(recipeWith(1), baseline, realKm.slice(1))).toThrow(/29 real lengths for 30 OD pairs/);
    expect(() => readRegisteredLongTrips([baseline.slice(1)], baseline, realKm)).toThrow(/a run of 29 OD pairs against 30/);
  });
});
