// Page side of the teaching worker: owns the Worker and keeps what it sent (model info, the
// explained trip, anomaly scores, the last detour) as reactive state. Raw numbers only: the view
// computes every τ/λ effect itself with src/lib/teach/stepMath.ts.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { LonLat, SplitName } from '../../lib/data/types';
import type { ScoreDistribution } from '../../lib/teach/anomaly';
import type { Detour } from '../../lib/teach/detour';
import type { TripExplanation } from '../../lib/teach/explain';
import type { TeachReady, TeachRequest, TeachResponse } from '../../../workers/teachMessages';

export interface LoadedTrip {
  split: SplitName;
  exp: TripExplanation;
  geometry: Record<number, LonLat[]>;
  bestStep: number;
}

export interface DetourResult {
  trip: string;
  detour: Detour;
  original: number;
  score: number;
  surprisal: number[];
}

export class TeachClient {
  ready = $state.raw<TeachReady | null>(null);
  progress = $state<string | null>('starting the teaching worker');
  trip = $state.raw<LoadedTrip | null>(null);
  loadingTrip = $state(false);
  scores = $state.raw<{ dist: ScoreDistribution; level: number; prob: number } | null>(null);
  detour = $state.raw<DetourResult | null>(null);
  error = $state<string | null>(null);

  private worker: Worker | null = null;
  private nextId = 1;
  private latestTrip = 0;
  private latestDetour = 0;

  start(backend: string | null, pinnedTrip: string | null = null): void {
    if (this.worker) return;
    this.worker = new Worker(new URL('../../../workers/teachWorker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<TeachResponse>) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => {
      this.error = `Teaching worker failed: ${ev.message || 'unknown error'}`;
    };
    const root = new URL(import.meta.env.BASE_URL, location.href);
    const ck = (name: string) => new URL(`checkpoints/porto/${name}.safetensors`, root).href;
    this.send({
      type: 'init',
      backend,
      dataBaseUrl: new URL('data/porto/', root).href,
      checkpoints: { teacher: ck('teacher'), vanilla: ck('vanilla'), distilled: ck('distilled') },
      pinnedTrip,
      wasmPaths: {
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      },
    });
  }

  explain(trip: string | null): void {
    const requestId = this.nextId++;
    this.latestTrip = requestId;
    this.loadingTrip = true;
    this.detour = null;
    this.send({ type: 'explain', requestId, trip });
  }

  makeDetour(trip: string, seed: number, level: number, prob: number): void {
    const requestId = this.nextId++;
    this.latestDetour = requestId;
    this.send({ type: 'detour', requestId, trip, seed, level, prob });
  }

  clearDetour(): void {
    this.detour = null;
  }

  stop(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private send(msg: TeachRequest): void {
    this.worker?.postMessage(msg);
  }

  private onMessage(msg: TeachResponse): void {
    switch (msg.type) {
      case 'progress':
        this.progress = msg.phase;
        break;
      case 'ready':
        this.ready = msg;
        this.progress = null;
        break;
      case 'telling':
        if (this.ready) this.ready = { ...this.ready, telling: msg.telling };
        break;
      case 'trip':
        if (msg.requestId !== this.latestTrip) return;
        this.trip = { split: msg.split, exp: msg.exp, geometry: msg.geometry, bestStep: msg.bestStep };
        this.loadingTrip = false;
        break;
      case 'detour':
        if (msg.requestId !== this.latestDetour) return;
        this.detour = { trip: msg.trip, detour: msg.detour, original: msg.original, score: msg.score, surprisal: msg.surprisal };
        break;
      case 'scores':
        this.scores = { dist: msg.dist, level: msg.level, prob: msg.prob };
        break;
      case 'error':
        this.error = msg.message;
        if (msg.requestId === this.latestTrip) this.loadingTrip = false;
        break;
    }
  }
}
