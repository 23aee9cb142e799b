// Page side of the training worker: owns the Worker, sends typed requests, and keeps the reactive
// state the training panel renders (backend, run state, metric series, epochs, checkpoints).
// No tensor math here: the worker does all of it.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendInfo } from '../../lib/runtime/backend';
import type { SessionEpochRecord, SessionMetrics } from '../../lib/train/session';
import type { EpochRecord } from '../../lib/train/studentTrainer';
import type { DatasetSummary, SavedInfo, TrainHyper, TrainRequest, TrainResponse, TrainState } from '../../../workers/trainMessages';
import { MetricSeries } from './series';
import { downloadFile } from '../download';

export interface UrlOptions {
  backend: string | null;
  hyper: Partial<TrainHyper>;
}

const NUM_KEYS = ['lambda', 'tau', 'window', 'lr', 'batch', 'epochs', 'seed', 'alpha', 'maxLen'] as const;

/** `?backend=webgpu&mode=distilled&batch=4&epochs=2&size=small&freeze=1…` → options (test-friendly). */
export function optionsFromUrl(search: string): UrlOptions {
  const q = new URLSearchParams(search);
  const hyper: Partial<TrainHyper> = {};
  for (const k of NUM_KEYS) {
    const v = q.get(k);
    if (v !== null && v !== '' && Number.isFinite(Number(v))) hyper[k] = Number(v);
  }
  if (hyper.batch !== undefined) hyper.microBatch = hyper.batch;
  const mode = q.get('mode');
  if (mode === 'vanilla' || mode === 'distilled') hyper.mode = mode;
  const size = q.get('size');
  if (size === 'small' || size === 'default') hyper.size = size;
  // Boolean flags: `?freeze=1` freezes the road/zone encoders (also a fast path for e2e runs on a
  // software WebGPU adapter, where the encoders' backward pass takes minutes per step).
  const flag = (k: string): boolean | undefined => {
    const v = q.get(k);
    return v === null ? undefined : v === '' || v === '1' || v === 'true';
  };
  const freeze = flag('freeze');
  if (freeze !== undefined) hyper.freezeEncoders = freeze;
  const lastStep = flag('lastStepOnly');
  if (lastStep !== undefined) hyper.lastStepOnly = lastStep;
  return { backend: q.get('backend'), hyper };
}

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

export class TrainClient {
  backend = $state.raw<BackendInfo | null>(null);
  dataset = $state.raw<DatasetSummary | null>(null);
  state = $state<TrainState>('loading');
  stateReason = $state<string | null>(null);
  progress = $state<string | null>('starting the training worker');
  hyper = $state.raw<TrainHyper | null>(null);
  studentParams = $state(0);
  stepsPerEpoch = $state(0);
  latest = $state.raw<SessionMetrics | null>(null);
  epochs = $state.raw<(SessionEpochRecord | EpochRecord)[]>([]);
  saved = $state.raw<SavedInfo | null>(null);
  notice = $state.raw<Notice | null>(null);
  /**
   * Set when a checkpoint was loaded (saved run or upload): where its run stopped, so the counters
   * show that position before the first new step. `seq` changes on every load.
   */
  resumedAt = $state.raw<{ epoch: number; step: number; seq: number } | null>(null);
  /** Bumped whenever `series` changes (the series object itself is not reactive). */
  version = $state(0);
  readonly series = new MetricSeries();

  private worker: Worker | null = null;

  start(opts: UrlOptions, baseUrl: string): void {
    if (this.worker) return;
    this.worker = new Worker(new URL('../../../workers/trainWorker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<TrainResponse>) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => {
      this.notice = { kind: 'error', text: `Training worker failed: ${ev.message || 'unknown error'}` };
    };
    const root = new URL(baseUrl, location.href);
    this.send({
      type: 'init',
      backend: opts.backend,
      dataset: { kind: 'url', baseUrl: new URL('data/porto/', root).href, name: 'Porto' },
      teacherUrl: new URL('checkpoints/porto/teacher.safetensors', root).href,
      wasmPaths: {
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      },
    });
  }

  send(msg: TrainRequest, transfer: Transferable[] = []): void {
    this.worker?.postMessage(msg, transfer);
  }

  configure(hyper: Partial<TrainHyper>): void {
    this.resumedAt = null;
    this.series.clear();
    this.epochs = [];
    this.latest = null;
    this.version++;
    // $state proxies cannot be structured-cloned: post a plain copy.
    this.send({ type: 'configure', hyper: $state.snapshot(hyper) as Partial<TrainHyper> });
  }

  async upload(file: File): Promise<void> {
    const bytes = await file.arrayBuffer();
    this.send({ type: 'loadCheckpoint', bytes, name: file.name }, [bytes]);
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private onMessage(m: TrainResponse): void {
    switch (m.type) {
      case 'progress':
        this.progress = `${m.phase}${m.total ? ` ${m.loaded}/${m.total}` : ''}`;
        break;
      case 'ready':
        this.backend = m.backend;
        this.dataset = m.dataset;
        this.saved = m.saved;
        this.progress = null;
        break;
      case 'configured':
        this.hyper = m.hyper;
        this.studentParams = m.studentParams;
        this.stepsPerEpoch = m.stepsPerEpoch;
        break;
      case 'state':
        this.state = m.state;
        this.stateReason = m.reason ?? null;
        // A "Loaded …" notice describes the run that just ended: it must not outlive Stop.
        if (m.state === 'stopped' && this.notice?.kind === 'info') this.notice = null;
        if (m.reason && (m.state === 'stopped' || m.state === 'done')) this.notice = { kind: 'info', text: m.reason };
        break;
      case 'metrics': {
        const { type: _t, ...rec } = m;
        this.latest = rec;
        this.series.pushMetrics(rec);
        this.version++;
        break;
      }
      case 'epoch': {
        const { type: _t, ...rec } = m;
        this.epochs = [...this.epochs, rec];
        this.series.pushEpoch(rec);
        this.version++;
        break;
      }
      case 'checkpoint':
        // The worker cannot start a download; the main thread hands the bytes to the browser.
        downloadFile(m.name, m.bytes, 'application/octet-stream');
        break;
      case 'loaded':
        this.series.clear();
        for (const h of m.history) this.series.pushEpoch(h, true);
        this.epochs = m.history;
        this.latest = null;
        this.resumedAt = { epoch: m.epoch, step: m.step, seq: (this.resumedAt?.seq ?? 0) + 1 };
        this.version++;
        this.notice = { kind: 'info', text: `Loaded ${m.name}: epoch ${m.epoch}, step ${m.step}.` };
        break;
      case 'saved':
        this.saved = m.info;
        break;
      case 'error':
        this.notice = { kind: 'error', text: m.during ? `${m.message}` : m.message };
        break;
    }
  }
}


/**
 * The one training client of the page. It outlives the Train view: switching to another view and
 * back keeps the worker, the run and its charts (issue: switching tabs killed training).
 */
export const trainClient = new TrainClient();

// A closing or reloading tab would end a run in progress: ask first. Pauses and finished epochs are
// auto-saved, so an unsaved loss is only the steps since the last of those.
if (typeof addEventListener === 'function') {
  addEventListener('beforeunload', (ev) => {
    if (trainClient.state === 'running') ev.preventDefault();
  });
}
