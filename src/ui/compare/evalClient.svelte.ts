// Page side of the evaluation worker (workers/evalWorker.ts): starts it on first use, runs the
// protocol for two student checkpoints (shipped URLs or picked files) with progress and cancel,
// and hands the result to the report store so the view shows this session's numbers.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { CheckpointSource, EvalProgress, EvalRequest, EvalResponse, EvalRunOptions } from '../../../workers/evalMessages';
import { compareReport } from './reportStore.svelte';
import { parseEvalReport, parseRoutes } from './reportTypes';
import type { ModelName } from './reportTypes';

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

  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private resolveReady: (() => void) | null = null;
  private rejectReady: ((e: Error) => void) | null = null;
  private runId = 0;

  private root(): URL {
    return new URL(import.meta.env.BASE_URL, location.href);
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.worker = new Worker(new URL('../../../workers/evalWorker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<EvalResponse>) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => this.fail(`Evaluation worker failed: ${ev.message || 'unknown error'}`);
    this.send({
      type: 'init',
      backend: new URLSearchParams(location.search).get('backend'),
      dataset: { kind: 'url', baseUrl: new URL('data/porto/', this.root()).href, name: 'Porto' },
      wasmPaths: {
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      },
    });
    return this.ready;
  }

  private send(msg: EvalRequest, transfer: Transferable[] = []): void {
    this.worker?.postMessage(msg, transfer);
  }

  private fail(text: string): void {
    this.phase = 'error';
    this.message = text;
    this.rejectReady?.(new Error(text));
    // A worker that failed to start is dropped, so the next run starts a fresh one.
    if (!this.backend) {
      this.worker?.terminate();
      this.worker = null;
      this.ready = null;
    }
  }

  async run(choices: Record<ModelName, CheckpointChoice>, options: EvalRunOptions): Promise<void> {
    if (this.phase === 'starting' || this.phase === 'running' || this.phase === 'cancelling') return;
    this.phase = 'starting';
    this.message = null;
    this.progress = null;
    this.seconds = null;
    try {
      await this.start();
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
        models.push({ name, checkpoint: { kind: 'url', url: new URL(`checkpoints/porto/${name}.safetensors`, this.root()).href } });
      }
    }
    this.runId++;
    this.phase = 'running';
    this.send({ type: 'run', runId: this.runId, models, options }, transfer);
  }

  cancel(): void {
    if (this.phase !== 'running') return;
    this.phase = 'cancelling';
    this.send({ type: 'cancel', runId: this.runId });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
  }

  private onMessage(m: EvalResponse): void {
    switch (m.type) {
      case 'progress':
        this.step = m.step;
        break;
      case 'ready':
        this.backend = m.backend.name;
        this.step = null;
        this.resolveReady?.();
        break;
      case 'evalProgress':
        if (m.runId === this.runId) this.progress = m;
        break;
      case 'result': {
        if (m.runId !== this.runId) return;
        try {
          compareReport.setRerun(parseEvalReport(m.report), parseRoutes(m.report.routes ?? []));
          this.phase = 'done';
          this.seconds = m.seconds;
        } catch (e) {
          this.phase = 'error';
          this.message = `The worker's report could not be shown: ${e instanceof Error ? e.message : String(e)}`;
        }
        break;
      }
      case 'cancelled':
        if (m.runId === this.runId) this.phase = 'cancelled';
        break;
      case 'error':
        if (m.runId === undefined && !this.backend) this.fail(m.message);
        else if (m.runId === undefined || m.runId === this.runId) {
          this.phase = 'error';
          this.message = m.message;
        }
        break;
    }
  }
}

/** Overall share done: finished runs plus the current run's fraction, over all runs. */
export function overallFraction(p: EvalProgress | null): number {
  if (!p || p.runs <= 0) return 0;
  const cur = p.total > 0 ? p.done / p.total : 0;
  return Math.min(1, (p.run + cur) / p.runs);
}

export const evalClient = new EvalClient();
