import { describe, it, expect } from 'vitest';
import { confirmationVerdict, registeredMarkdown, registeredResult } from '../../src/lib/eval/registeredConfirmation';
import { resultsTables, type ArmSources, type ReportSplit, type StepsFile } from '../../src/lib/eval/resultsTable';
import { pairedEffect } from '../../src/lib/eval/paired';

const seeds = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const van = [2.0, 2.1, 1.9, 2.05, 1.95, 2.02, 1.98, 2.07, 1.93, 2.0];
const wobble = [0.01, -0.02, 0.015, -0.01, 0.005, -0.015, 0.02, -0.005, 0.01, -0.01];

function report(dis: number[]): ReportSplit {
  return {
    arms: {
      vanilla: van.map((v, i) => ({ seed: seeds[i], metrics: { odDtwPerKm: v } })),
      distilled: dis.map((v, i) => ({ seed: seeds[i], metrics: { odDtwPerKm: v } })),
    },
    effects: { odDtwPerKm: pairedEffect(van, dis) },
  };
}

function steps(dis: number[]): StepsFile {
  return {
    vanilla: van.map((v, i) => ({ seed: seeds[i], decisionNll: v })),
    distilled: dis.map((v, i) => ({ seed: seeds[i], decisionNll: v })),
    effects: { decisionNll: pairedEffect(van, dis) },
  };
}

const spec = { file: 'registration.md', table: 'Porto confirm', arm: 'arm d', endpoints: ['decisionNll', 'dtwPerKmBeam', 'dtwPerKmBest'] };

function tables(nll: number, beam: number, best: number) {
  const shift = (d: number) => van.map((v, i) => v + d + wobble[i] * 0.1);
  const a: ArmSources = {
    label: 'arm d',
    source: 'registered',
    steps: steps(shift(nll)),
    beam: report(shift(beam)),
    bestFirst: report(shift(best)),
  };
  return resultsTables([{ city: 'Porto confirm', split: 'test', arms: [a] }]);
}

describe('the registered confirmation', () => {
  it('the rule: E1 and a route endpoint must help, nothing may hurt', () => {
    expect(confirmationVerdict(['helps', 'helps', 'no detectable effect'])).toBe('confirms arm d');
    expect(confirmationVerdict(['helps', 'no detectable effect', 'no detectable effect'])).toBe('confirms the next-road gain only');
    expect(confirmationVerdict(['helps', 'helps', 'hurts'])).toBe('does not confirm arm d');
    expect(confirmationVerdict(['no detectable effect', 'helps', 'helps'])).toBe('does not confirm arm d');
  });

  it('reads the endpoints in order with both adjustments; a null endpoint stays null', () => {
    const r = registeredResult(tables(-0.1, -0.1, 0), spec);
    expect(r.results.map((e) => e.id)).toEqual(['E1', 'E2', 'E3']);
    expect(r.results[0].n).toBe(10);
    expect(r.results[0].mean).toBeCloseTo(-0.1, 3);
    expect(r.results[2].verdict).toBe('no detectable effect');
    expect(r.verdict).toBe('confirms arm d');
    // Holm among three endpoints is never stricter than over the whole family.
    for (const e of r.results) expect(e.pHolmWithin).toBeLessThanOrEqual(e.pHolm + 1e-12);
    expect(registeredMarkdown(r)).toContain('Registered verdict (registration.md, Holm over all 3 as registered): **confirms arm d**');
  });

  it('a route endpoint that hurts sinks the confirmation', () => {
    expect(registeredResult(tables(-0.1, 0.1, 0), spec).verdict).toBe('does not confirm arm d');
  });

  it('refuses an arm or endpoint the tables lack', () => {
    expect(() => registeredResult(tables(-0.1, 0, 0), { ...spec, arm: 'arm e' })).toThrow(/not a row/);
    expect(() => registeredResult(tables(-0.1, 0, 0), { ...spec, endpoints: ['nope'] })).toThrow(/not a results column/);
  });
});
