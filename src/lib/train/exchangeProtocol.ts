// The gradient exchange's wire protocol, one implementation for every transport: the Node pool's
// worker threads (src/cli/train/trainPool.ts, trainGradWorker.ts) and the browser's gradient helper
// workers (workers/gradHelpers.ts, trainGradWorker.ts) send these messages; only how a message
// travels (a worker_threads port, a MessagePort) differs per side.
//
// Rank r > 0 holds a PortExchange (its GradientExchange): each call posts an ExchangeUp and waits
// for the ExchangeDown that answers it. Rank 0's side feeds each ExchangeUp to the ExchangeHub
// (serveExchange) and posts the sum back. Each rank calls counts and contribute one after the
// other (studentTrainer's step), so one answer of each kind is outstanding at a time.
//
// Framework-free: no DOM, no worker globals; the transport is a function handed in.
import type { Counts } from './studentLoss';
import type { ExchangeHub, GradientExchange, ShardContribution } from './dataParallel';

/** A helper rank's request: its local counts or its gradient share. */
export type ExchangeUp = { kind: 'counts'; local: Counts } | { kind: 'contribute'; local: ShardContribution };

/** Rank 0's answer: the sum over every rank, or why there is none (a rank failed). */
export type ExchangeDown =
  { kind: 'counts'; sum: Counts } | { kind: 'contribute'; sum: ShardContribution } | { kind: 'error'; message: string };

/** Posts a message with the buffers it gives away (moved, not copied, where the transport can). */
export type ExchangeSend<M> = (m: M, transfer: ArrayBuffer[]) => void;

/** The buffers of a message worth moving rather than copying: a contribution's gradient. */
function transferOf(m: ExchangeUp | ExchangeDown): ArrayBuffer[] {
  if (m.kind === 'contribute') return [('local' in m ? m.local : m.sum).grad.buffer as ArrayBuffer];
  return [];
}

export function isExchangeDown(m: { kind: string }): m is ExchangeDown {
  return m.kind === 'counts' || m.kind === 'contribute' || m.kind === 'error';
}

export function isExchangeUp(m: { kind: string }): m is ExchangeUp {
  return m.kind === 'counts' || m.kind === 'contribute';
}

/** A helper rank's GradientExchange over a transport: `receive` takes rank 0's answers. */
export class PortExchange implements GradientExchange {
  private waiting: { kind: 'counts' | 'contribute'; resolve: (v: Counts | ShardContribution) => void; reject: (e: Error) => void } | null =
    null;
  private failed: Error | null = null;

  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly send: ExchangeSend<ExchangeUp>,
  ) {}

  counts(local: Counts): Promise<Counts> {
    return this.ask({ kind: 'counts', local }) as Promise<Counts>;
  }

  /** The gradient's buffer moves to rank 0 (the trainer does not use it after the send). */
  contribute(local: ShardContribution): Promise<ShardContribution> {
    return this.ask({ kind: 'contribute', local }) as Promise<ShardContribution>;
  }

  /** One of rank 0's messages. */
  receive(m: ExchangeDown): void {
    const w = this.waiting;
    if (m.kind === 'error') {
      this.fail(new Error(m.message));
      return;
    }
    if (!w || w.kind !== m.kind) {
      this.fail(new Error(`exchange: a ${m.kind} answer that no call waits for`));
      return;
    }
    this.waiting = null;
    w.resolve(m.kind === 'counts' ? m.sum : m.sum);
  }

  /** Rejects the call waiting and every later one. */
  fail(e: Error): void {
    this.failed ??= e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(e);
  }

  private ask(m: ExchangeUp): Promise<Counts | ShardContribution> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiting) return Promise.reject(new Error(`exchange: ${m.kind} called while ${this.waiting.kind} waits`));
    return new Promise((resolve, reject) => {
      this.waiting = { kind: m.kind, resolve, reject };
      this.send(m, transferOf(m));
    });
  }
}

/**
 * Rank 0's side for one helper rank: its request joins the hub's round and the sum (or the
 * failure) goes back over the same transport. The sum is copied per rank, since the gradient's
 * buffer moves with the message and every rank needs one.
 */
export function serveExchange(hub: ExchangeHub, rank: number, m: ExchangeUp, send: ExchangeSend<ExchangeDown>): void {
  const fail = (e: Error): void => send({ kind: 'error', message: e.message }, []);
  if (m.kind === 'counts') hub.counts(rank, m.local).then((sum) => send({ kind: 'counts', sum }, []), fail);
  else
    hub.contribute(rank, m.local).then((s) => {
      const down: ExchangeDown = { kind: 'contribute', sum: { grad: s.grad.slice(), present: s.present, stats: s.stats } };
      send(down, transferOf(down));
    }, fail);
}
