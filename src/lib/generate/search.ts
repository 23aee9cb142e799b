// Model-agnostic route search over a directed road graph (thesis Alg. 4; HOSER gene.py).
// The searches know nothing about the model: a BatchScorer says, for a prefix and a destination,
// which roads may come next and with what log-probability (and optionally how long the hop takes).

/** One search state to score: the road prefix so far (origin first) and the target road. */
export interface StepQuery {
  prefix: readonly number[];
  dest: number;
  /**
   * The prefix array of an earlier query that this one extends by one road, when the search has
   * it: a scorer that caches per-prefix state finds the parent's state by identity instead of by
   * comparing roads.
   */
  parent?: readonly number[];
}

/**
 * The scorer's answer for one query: the candidate next roads (normally every out-neighbour of the
 * prefix's last road), their log-probabilities (a log-softmax over exactly these candidates) and
 * optionally the predicted seconds to reach each candidate. Non-finite log-probs (a masked
 * candidate) are never taken. An empty candidate list is a dead end.
 */
export interface StepScores {
  candidates: ArrayLike<number>;
  logProbs: ArrayLike<number>;
  timeSec?: ArrayLike<number>;
}

/**
 * Scores many queries at once; must return one StepScores per query, in order. Each search step
 * makes exactly one call (all live beams of all OD pairs together), so a scorer that needs to bound
 * memory splits the batch itself. Prefix arrays are never mutated after they are handed out, so a
 * scorer may cache per-prefix state keyed on them.
 */
export interface BatchScorer {
  scoreBatch(queries: StepQuery[]): Promise<StepScores[]> | StepScores[];
}

export interface OD {
  origin: number;
  dest: number;
}

export interface SearchResult {
  /** Roads from the origin; ends at the destination when reached. */
  roads: number[];
  reached: boolean;
  /** Cumulative log-probability of the returned path under the scorer. */
  logProb: number;
  /** Predicted seconds per hop (roads.length − 1 entries) when the scorer gave times. */
  stepTimes?: number[];
}

/** Something with an `aborted` flag (an AbortSignal fits). */
export interface AbortFlag {
  readonly aborted: boolean;
}

export interface BeamSearchOptions {
  /** Beam width b (default 4). */
  beam?: number;
  /** At most this many roads are appended to the origin (default 500). */
  maxSteps?: number;
  /** Any distance-like measure from a road to the destination; used only to pick the partial path on failure. */
  distanceToDest: (road: number, dest: number) => number;
  /**
   * Keep at most one beam per end road in each step (the best-scoring one; default true). Beams
   * that meet on the same road would otherwise spend the width on near-identical futures.
   */
  uniqueEnds?: boolean;
  signal?: AbortFlag;
  /** Called after every step with the step index and the number of OD pairs still searching. */
  onStep?: (step: number, live: number) => void;
}

export interface BestFirstOptions {
  /** Scorer calls (node expansions) allowed per OD pair (default 5000, as HOSER). */
  maxExpansions?: number;
  distanceToDest: (road: number, dest: number) => number;
  /**
   * A*-style guide, in nats per unit of distanceToDest (km for the generator's centroid distance):
   * a node's place in the queue is its log-prob minus guide · its distance to the destination, so
   * nodes nearer the destination are expanded sooner. The route's log-prob is not changed. 0 or
   * absent: HOSER's uniform-cost search on −log p.
   */
  guide?: number;
  /**
   * Length penalty in nats per km (default 0, none): a route's cost is −log p + lengthPerKm · km of
   * the roads it enters, as the markovLength baseline's, so a detour has to buy its length with
   * probability. The returned logProb stays the model's. Needs roadKm.
   */
  lengthPerKm?: number;
  roadKm?: (road: number) => number;
  signal?: AbortFlag;
  /** Called after every round with the round index and the number of OD pairs still searching. */
  onStep?: (step: number, live: number) => void;
}

/** Unix-second timestamps from a start and per-hop seconds (rounded, clamped at 0, as gene.py). */
export function assignTimes(startUnix: number, stepSeconds: number[]): number[] {
  if (!Number.isFinite(startUnix)) throw new Error(`assignTimes: start ${startUnix} is not finite`);
  const out = [startUnix];
  let t = startUnix;
  for (const s of stepSeconds) {
    if (!Number.isFinite(s)) throw new Error(`assignTimes: step ${s} is not finite`);
    t += Math.max(0, Math.round(s));
    out.push(t);
  }
  return out;
}

interface Hyp {
  roads: number[];
  /** The parent hypothesis's roads (null for the origin). */
  from: readonly number[] | null;
  logProb: number;
  /** null once a step came without a time prediction. */
  times: number[] | null;
  /** Best-first with a length penalty: logProb − lengthPerKm · km entered (the search's own score). */
  score?: number;
}

