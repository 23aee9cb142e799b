// Page side of the evaluation worker (workers/evalWorker.ts): starts it on first use, runs the
// protocol for two student checkpoints (shipped URLs or picked files) with progress and cancel,
// and hands the result to the report store so the view shows this session's numbers. A pool: the
// worker that runs the protocol shards each generation over itself and helper workers of the same
// kind, one per core (poolSize), connected to it by MessageChannels; the results are those of one
// worker (src/lib/generate/shards.ts).
import * as Comlink from 'comlink';
import type {
  CheckpointSource,
  DatasetSource,
  EvalModelInput,
  EvalProgress,
  EvalRunOptions,
  EvalWorkerApi,
  KeptOd,
  OdRoutesResult,
  OdStudents,
} from '../../../workers/evalMessages';
import { sameSource, withDataset } from '../stores/dataset.svelte';
import { compareReport } from './reportStore.svelte';
import { poolSize } from '../workerPool';
import { CITIES, cityCheckpointUrl, type City } from '../stores/cities';
import { parseEvalReport, parseRoutes } from './reportTypes';
import type { ModelName } from './reportTypes';
import type { SplitName } from '../../lib/data/types';
import type { RouteFileOutcome } from '../../lib/eval/routeFile';

/** Most workers a re-run starts by default: each holds the dataset and both students. */
export const MAX_EVAL_WORKERS = 4;

/** Workers for a re-run: `?workers=N` (1–16), else navigator.hardwareConcurrency capped at MAX_EVAL_WORKERS. */
export const evalPoolSize = (search: string, hardwareConcurrency: number | undefined): number =>
  poolSize(search, hardwareConcurrency, 'workers', MAX_EVAL_WORKERS);

export type EvalPhase = 'idle' | 'starting' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'error';

/** A picked checkpoint file, or null for the shipped one (public/checkpoints/porto/<model>.safetensors). */
export type CheckpointChoice = File | null;

export class EvalClient {
  phase = $state<EvalPhase>('idle');
  /** Init step ("backend", "dataset" …) while the worker starts. */
  step = $state<string | null>(null);
  progress = $state.raw<EvalProgress | null>(null);
  backend = $state<string | null>(null);
  message = $state<string | null>(null);
  seconds = $state<number | null>(null);
  /** Workers generating in the current pool (1: the protocol worker alone). */
  workers = $state(1);

  private worker: Worker | null = null;
  private helpers: Worker[] = [];
  private api: Comlink.Remote<EvalWorkerApi> | null = null;
  private ready: Promise<Comlink.Remote<EvalWorkerApi>> | null = null;
  private runId = 0;

  private root(): URL {
    return new URL(import.meta.env.BASE_URL, location.href);
  }

  /** The dataset the worker was started on (default: the embedded Porto set). */
  private source: DatasetSource | null = null;

  /**
   * The worker on `source` (default: the embedded Porto set), started and initialised on first use
   * (a failed start is retried next time). Another dataset needs a worker of its own.
   */
  private start(source?: DatasetSource): Promise<Comlink.Remote<EvalWorkerApi>> {
    const src: DatasetSource = source ?? { kind: 'url', baseUrl: new URL('data/porto/', this.root()).href, name: 'Porto' };
    if (this.ready && this.source && !sameSource(this.source, src)) {
      this.dispose();
      this.backend = null;
    }
    if (this.ready) return this.ready;
    this.source = src;
    this.worker = new Worker(new URL('../../../workers/evalWorker.ts', import.meta.url), { type: 'module' });
    this.worker.onerror = (ev) => this.fail(`Evaluation worker failed: ${ev.message || 'unknown error'}`);
    const api = Comlink.wrap<EvalWorkerApi>(this.worker);
    this.api = api;
    const initMsg = { backend: new URLSearchParams(location.search).get('backend') };
    // Each worker gets its own copy of the dataset the data worker parsed (transferred, not shared).
    const init = withDataset(initMsg, src).then((msg) =>
      api.init(
        msg,
        Comlink.proxy((step: string) => {
          this.step = step;
        }),
      ),
    );
    this.ready = init.then((r) => {
      this.backend = r.backend.name;
      this.step = null;
      return api;
    });
    this.ready.catch((e: unknown) => this.fail(e instanceof Error ? e.message : String(e)));
    return this.ready;
  }

  /** The helpers of the worker on `source`, started by the first re-run (scoring a file or one OD pair needs none). */
  private pool: Promise<Comlink.Remote<EvalWorkerApi>> | null = null;

  /**
   * The worker on `source` with its helper pool: helpers start beside it, one per core
   * (evalPoolSize); one that fails to start is left out (fewer workers, same results).
   */
  private startPool(source?: DatasetSource): Promise<Comlink.Remote<EvalWorkerApi>> {
    const main = this.start(source);
    if (this.pool) return this.pool;
    const src = this.source!;
    const initMsg = { backend: new URLSearchParams(location.search).get('backend') };
    const helpers = Array.from(
      { length: evalPoolSize(location.search, navigator.hardwareConcurrency) - 1 },
      () => new Worker(new URL('../../../workers/evalWorker.ts', import.meta.url), { type: 'module' }),
    );
    this.helpers = helpers;
    const joined = helpers.map(async (w) => {
      const h = Comlink.wrap<EvalWorkerApi>(w);
      await h.init(
        await withDataset(initMsg, src),
        Comlink.proxy(() => undefined),
      );
      const ch = new MessageChannel();
      await h.serve(Comlink.transfer(ch.port1, [ch.port1]));
      return ch.port2;
    });
    const pool = Promise.all([main, Promise.allSettled(joined)]).then(async ([api, settled]) => {
      const ports: MessagePort[] = [];
      settled.forEach((x, i) => {
        if (x.status === 'fulfilled') ports.push(x.value);
        else helpers[i].terminate();
      });
      await api.useHelpers(Comlink.transfer(ports, ports));
      this.workers = 1 + ports.length;
      return api;
    });
    // A failed start is retried next time (start() reports it).
    pool.catch(() => {
      if (this.pool === pool) this.pool = null;
    });
    this.pool = pool;
    return pool;
  }

