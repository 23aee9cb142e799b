// Worker threads of the CLI: starting one on one of its own modules, from TypeScript sources (tsx, vitest) or
// built JavaScript. A thread does not run .ts files by itself: from sources, a small bootstrap
// registers tsx's loader in the thread first (tsx's ESM entry, its exports map: "./esm/api" →
// import: dist/esm/api/index.mjs), then imports the module. Then the job protocol of the pools whose
// threads answer one job at a time (matchPool.ts, generatePool.ts): JobThread on the pool's side,
// serveJobs in the thread.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, parentPort, workerData } from 'node:worker_threads';

/** A thread running `name` (a CLI module, as a path under src/cli/ without extension, e.g. 'train/trainGradWorker') with `workerData`. */
export function startCliThread(name: string, workerData: unknown): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`../${name}${ts ? '.ts' : '.js'}`, import.meta.url);
  if (!ts) return new Worker(url, { workerData });
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** The pool once every thread is ready; if one fails to start, the pool is closed and its error thrown. */
export async function whenReady<P extends { close(): Promise<void> }>(pool: P, ready: readonly Promise<void>[]): Promise<P> {
  try {
    await Promise.all(ready);
  } catch (e) {
    await pool.close();
    throw e;
  }
  return pool;
}

/** What a pool sends one of its threads: a job with its id, or close. */
export type JobRequest<J> = { kind: 'job'; id: number; job: J } | { kind: 'close' };

/** What a thread answers: ready once set up; a job's progress, result or error (id −1: setting up failed). */
export type JobReply<R, P> =
  | { kind: 'ready' }
  | { kind: 'progress'; id: number; progress: P }
  | { kind: 'done'; id: number; result: R }
  | { kind: 'error'; id: number; message: string };

/** A thread's work: each job's result (and the buffers to move rather than copy), and what to free at close. */
export interface JobHandler<J, R, P> {
  run(job: J, progress: (p: P) => void): R | Promise<R>;
  transfer?(result: R): ArrayBuffer[];
  close?(): void;
}

/**
 * The pool's side of one thread: each job gets an id, and its reply settles the job's promise.
 * `what` names the thread in errors ("matching thread").
 */
export class JobThread<J, R, P = never> {
  private readonly pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void; progress?: (p: P) => void }>();
  private nextId = 0;
  /** Settles once the thread has set up (or failed to). */
  readonly ready: Promise<void>;

  constructor(
    private readonly worker: Worker,
    what: string,
  ) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: JobReply<R, P>) => {
        if (m.kind === 'ready') return resolve();
        if (m.kind === 'error' && m.id === -1) return reject(new Error(`${what} failed to start: ${m.message}`));
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.kind === 'progress') return p.progress?.(m.progress);
        this.pending.delete(m.id);
        if (m.kind === 'done') p.resolve(m.result);
        else p.reject(new Error(`${what}: ${m.message}`));
      });
      worker.on('error', (e) => {
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    });
  }

  /** Jobs sent and not yet answered (a pool sends the next job to the least busy thread). */
  get busy(): number {
    return this.pending.size;
  }

  run(job: J, progress?: (p: P) => void): Promise<R> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress });
      this.worker.postMessage({ kind: 'job', id, job } satisfies JobRequest<J>);
    });
  }

  async close(): Promise<void> {
    this.worker.postMessage({ kind: 'close' } satisfies JobRequest<J>);
    await this.worker.terminate();
  }
}

/**
 * The thread's side (call it in the thread's module): sets up once from its workerData, then runs
 * the jobs it is sent one at a time, in the order they came, and posts each answer back.
 */
export function serveJobs<D, J, R, P = never>(setup: (data: D) => Promise<JobHandler<J, R, P>>): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs runs in a worker thread');
  const post = (m: JobReply<R, P>, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const fail = (id: number, e: unknown): void => post({ kind: 'error', id, message: (e as Error).stack ?? String(e) });
  setup(workerData as D).then(
    (handler) => {
      let queue = Promise.resolve();
      port.on('message', (req: JobRequest<J>) => {
        if (req.kind === 'close') {
          handler.close?.();
          port.close();
          return;
        }
        queue = queue.then(async () => {
          try {
            const result = await handler.run(req.job, (progress) => post({ kind: 'progress', id: req.id, progress }));
            post({ kind: 'done', id: req.id, result }, handler.transfer?.(result) ?? []);
          } catch (e) {
            fail(req.id, e);
          }
        });
      });
      post({ kind: 'ready' });
    },
    (e: unknown) => fail(-1, e),
  );
}