function toResult(h: Hyp, reached: boolean): SearchResult {
  const r: SearchResult = { roads: h.roads, reached, logProb: h.logProb };
  if (h.times) r.stepTimes = h.times;
  return r;
}

function checkAbort(signal: AbortFlag | undefined): void {
  if (signal?.aborted) {
    const e = new Error('search aborted');
    e.name = 'AbortError';
    throw e;
  }
}

async function scoreAll(scorer: BatchScorer, queries: StepQuery[]): Promise<StepScores[]> {
  const scores = await scorer.scoreBatch(queries);
  if (scores.length !== queries.length) {
    throw new Error(`scorer returned ${scores.length} results for ${queries.length} queries`);
  }
  return scores;
}

function extend(h: Hyp, road: number, lp: number, dt: number | undefined): Hyp {
  return {
    roads: [...h.roads, road],
    from: h.roads,
    logProb: lp,
    times: h.times && dt !== undefined ? [...h.times, dt] : null,
  };
}

/**
 * Beam search for many OD pairs at once (thesis Alg. 4). Every step sends all live beams of all
 * OD pairs to the scorer in one call. A beam's children are its candidates minus roads already on
 * its own path (no loops); the b best children by cumulative log-prob form the next beam. As in the
 * thesis code, an OD pair finishes as soon as a beam of the new set ends on the destination (the
 * best such beam is returned). When the beams die out or the step cap is hit, the explored beam
 * ending nearest the destination (origin included) is returned with reached = false.
 */
export async function beamSearch(scorer: BatchScorer, ods: OD[], opts: BeamSearchOptions): Promise<SearchResult[]> {
  const width = opts.beam ?? 4;
  const maxSteps = opts.maxSteps ?? 500;
  const uniqueEnds = opts.uniqueEnds ?? true;
  if (!Number.isInteger(width) || width < 1) throw new Error(`beamSearch: beam must be a positive integer, got ${width}`);
  if (!(maxSteps >= 0)) throw new Error(`beamSearch: maxSteps must be ≥ 0, got ${maxSteps}`);

  interface State {
    od: OD;
    beams: Hyp[];
    result: SearchResult | null;
    nearest: Hyp;
    nearestDist: number;
  }
  const states: State[] = ods.map((od) => {
    const start: Hyp = { roads: [od.origin], from: null, logProb: 0, times: [] };
    return {
      od,
      beams: [start],
      result: od.origin === od.dest ? toResult(start, true) : null,
      nearest: start,
      nearestDist: opts.distanceToDest(od.origin, od.dest),
    };
  });

  for (let step = 0; step < maxSteps; step++) {
    const live = states.filter((s) => s.result === null);
    if (live.length === 0) break;
    checkAbort(opts.signal);
    const queries: StepQuery[] = [];
    for (const s of live)
      for (const b of s.beams)
        queries.push(b.from ? { prefix: b.roads, dest: s.od.dest, parent: b.from } : { prefix: b.roads, dest: s.od.dest });
    const scores = await scoreAll(scorer, queries);
    checkAbort(opts.signal);

    let q = 0;
    for (const s of live) {
      const children: { parent: Hyp; road: number; lp: number; dt: number | undefined }[] = [];
      for (const parent of s.beams) {
        const sc = scores[q++];
        for (let j = 0; j < sc.candidates.length; j++) {
          const road = sc.candidates[j];
          const lp = parent.logProb + sc.logProbs[j];
          if (!Number.isFinite(lp) || parent.roads.includes(road)) continue;
          children.push({ parent, road, lp, dt: sc.timeSec?.[j] });
        }
      }
      // Stable sort: ties keep beam order, then candidate order, so results are deterministic.
      children.sort((a, b) => b.lp - a.lp);
      const next: Hyp[] = [];
      const ends = new Set<number>();
      for (const c of children) {
        if (next.length >= width) break;
        if (uniqueEnds && ends.has(c.road)) continue;
        ends.add(c.road);
        next.push(extend(c.parent, c.road, c.lp, c.dt));
      }
      s.beams = next;
      const hit = next.find((h) => h.roads[h.roads.length - 1] === s.od.dest);
      if (hit) {
        s.result = toResult(hit, true);
        continue;
      }
      for (const h of next) {
        const d = opts.distanceToDest(h.roads[h.roads.length - 1], s.od.dest);
        if (d < s.nearestDist) {
          s.nearestDist = d;
          s.nearest = h;
        }
      }
      if (next.length === 0) s.result = toResult(s.nearest, false);
    }
    opts.onStep?.(
      step,
      states.reduce((n, s) => n + (s.result === null ? 1 : 0), 0),
    );
  }
  return states.map((s) => s.result ?? toResult(s.nearest, false));
}

