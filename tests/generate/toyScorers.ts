// Test-only BatchScorers over a RoadNetwork: a softmax over the out-neighbours of the prefix's last
// road, steered towards (β > 0) or away from (β < 0) the destination's centroid.
import type { RoadNetwork } from '../../src/lib/data/types';
import type { RoadFeatures } from '../../src/lib/data/derivedTypes';
import type { StartTimeAware } from '../../src/lib/generate/generator';
import type { BatchScorer, StepQuery, StepScores } from '../../src/lib/generate/search';
import { haversineKm } from '../../src/lib/geo';

export class SteerScorer implements BatchScorer {
  calls = 0;
  queries = 0;
  constructor(
    protected net: RoadNetwork,
    protected features: RoadFeatures,
    protected beta = 5,
    private withTimes = true,
  ) {}

  protected hopSec(q: StepQuery, cand: number): number {
    return 10 + (cand % 7) + 0.4;
  }

  scoreBatch(queries: StepQuery[]): StepScores[] {
    this.calls++;
    this.queries += queries.length;
    const c = this.features.centroid;
    const pt = (r: number): [number, number] => [c[2 * r], c[2 * r + 1]];
    return queries.map((q) => {
      const cands = this.net.out[q.prefix[q.prefix.length - 1]] ?? [];
      const logits = cands.map((r) => -this.beta * haversineKm(pt(r), pt(q.dest)));
      const mx = Math.max(...logits);
      const lse = mx + Math.log(logits.reduce((s, l) => s + Math.exp(l - mx), 0));
      const out: StepScores = { candidates: cands, logProbs: logits.map((l) => l - lse) };
      if (this.withTimes) out.timeSec = cands.map((r) => this.hopSec(q, r));
      return out;
    });
  }
}

/** Hop times depend on the trip's start time, as the student's do. */
export class StartAwareScorer extends SteerScorer implements StartTimeAware {
  private startOf: (q: StepQuery) => number = () => 0;
  setStartTimes(startOf: (q: StepQuery) => number): void {
    this.startOf = startOf;
  }
  protected hopSec(q: StepQuery): number {
    return 5 + (this.startOf(q) % 1000);
  }
}
