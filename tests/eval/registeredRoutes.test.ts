import { describe, it, expect } from 'vitest';
import {
  parseRegisteredRoutesReading,
  readRegisteredRoutes,
  readsLongTrips,
  registeredRoutesMarkdown,
} from '../../src/lib/eval/registeredRoutes';
import { readRegisteredLongTrips } from '../../src/lib/eval/registeredLongTrips';
import { parseResultsFile } from '../../src/lib/eval/resultsTable';
import { registeredInputs } from '../../src/cli/eval/evalRegisteredRoutes';

// Registration 2's reading: Holm over its three endpoints, verdicts by the adjusted p and the sign.
const share = (s: number, p: number) => ({
  share: s,
  ci95: [s - 0.05, s + 0.05] as [number, number],
  p,
  win: 10,
  tie: 5,
  loss: 3,
  nOd: 18,
});
const nll = (mean: number, sd: number) => ({ n: 10, mean, sd, ci95: [mean - sd, mean + sd] as [number, number] });

describe('registered route endpoints', () => {
  it('beats the baseline only when E1 is below it and E2 has more wins, both after Holm', () => {
    const r = readRegisteredRoutes({
      meanDiff: { mean: -0.2, ci95: [-0.3, -0.1], p: 0.01 },
      share: share(0.1, 0.02),
      nll: nll(-0.03, 0.01),
    });
    // Raw p 0.01, 0.02 and ~1e-6: Holm 0.02, 0.02, ~3e-6.
    expect(r.endpoints.map((e) => e.verdict)).toEqual(['below the baseline', 'more wins than losses', 'helps']);
    expect(r.endpoints[0].pHolm).toBeCloseTo(0.02, 12);
    expect(r.endpoints[1].pHolm).toBeCloseTo(0.02, 12);
    expect([r.beatsBaseline, r.improvesOnControl]).toEqual([true, true]);
  });

  it('a raw p under α that Holm lifts over it is no detectable difference, whatever its interval', () => {
    const r = readRegisteredRoutes({
      meanDiff: { mean: -0.2, ci95: [-0.3, -0.01], p: 0.03 },
      share: share(0.1, 0.04),
      nll: nll(0.002, 0.05),
    });
    expect(r.endpoints.map((e) => e.verdict)).toEqual(['no detectable difference', 'no detectable difference', 'no detectable effect']);
    expect(r.beatsBaseline).toBe(false);
  });

  it('the wrong direction is named as such', () => {
    const r = readRegisteredRoutes({
      meanDiff: { mean: 0.3, ci95: [0.1, 0.5], p: 0.001 },
      share: share(-0.1, 0.001),
      nll: nll(0.03, 0.01),
    });
    expect(r.endpoints.map((e) => e.verdict)).toEqual(['above the baseline', 'more losses than wins', 'hurts']);
    expect(registeredRoutesMarkdown(r, 'markovLength')).toContain('does not beat the best val-chosen baseline on test');
  });

  it('refuses reports of another split, another search or other seeds', () => {
    const vs = { ...share(0.1, 0.02), meanDiff: { mean: -0.2, ci95: [-0.3, -0.1] as [number, number], p: 0.01 } };
    const routes = {
      split: 'test',
      searches: { b: { method: 'bestFirst', cap: 1.2 } },
      checkpoints: [16, 17].map((seed) => ({ seed, file: `s${seed}` })),
      baselines: { markovLength: { bVsBaseline: vs } },
    };
    const steps = { split: 'test', trainingSeeds: [17, 16], effects: { decisionNll: nll(-0.03, 0.01) } };
    const want = { baseline: 'markovLength', split: 'test', cap: 1.2 };
    expect(registeredInputs(routes, steps, want).share.share).toBe(0.1);
    expect(() => registeredInputs({ ...routes, split: 'val' }, steps, want)).toThrow(/not test/);
    expect(() => registeredInputs({ ...routes, searches: { b: { method: 'bestFirst' } } }, steps, want)).toThrow(/tail guard at 1.2/);
    expect(() => registeredInputs(routes, { ...steps, trainingSeeds: [16, 18] }, want)).toThrow(/seeds differ/);
    expect(() => registeredInputs(routes, steps, { ...want, baseline: 'fastest' })).toThrow(/no fastest baseline/);
  });

  it('a reading read back is checked: every endpoint with its interval and verdict, or a named error', () => {
    const r = readRegisteredRoutes({
      meanDiff: { mean: 0.07, ci95: [-0.12, 0.27], p: 0.48 },
      share: share(-0.09, 0.001),
      nll: nll(-0.04, 0.02),
    });
    const reading = { baseline: 'markovLength', split: 'test', ...r };
    expect(parseRegisteredRoutesReading(JSON.parse(JSON.stringify(reading)))).toEqual(reading);
    expect(() => parseRegisteredRoutesReading({ ...reading, endpoints: reading.endpoints.slice(0, 2) })).toThrow(
      /E1, E2 and E3, not "E1,E2"/,
    );
    const noVerdict = { ...reading, endpoints: reading.endpoints.map((e, i) => (i === 1 ? { ...e, verdict: undefined } : e)) };
    expect(() => parseRegisteredRoutesReading(noVerdict)).toThrow(/E2 lacks/);
    expect(() => parseRegisteredRoutesReading({ endpoints: [] })).toThrow(/no baseline or split/);
    // A results file that carries a broken reading is refused as a whole, so Compare names it.
    const file = {
      schema: 'trajdistill-results/2',
      cities: [],
      columns: [],
      registeredRoutes: { reading: { ...reading, split: undefined } },
    };
    expect(() => parseResultsFile(file)).toThrow(/no baseline or split/);
    // A file of one entry (made before registration 3) is read as a list of one.
    const one = { ...file, registeredRoutes: { table: 'Porto', row: 'route features', reading } };
    expect(parseResultsFile(one).registeredRoutes).toEqual([one.registeredRoutes]);
  });

  it("reads registration 3's reading too: E3 the long third, its own conclusion", () => {
    const km = Array.from({ length: 12 }, (_, i) => i + 1);
    const long = {
      baseline: 'markovLength',
      split: 'test',
      ...readRegisteredLongTrips(
        [km.map(() => 1)],
        km.map(() => 1),
        km,
      ),
    };
    const back = parseRegisteredRoutesReading(JSON.parse(JSON.stringify(long)));
    expect(readsLongTrips(back)).toBe(true);
    expect(back.winsLongTrips).toBe(false);
    const r2 = {
      baseline: 'markovLength',
      split: 'test',
      ...readRegisteredRoutes({ meanDiff: { mean: 0, ci95: [-1, 1], p: 1 }, share: share(0, 1), nll: nll(0, 1) }),
    };
    expect(readsLongTrips(r2)).toBe(false);
    // One second conclusion, not none and not both.
    expect(() => parseRegisteredRoutesReading({ ...long, winsLongTrips: undefined })).toThrow(/two conclusions/);
    expect(() => parseRegisteredRoutesReading({ ...long, improvesOnControl: true })).toThrow(/two conclusions/);
  });
});
