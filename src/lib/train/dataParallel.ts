// Data-parallel training, the maths without the threads: N workers each hold the same weights and
// optimiser state, each computes the gradient of its shard of one batch, the gradients are summed
// and every worker applies the same sum in the same order, so the weights stay identical.
//
// Why a sum and not a mean: the student's loss parts are divided by the WHOLE batch's counts
// (decision steps for the cross-entropy, timed steps for the time loss, kept KL rows for the KL;
// studentLoss.ts `lossParts(…, totals)`), which is what makes micro-batch accumulation exact. A
// shard does the same: it first learns the joined batch's counts (`counts`, one small exchange),
// then its gradient is its share of the joined batch's mean loss gradient, and the shards' shares
// add up to it. Weighting shard means by their decision steps would be exact for the
// cross-entropy alone; the time loss and the KL have other denominators, so the counts travel
// instead. The sum differs from one worker's only in the order of the float additions
// (tests/train/dataParallel.test.ts holds it to float tolerance).
//
// Framework-free: plain arrays in and out. The trainer (studentTrainer.ts, its `dataParallel`
// hook) reads its gradients into a ShardContribution; a GradientExchange carries them (ExchangeHub
// in one process, src/cli/train/trainPool.ts over worker threads).
import type { Counts } from './studentLoss';

/**
 * The trips of one batch that worker `rank` of `size` trains on: positions rank, rank + size, …
 * of the batch. Batches are sorted by length within their window (studentTrainer's bucketing), so
 * strided shards get trips of the same lengths, the same longest trip and so the same padded work;
 * contiguous shards would give one worker all the long trips. A batch smaller than `size` leaves
 * the last workers an empty shard (they contribute nothing).
 */
export function batchShard<T>(batch: readonly T[], size: number, rank: number): T[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batchShard: size must be a positive integer, got ${size}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= size) throw new Error(`batchShard: rank must be in [0, ${size}), got ${rank}`);
  const out: T[] = [];
  for (let i = rank; i < batch.length; i += size) out.push(batch[i]);
  return out;
}

/** One worker's share of a step: what it sends to be summed, and what it gets back (the sum). */
export interface ShardContribution {
  /** Every trainable variable's gradient, flattened and concatenated in the trainer's variable order (zeros where absent). */
  grad: Float32Array;
  /** 1 where this shard's gradient reached the variable (a variable without a gradient is not updated at all). */
  present: Uint8Array;
  /** Plain sums that add over shards (loss parts, correct predictions, KL rows), in an order the trainer fixes. */
  stats: Float64Array;
}

/** The joined batch's counts: the shards' counts added. */
export function sumCounts(parts: readonly Counts[]): Counts {
  const out: Counts = { ce: 0, time: 0, kl: 0 };
  for (const c of parts) {
    out.ce += c.ce;
    out.time += c.time;
    out.kl += c.kl;
  }
  return out;
}

/**
 * The sum of the shards' contributions, added in rank order (float32 for the gradient, as the
 * device adds, float64 for the stats), so every worker that receives it applies the same bits.
 */
export function sumContributions(parts: readonly ShardContribution[]): ShardContribution {
  if (parts.length === 0) throw new Error('sumContributions: no shard');
  const [first] = parts;
  for (const p of parts)
    if (p.grad.length !== first.grad.length || p.present.length !== first.present.length || p.stats.length !== first.stats.length)
      throw new Error('sumContributions: the shards disagree on the sizes of the gradient, the variables or the stats');
  const grad = Float32Array.from(first.grad);
  const present = Uint8Array.from(first.present);
  const stats = Float64Array.from(first.stats);
  for (let s = 1; s < parts.length; s++) {
    const p = parts[s];
    for (let i = 0; i < grad.length; i++) grad[i] += p.grad[i];
    for (let i = 0; i < present.length; i++) present[i] |= p.present[i];
    for (let i = 0; i < stats.length; i++) stats[i] += p.stats[i];
  }
  return { grad, present, stats };
}