  private fail(text: string): void {
    this.phase = 'error';
    this.message = text;
    // A worker that failed to start is dropped, so the next run starts a fresh one.
    if (!this.backend) this.dispose();
  }

  /** Evaluates on `source` (default Porto); a null choice means the shipped checkpoint. */
  /** A model with no file chosen is `city`'s checkpoint (default Porto's, shipped). */
  async run(
    choices: Record<ModelName, CheckpointChoice>,
    options: EvalRunOptions,
    source?: DatasetSource,
    city: City = CITIES[0],
  ): Promise<void> {
    if (this.phase === 'starting' || this.phase === 'running' || this.phase === 'cancelling') return;
    this.phase = 'starting';
    this.message = null;
    this.progress = null;
    this.seconds = null;
    let api: Comlink.Remote<EvalWorkerApi>;
    try {
      api = await this.startPool(source);
    } catch {
      return;
    }
    const transfer: ArrayBuffer[] = [];
    const models: { name: string; checkpoint: CheckpointSource }[] = [];
    for (const name of ['vanilla', 'distilled'] as const) {
      const file = choices[name];
      if (file) {
        const bytes = await file.arrayBuffer();
        transfer.push(bytes);
        models.push({ name, checkpoint: { kind: 'bytes', bytes } });
      } else {
        models.push({ name, checkpoint: { kind: 'url', url: cityCheckpointUrl(city, name) } });
      }
    }
    const runId = ++this.runId;
    this.phase = 'running';
    const onProgress = Comlink.proxy((p: EvalProgress) => {
      if (runId === this.runId) this.progress = p;
    });
    try {
      const out = await api.run(Comlink.transfer(models, transfer), $state.snapshot(options) as EvalRunOptions, onProgress);
      if (runId !== this.runId) return;
      if (out.kind === 'cancelled') {
        this.phase = 'cancelled';
        return;
      }
      try {
        compareReport.setRerun(parseEvalReport(out.report), parseRoutes(out.report.routes ?? []));
        this.phase = 'done';
        this.seconds = out.seconds;
      } catch (e) {
        this.phase = 'error';
        this.message = `The worker's report could not be shown: ${e instanceof Error ? e.message : String(e)}`;
      }
    } catch (e) {
      if (runId !== this.runId) return;
      this.phase = 'error';
      this.message = e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Routes from a file scored against `split`'s real trips by the worker on `source` (started if
   * needed). The worker reads the file as a stream of lines; bad rows come back dropped, each with
   * its `file:line: reason`.
   */
  async scoreRoutes(file: File, split: SplitName, source?: DatasetSource): Promise<RouteFileOutcome> {
    this.scoring++;
    try {
      const api = await this.start(source);
      return await api.scoreRoutes(file, file.name, split);
    } finally {
      this.scoring--;
    }
  }

  /** Routes files being scored: a restart would cut them. */
  private scoring = 0;

  /**
   * Drops the worker (the next call starts a fresh one) to stop an OD pair's generation under way
   * (odRoutes.svelte.ts): not while a re-run or a routes file uses it. Whether it was dropped.
   */
  restartUnlessInUse(): boolean {
    if (!this.ready || this.scoring > 0 || this.phase === 'starting' || this.phase === 'running' || this.phase === 'cancelling')
      return false;
    this.dispose();
    this.backend = null;
    return true;
  }

  /**
   * One OD pair's routes on demand: the route baselines, and `students`' routes when given (a pair
   * the report's sample lacks; null choices are `city`'s checkpoints).
   */
  async odRoutes(
    od: KeptOd,
    students: { search: Omit<OdStudents, 'models'>; city: City } | null,
    source?: DatasetSource,
  ): Promise<OdRoutesResult> {
    const api = await this.start(source);
    const models: EvalModelInput[] = students
      ? (['vanilla', 'distilled'] as const).map((name) => ({
          name,
          checkpoint: { kind: 'url', url: cityCheckpointUrl(students.city, name) },
        }))
      : [];
    return api.odRoutes(od, students ? { models, ...students.search } : null);
  }

  cancel(): void {
    if (this.phase !== 'running') return;
    this.phase = 'cancelling';
    void this.api?.cancel();
  }

  dispose(): void {
    this.api?.[Comlink.releaseProxy]();
    this.api = null;
    this.worker?.terminate();
    this.worker = null;
    for (const h of this.helpers) h.terminate();
    this.helpers = [];
    this.workers = 1;
    this.ready = null;
    this.pool = null;
  }
}

/** Overall share done: finished runs plus the current run's fraction, over all runs. */
export function overallFraction(p: EvalProgress | null): number {
  if (!p || p.runs <= 0) return 0;
  const cur = p.total > 0 ? p.done / p.total : 0;
  return Math.min(1, (p.run + cur) / p.runs);
}

export const evalClient = new EvalClient();
