// The val-tuned baselines of issue 49: the fastest path on speeds fitted from timed train trips, and
// the Markov chain with a length term.
import { describe, it, expect } from 'vitest';
import { network, trip } from './baselineNetwork';
import { fitRoadSpeeds, SPEED_SOURCE, speedKmh } from '../../src/lib/data/speeds';
import {
  BASELINE_DEFAULTS,
  baselineDescription,
  baselineRouter,
  baselineSettings,
  markovLengthChain,
  parseBaselineMethods,
} from '../../src/lib/generate/baselines';
import { CITIES } from '../../src/ui/stores/cities';
import type { Trajectory } from '../../src/lib/data/types';

// Five trips over the motorway (road 2) that crawl: 100 m of road 0 in 10 s (36 km/h), then 800 m
// of road 2 in 200 s (14.4 km/h).
const crawl: Trajectory[] = [1, 2, 3, 4, 5].map((i) => ({ id: `m${i}`, roads: [0, 2, 5], times: [0, 10, 210] }));

describe('fitted speeds', () => {
  const net = network();

  it('a road with enough passes takes their median, the others their class’s or the table', () => {
    const f = fitRoadSpeeds(net, crawl, { minRoadPasses: 5, minClassPasses: 20 });
    expect(f.passes).toBe(10); // the last road of a trip has no time
    expect(f.kmh[2]).toBeCloseTo(14.4, 9);
    expect(f.source[2]).toBe(SPEED_SOURCE.road);
    expect(f.kmh[0]).toBeCloseTo(36, 9);
    // Road 1 has no pass, and residential has 5 < 20: the table.
    expect(f.source[1]).toBe(SPEED_SOURCE.table);
    expect(f.kmh[1]).toBe(speedKmh('residential'));
    // With a lower class threshold the residential roads take road 0's median.
    const g = fitRoadSpeeds(net, crawl, { minRoadPasses: 5, minClassPasses: 5 });
    expect(g.source[1]).toBe(SPEED_SOURCE.roadClass);
    expect(g.kmh[1]).toBeCloseTo(36, 9);
    expect(g.roadsBySource).toEqual([2, 5, 0]);
  });

  it('drops passes of 0 s and passes outside the plausible speeds', () => {
    const noisy: Trajectory[] = [{ id: 'n', roads: [0, 2, 5], times: [0, 0, 1] }]; // 0 s, then 2,880 km/h
    expect(fitRoadSpeeds(net, noisy).passes).toBe(0);
  });

  it('fittedFastest avoids the crawling motorway that the free-flow fastest path takes', () => {
    expect(baselineRouter('fastest', net).route(0, 5).roads).toEqual([0, 2, 5]);
    expect(baselineRouter('fittedFastest', net, crawl).route(0, 5).roads).toEqual([0, 1, 5]);
    // Below the road threshold the motorway is back at its table speed.
    const lax = baselineRouter('fittedFastest', net, crawl, { speedRule: { minRoadPasses: 6, minClassPasses: 20 } });
    expect(lax.route(0, 5).roads).toEqual([0, 2, 5]);
    expect(lax.fitted?.roadsBySource).toEqual({ road: 0, roadClass: 0, table: 7 });
    expect(() => baselineRouter('fittedFastest', net)).toThrow(/train trips/);
  });
});

describe('Markov chain with a length term', () => {
  const net = network();
  const train = [trip('a', [0, 3, 4, 5]), trip('b', [0, 3, 4, 5]), trip('c', [0, 3, 4]), trip('d', [0, 1, 5])];

  it('μ 0 is the chain’s most probable path; a large μ is the shortest path', () => {
    expect(baselineRouter('markovLength', net, train, { lengthPerKm: 0 }).route(0, 5).roads).toEqual(
      baselineRouter('markov', net, train).route(0, 5).roads,
    );
    expect(baselineRouter('markovLength', net, train, { lengthPerKm: 0 }).route(0, 5).roads).toEqual([0, 3, 4, 5]);
    const long = baselineRouter('markovLength', net, train, { lengthPerKm: 100 });
    expect(long.route(0, 5).roads).toEqual([0, 1, 5]);
    // Its cost is no log-probability.
    expect(long.route(0, 5).logProb).toBeNaN();
    expect(long.markov?.lengthPerKm).toBe(100);
  });

  it('α is the smoothing of the chain; bad settings are refused by name', () => {
    expect(baselineRouter('markov', net, train, { markovAlpha: 2 }).markov?.smoothing).toBe(2);
    expect(() => baselineRouter('markov', net, train, { markovAlpha: 0 })).toThrow(/α must be > 0/);
    expect(() => baselineRouter('markovLength', net, train, { lengthPerKm: -1 })).toThrow(/μ must be ≥ 0/);
    expect(baselineDescription('markovLength', { lengthPerKm: 3, markovLengthAlpha: 0.5 })).toMatch(/3 · km.*\+ 0\.5\)/);
    expect(parseBaselineMethods('fittedFastest,markovLength')).toEqual(['fittedFastest', 'markovLength']);
  });
});

describe('baseline settings per city', () => {
  it("a city with its own val sweep takes its choices, any other Porto's; a set flag wins", () => {
    const sf = baselineSettings('sf');
    expect([sf.markovLengthAlpha, sf.lengthPerKm, sf.speedRule.minRoadPasses]).toEqual([30, 10, 30]);
    expect(sf.markovAlpha).toBe(BASELINE_DEFAULTS.markovAlpha);
    expect(baselineSettings('porto')).toEqual(BASELINE_DEFAULTS);
    expect(baselineSettings('grid-town')).toEqual(BASELINE_DEFAULTS);
    expect(baselineSettings('sf', { lengthPerKm: 2, markovAlpha: undefined })).toMatchObject({ lengthPerKm: 2, markovAlpha: 10 });
    expect(baselineDescription('markovLength', sf)).toContain('10 · km');
  });

  it("the app's city names find the same choices as the CLI's folder names", () => {
    // The app's data worker names a city's dataset as on screen; the CLI by its folder.
    for (const city of CITIES) expect(baselineSettings(city.name)).toEqual(baselineSettings(city.id));
    expect(markovLengthChain('San Francisco')).toEqual({ alpha: 30, lengthPerKm: 10 });
  });
});
