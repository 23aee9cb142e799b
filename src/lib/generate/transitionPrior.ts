// A road-to-road prior added to a scorer's log-probabilities at generation time: the Markov
// baseline's transition table (baselines.ts, counted on the train trips) as a second opinion on
// which road comes next. The combined scores are
//   log q(c) = log p_student(c) + β · log p_markov(c | last road) − log Σ_c' exp(…)
// over the scorer's own candidates, so β = 0 gives the scorer back unchanged and a large β follows
// the count table. Nothing is trained: β is a knob chosen on val (docs/experiments/study-log.md, "A Markov prior").
import { forwardCsr, type RoutingGraph } from '../data/routingGraph';
import type { RoadNetwork, Trajectory } from '../data/types';
import { logSoftmaxInPlace } from '../stats';
import { countTransitions, markovEdgeCosts, MARKOV_SMOOTHING } from '../data/markovChain';
import { isStartTimeAware, type StartTimeAware } from './generator';
import type { BatchScorer, StepQuery, StepScores } from './search';

/** log p(next | cur) for a road and one of its candidates. */
export interface TransitionPrior {
  /** What the prior is, in words (written into reports). */
  readonly description: string;
  logP(cur: number, next: number): number;
}

/**
 * The Markov baseline's chain as a prior: add-α smoothing over each road's network successors,
 * counted on `trainTrips` only. A pair that no network link joins gets the smallest smoothed
 * probability among cur's successors (it cannot happen for a student's candidates, which are
 * cur's successors; kept finite so that a mismatch cannot make a candidate impossible).
 */
export function markovTransitionPrior(net: RoadNetwork, trainTrips: readonly Trajectory[], alpha = MARKOV_SMOOTHING): TransitionPrior {
  const g: RoutingGraph = forwardCsr(net);
  const cost = markovEdgeCosts(g, countTransitions(g, trainTrips), alpha);
  return {
    description: `first-order Markov chain over road → road transitions of the ${trainTrips.length} train trips, add-${alpha} smoothing over each road's successors`,
    logP(cur, next) {
      let worst = Infinity;
      for (let e = g.off[cur]; e < g.off[cur + 1]; e++) {
        if (g.adj[e] === next) return -cost[e];
        worst = Math.min(worst, -cost[e]);
      }
      return Number.isFinite(worst) ? worst : 0;
    },
  };
}

/** "markov:0.5" → { kind, beta }; throws on anything else. */
export function parsePriorSpec(v: string): { kind: 'markov'; beta: number } {
  // The pattern admits only non-negative decimals, so Number() of it is a finite β ≥ 0.
  const m = /^markov:([0-9]*\.?[0-9]+)$/.exec(v.trim());
  if (!m) throw new Error(`expected a prior as markov:<β ≥ 0>, e.g. markov:0.5, got "${v}"`);
  return { kind: 'markov', beta: Number(m[1]) };
}

/**
 * `scorer` with β · log prior(next | last road of the prefix) added to each candidate's
 * log-probability and renormalised over the same candidates; hop times pass through unchanged.
 */
export function withTransitionPrior(scorer: BatchScorer, prior: TransitionPrior, beta: number): BatchScorer {
  if (!(beta >= 0)) throw new Error(`withTransitionPrior: β must be ≥ 0, got ${beta}`);
  // β = 0 is the scorer itself, bit for bit (renormalising again would move the last float bits).
  if (beta === 0) return scorer;
  const mix = (q: StepQuery, s: StepScores): StepScores => {
    const cur = q.prefix[q.prefix.length - 1];
    const out = new Float64Array(s.candidates.length);
    for (let i = 0; i < out.length; i++) {
      const lp = s.logProbs[i];
      out[i] = Number.isFinite(lp) ? lp + beta * prior.logP(cur, s.candidates[i]) : -Infinity;
    }
    logSoftmaxInPlace(out);
    return { ...s, logProbs: out };
  };
  const wrapped: BatchScorer = {
    async scoreBatch(queries) {
      const scores = await scorer.scoreBatch(queries);
      return scores.map((s, i) => mix(queries[i], s));
    },
  };
  // A student's scores depend on each trip's start time: the generator sets it through the
  // wrapper, which must pass it on (without it the student scores every trip at a default time).
  if (isStartTimeAware(scorer))
    return { ...wrapped, setStartTimes: (startOf) => scorer.setStartTimes(startOf) } as BatchScorer & StartTimeAware;
  return wrapped;
}
