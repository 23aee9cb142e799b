// The play / pause / step / stop state machine that every training session shares (student and
// teacher). It drives one async step at a time and yields to the event loop between steps, so
// that messages (pause, stop, a single step, a checkpoint download) are handled while it runs.
//
// Framework-free: no DOM, no worker globals. Yielding is injectable for tests.

export type SessionState = 'idle' | 'running' | 'paused' | 'stopped' | 'done';

/** What a session hands the loop: its step and when its trainer has finished. */
export interface Steppable<M> {
  /** One optimiser step with its bookkeeping; a `halt` reason ends the run (e.g. a NaN loss). */
  stepOnce(): Promise<{ metrics: M; halt?: string }>;
  /** The trainer has run all its epochs (or stopped early). */
  readonly finished: boolean;
  /** Why a finished trainer stopped early (divergence, early stopping); undefined when it ran out. */
  readonly finishReason: string | undefined;
  /** Releases throttled metrics at the end of a run or of a single step. */
  flushMetrics(): void;
  /** Restarts throughput clocks when a run (re)starts, so idle time is not counted. */
  resetClock(): void;
}

export class RunLoop<M> {
  private _state: SessionState = 'idle';
  private loop: Promise<void> | null = null;
  private busy = false;
  private since: number | null = null;

  constructor(
    private readonly s: Steppable<M>,
    private readonly onState: (s: SessionState, reason?: string) => void = () => {},
    private readonly yieldFn: () => Promise<void> = macrotask,
    /** Awaited between the steps of a run (e.g. a periodic autosave of a consistent state). */
    private readonly betweenSteps?: () => Promise<void>,
  ) {}

  get state(): SessionState {
    return this._state;
  }

  /** When the step in progress began (Date.now()), or null between steps. */
  get stepSince(): number | null {
    return this.since;
  }

  setState(s: SessionState, reason?: string): void {
    if (this._state === s && reason === undefined) return;
    this._state = s;
    this.onState(s, reason);
  }

  /** Ends for good without an event (the session is being disposed). */
  close(): void {
    this._state = 'stopped';
  }

  /** After a checkpoint load: a finished run becomes resumable again, without an event. */
  reopen(): void {
    if (this._state === 'done' || this._state === 'stopped') this._state = 'paused';
    if (this.s.finished) this.setState('done');
  }

  /** Starts (or resumes) the run loop; resolves when it stops running (pause, stop, done). */
  start(): Promise<void> {
    if (this._state === 'stopped' || this._state === 'done') return Promise.resolve();
    if (this.s.finished) {
      this.finish();
      return Promise.resolve();
    }
    if (this.loop) return this.loop;
    this.s.resetClock();
    this.setState('running');
    this.loop = this.runLoop().finally(() => {
      this.loop = null;
    });
    return this.loop;
  }

  /** Pauses after the step in progress; the returned promise resolves once the loop has halted. */
  async pause(): Promise<void> {
    if (this._state !== 'running') return;
    this.setState('paused');
    await this.loop;
  }

  /** Ends the run for good (weights stay usable for checkpoints and evaluation). */
  async stop(): Promise<void> {
    if (this._state === 'stopped' || this._state === 'done') return;
    this.setState('stopped');
    await this.loop;
  }

  /** One step while not running (idle or paused); always releases its metrics. */
  async step(): Promise<M | null> {
    if (this._state === 'running' || this._state === 'stopped' || this._state === 'done' || this.busy) return null;
    if (this._state === 'idle') this.setState('paused');
    this.s.resetClock();
    const m = await this.oneStep();
    this.s.flushMetrics();
    // A halting step (NaN) has set 'stopped' meanwhile: the narrowing above does not know.
    if (this.s.finished && (this._state as SessionState) !== 'stopped') this.finish();
    return m;
  }

  private async runLoop(): Promise<void> {
    try {
      while (this._state === 'running' && !this.s.finished) {
        await this.oneStep();
        if (this.betweenSteps && this._state === 'running') await this.betweenSteps();
        await this.yieldFn();
      }
      this.s.flushMetrics();
      if (this.s.finished && this._state !== 'stopped') this.finish();
    } catch (e) {
      this.setState('stopped', `training failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  private async oneStep(): Promise<M> {
    this.busy = true;
    this.since = Date.now();
    try {
      const { metrics, halt } = await this.s.stepOnce();
      if (halt) this.setState('stopped', halt);
      return metrics;
    } finally {
      this.busy = false;
      this.since = null;
    }
  }

  private finish(): void {
    const reason = this.s.finishReason;
    if (reason) this.setState('stopped', reason);
    else this.setState('done');
  }
}

/** A macrotask boundary: lets queued messages (pause, stop, step) run between training steps. */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
