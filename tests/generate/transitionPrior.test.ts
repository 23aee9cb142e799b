import { describe, it, expect } from 'vitest';
import { network, trip } from './baselineNetwork';
import { MARKOV_SMOOTHING } from '../../src/lib/data/markovChain';
import { isStartTimeAware } from '../../src/lib/generate/generator';
import { bestFirstSearch, type BatchScorer, type StepQuery } from '../../src/lib/generate/search';
import { markovTransitionPrior, parsePriorSpec, withTransitionPrior } from '../../src/lib/generate/transitionPrior';

describe('transition prior', () => {
  const net = network();
  const train = [trip('a', [0, 3, 4, 5]), trip('b', [0, 3, 4, 5]), trip('c', [0, 3, 4]), trip('d', [0, 1, 5])];
  const prior = markovTransitionPrior(net, train);
  const a = MARKOV_SMOOTHING;

  /** A scorer that prefers the short way 0 → 1 → 5 (log-probs over road 0's successors 2, 1, 3). */
  const likesShort: BatchScorer = {
    scoreBatch: (qs: StepQuery[]) =>
      qs.map((q) => {
        const cur = q.prefix[q.prefix.length - 1];
        const cand = net.out[cur];
        const w = cand.length === 1 ? [1] : cand.map((c) => (c === 1 ? 0.7 : 0.3 / (cand.length - 1)));
        return { candidates: cand, logProbs: w.map((x) => Math.log(x)), timeSec: cand.map(() => 10) };
      }),
  };

  it('is the Markov baseline’s smoothed chain', () => {
    // Road 0: counts 3 (→ 3), 1 (→ 1), 0 (→ 2) over 3 successors.
    expect(prior.logP(0, 3)).toBeCloseTo(Math.log((3 + a) / (4 + 3 * a)), 12);
    expect(prior.logP(0, 2)).toBeCloseTo(Math.log(a / (4 + 3 * a)), 12);
    // Not a successor: the smallest smoothed probability of the road, finite.
    expect(prior.logP(0, 6)).toBeCloseTo(prior.logP(0, 2), 12);
  });

  it('β = 0 is the scorer itself; β > 0 adds β · log p and renormalises over the same candidates', async () => {
    expect(withTransitionPrior(likesShort, prior, 0)).toBe(likesShort);
    const q: StepQuery = { prefix: [0], dest: 5 };
    const [base] = await likesShort.scoreBatch([q]);
    const [mixed] = await withTransitionPrior(likesShort, prior, 0.5).scoreBatch([q]);
    expect(Array.from(mixed.candidates)).toEqual(Array.from(base.candidates));
    expect(Array.from(mixed.timeSec ?? [])).toEqual(Array.from(base.timeSec ?? []));
    const total = Array.from(mixed.logProbs).reduce((s, x) => s + Math.exp(x), 0);
    expect(total).toBeCloseTo(1, 12);
    // Ratios between candidates move by exactly β · (log p_prior difference).
    const i1 = Array.from(base.candidates).indexOf(1);
    const i3 = Array.from(base.candidates).indexOf(3);
    const before = base.logProbs[i1] - base.logProbs[i3];
    const after = mixed.logProbs[i1] - mixed.logProbs[i3];
    expect(after - before).toBeCloseTo(0.5 * (prior.logP(0, 1) - prior.logP(0, 3)), 12);
  });

  it('a large β makes best-first search follow the count table instead of the scorer', async () => {
    const distanceToDest = () => 0;
    const own = await bestFirstSearch(likesShort, { origin: 0, dest: 5 }, { distanceToDest });
    expect(own.roads).toEqual([0, 1, 5]);
    const led = await bestFirstSearch(withTransitionPrior(likesShort, prior, 20), { origin: 0, dest: 5 }, { distanceToDest });
    expect(led.roads).toEqual([0, 3, 4, 5]);
  });

  it('passes the trips’ start times on to a start-time-aware scorer', () => {
    const seen: number[] = [];
    const aware = { ...likesShort, setStartTimes: (f: (q: StepQuery) => number) => seen.push(f({ prefix: [0], dest: 5 })) };
    const wrapped = withTransitionPrior(aware, prior, 0.5);
    expect(isStartTimeAware(wrapped)).toBe(true);
    if (isStartTimeAware(wrapped)) wrapped.setStartTimes(() => 1234);
    expect(seen).toEqual([1234]);
    expect(isStartTimeAware(withTransitionPrior(likesShort, prior, 0.5))).toBe(false);
  });

  it('masked candidates stay impossible, and a bad spec is refused', async () => {
    const masked: BatchScorer = {
      scoreBatch: (qs) => qs.map(() => ({ candidates: [2, 1, 3], logProbs: [-Infinity, Math.log(0.5), Math.log(0.5)] })),
    };
    const [s] = await withTransitionPrior(masked, prior, 1).scoreBatch([{ prefix: [0], dest: 5 }]);
    expect(s.logProbs[0]).toBe(-Infinity);
    expect(parsePriorSpec('markov:0.25')).toEqual({ kind: 'markov', beta: 0.25 });
    for (const bad of ['markov', 'markov:-1', 'teacher:0.5', 'markov:x']) expect(() => parsePriorSpec(bad)).toThrow(/markov:<β ≥ 0>/);
  });
});