/** Binary max-heap on score; ties pop in insertion order so searches are deterministic. */
class MaxHeap<T> {
  private items: { score: number; seq: number; value: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(score: number, value: T): void {
    const a = this.items;
    a.push({ score, seq: this.seq++, value });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.above(a[l], a[m])) m = l;
        if (r < a.length && this.above(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top.value;
  }

  private above(x: { score: number; seq: number }, y: { score: number; seq: number }): boolean {
    return x.score > y.score || (x.score === y.score && x.seq < y.seq);
  }
}

/**
 * HOSER's best-first search (gene.py `search`) for many OD pairs in lockstep: each round pops the
 * best node of every live OD pair and scores them all in one call, which gives exactly the results
 * of running the pairs one at a time. Per pair: a priority queue on cumulative log-prob; each road
 * is expanded at most once; a child is pushed only if it beats that road's best score so far; the
 * search stops when the destination is popped. After maxExpansions expansions (or an empty queue)
 * the popped path ending nearest the destination is returned with reached = false.
 */
export async function bestFirstSearchMany(scorer: BatchScorer, ods: OD[], opts: BestFirstOptions): Promise<SearchResult[]> {
  const maxExpansions = opts.maxExpansions ?? 5000;
  const guide = opts.guide ?? 0;
  if (!(guide >= 0)) throw new Error(`bestFirstSearch: guide must be ≥ 0, got ${guide}`);
  const priority = (lp: number, road: number, dest: number) => (guide > 0 ? lp - guide * opts.distanceToDest(road, dest) : lp);
  const perKm = opts.lengthPerKm ?? 0;
  if (!(perKm >= 0)) throw new Error(`bestFirstSearch: lengthPerKm must be ≥ 0, got ${perKm}`);
  const roadKm = opts.roadKm;
  if (perKm > 0 && !roadKm) throw new Error('bestFirstSearch: lengthPerKm needs roadKm');
  interface State {
    od: OD;
    heap: MaxHeap<Hyp>;
    best: Map<number, number>;
    expanded: Set<number>;
    expansions: number;
    result: SearchResult | null;
    nearest: Hyp | null;
    nearestDist: number;
  }
  const states: State[] = ods.map((od) => {
    const heap = new MaxHeap<Hyp>();
    heap.push(0, { roads: [od.origin], from: null, logProb: 0, times: [] });
    return {
      od,
      heap,
      best: new Map([[od.origin, 0]]),
      expanded: new Set<number>(),
      expansions: 0,
      result: null,
      nearest: null,
      nearestDist: Infinity,
    };
  });
  const finish = (s: State) => {
    // The origin is always popped first, so `nearest` is set once anything was popped.
    s.result = toResult(s.nearest ?? { roads: [s.od.origin], from: null, logProb: 0, times: [] }, false);
  };

  for (let round = 0; ; round++) {
    checkAbort(opts.signal);
    const batch: { s: State; node: Hyp }[] = [];
    for (const s of states) {
      if (s.result !== null) continue;
      let node: Hyp | undefined;
      while (s.expansions < maxExpansions && (node = s.heap.pop()) !== undefined) {
        const road = node.roads[node.roads.length - 1];
        if (s.expanded.has(road)) continue;
        s.expanded.add(road);
        if (road === s.od.dest) {
          s.result = toResult(node, true);
          break;
        }
        const d = opts.distanceToDest(road, s.od.dest);
        if (d < s.nearestDist) {
          s.nearestDist = d;
          s.nearest = node;
        }
        batch.push({ s, node });
        s.expansions++;
        break;
      }
      if (s.result === null && batch[batch.length - 1]?.s !== s) finish(s);
    }
    if (batch.length === 0) break;
    const scores = await scoreAll(
      scorer,
      batch.map(({ s, node }) =>
        node.from ? { prefix: node.roads, dest: s.od.dest, parent: node.from } : { prefix: node.roads, dest: s.od.dest },
      ),
    );
    for (let i = 0; i < batch.length; i++) {
      const { s, node } = batch[i];
      const sc = scores[i];
      for (let j = 0; j < sc.candidates.length; j++) {
        const road = sc.candidates[j];
        const lp = node.logProb + sc.logProbs[j];
        const score = perKm > 0 ? (node.score ?? node.logProb) + sc.logProbs[j] - perKm * roadKm!(road) : lp;
        if (!Number.isFinite(score) || s.expanded.has(road)) continue;
        const prev = s.best.get(road);
        if (prev !== undefined && score <= prev) continue;
        s.best.set(road, score);
        const child = extend(node, road, lp, sc.timeSec?.[j]);
        if (perKm > 0) child.score = score;
        s.heap.push(priority(score, road, s.od.dest), child);
      }
    }
    opts.onStep?.(
      round,
      states.reduce((n, s) => n + (s.result === null ? 1 : 0), 0),
    );
  }
  return states.map((s) => s.result!);
}

/** Best-first search for one OD pair (see bestFirstSearchMany). */
export async function bestFirstSearch(scorer: BatchScorer, od: OD, opts: BestFirstOptions): Promise<SearchResult> {
  const [r] = await bestFirstSearchMany(scorer, [od], opts);
  return r;
}