/** What a worker's trainer calls, twice per step, in this order; every worker must call both. */
export interface GradientExchange {
  readonly rank: number;
  readonly size: number;
  /** The joined batch's counts (every worker's local counts summed). */
  counts(local: Counts): Promise<Counts>;
  /** The summed contribution of every worker (sumContributions in rank order). */
  contribute(local: ShardContribution): Promise<ShardContribution>;
}

/** One all-reduce round: resolves every caller with `reduce` of all `size` inputs once the last arrives. */
class Round<T, R> {
  private readonly inputs: (T | undefined)[];
  private readonly waiters: { resolve: (r: R) => void; reject: (e: Error) => void }[] = [];
  private arrived = 0;

  constructor(
    private readonly size: number,
    private readonly reduce: (xs: T[]) => R,
  ) {
    this.inputs = new Array<T | undefined>(size);
  }

  add(rank: number, x: T): Promise<R> {
    if (this.inputs[rank] !== undefined) throw new Error(`exchange: rank ${rank} sent twice in one round`);
    this.inputs[rank] = x;
    this.arrived += 1;
    const p = new Promise<R>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.arrived === this.size) {
      try {
        const r = this.reduce(this.inputs as T[]);
        for (const w of this.waiters) w.resolve(r);
      } catch (e) {
        for (const w of this.waiters) w.reject(e as Error);
      }
    }
    return p;
  }

  get full(): boolean {
    return this.arrived === this.size;
  }

  fail(e: Error): void {
    for (const w of this.waiters) w.reject(e);
    this.waiters.length = 0;
  }
}

/**
 * The meeting point of `size` workers' exchanges in one process: rank r's k-th call of `counts`
 * meets every other rank's k-th call. The thread pool (src/cli/train/trainPool.ts) runs one on the main
 * thread and feeds it the other threads' messages; tests give each in-process trainer an endpoint.
 */
export class ExchangeHub {
  private readonly rounds = {
    counts: new Map<number, Round<Counts, Counts>>(),
    contribute: new Map<number, Round<ShardContribution, ShardContribution>>(),
  };
  private readonly calls: Record<'counts' | 'contribute', number[]>;
  private failed: Error | null = null;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`ExchangeHub: size must be a positive integer, got ${size}`);
    this.calls = { counts: new Array<number>(size).fill(0), contribute: new Array<number>(size).fill(0) };
  }

  counts(rank: number, local: Counts): Promise<Counts> {
    return this.join(this.rounds.counts, this.calls.counts, rank, local, () => new Round<Counts, Counts>(this.size, sumCounts));
  }

  contribute(rank: number, local: ShardContribution): Promise<ShardContribution> {
    return this.join(
      this.rounds.contribute,
      this.calls.contribute,
      rank,
      local,
      () => new Round<ShardContribution, ShardContribution>(this.size, sumContributions),
    );
  }

  /** Rank `rank`'s GradientExchange. */
  endpoint(rank: number): GradientExchange {
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.size) throw new Error(`ExchangeHub: no rank ${rank} of ${this.size}`);
    return { rank, size: this.size, counts: (c) => this.counts(rank, c), contribute: (c) => this.contribute(rank, c) };
  }

  /** Rejects every waiting call and every later one (a worker died: the others must not wait forever). */
  fail(e: Error): void {
    this.failed = e;
    for (const r of this.rounds.counts.values()) r.fail(e);
    for (const r of this.rounds.contribute.values()) r.fail(e);
    this.rounds.counts.clear();
    this.rounds.contribute.clear();
  }

  /** Rank `rank`'s k-th call joins round k; a round leaves the map once every rank has joined it. */
  private join<T, R>(rounds: Map<number, Round<T, R>>, calls: number[], rank: number, x: T, make: () => Round<T, R>): Promise<R> {
    if (this.failed) return Promise.reject(this.failed);
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.size) return Promise.reject(new Error(`ExchangeHub: no rank ${rank}`));
    const k = calls[rank]++;
    let round = rounds.get(k);
    if (!round) {
      round = make();
      rounds.set(k, round);
    }
    const p = round.add(rank, x);
    if (round.full) rounds.delete(k);
    return p;
  }
}
