// Page side of the teaching worker: owns the Worker and keeps what it sent (model info, the
// explained trip, anomaly scores, the last detour) as reactive state. Raw numbers only: the view
// computes every τ/λ effect itself with src/lib/teach/stepMath.ts.
import * as Comlink from 'comlink';
import type { TeachDetour, TeachReady, TeachScores, TeachTrip, TeachWorkerApi, TellingExample } from '../../../workers/teachMessages';
import { CITIES, cityCheckpointUrl, cityUrl, type City } from '../stores/cities';
import { withDataset } from '../stores/dataset.svelte';

export type LoadedTrip = TeachTrip;
export type DetourResult = TeachDetour;

export class TeachClient {
  ready = $state.raw<TeachReady | null>(null);
  progress = $state<string | null>('starting the teaching worker');
  trip = $state.raw<LoadedTrip | null>(null);
  loadingTrip = $state(false);
  scores = $state.raw<TeachScores | null>(null);
  detour = $state.raw<DetourResult | null>(null);
  error = $state<string | null>(null);

  private worker: Worker | null = null;
  private api: Comlink.Remote<TeachWorkerApi> | null = null;
  private latestTrip = 0;
  private latestDetour = 0;
  private nextId = 1;

  /** Starts the worker on `city`'s data and checkpoints (cities.ts; default Porto's, shipped). */
  start(backend: string | null, pinnedTrip: string | null = null, city: City = CITIES[0]): void {
    if (this.worker) return;
    this.worker = new Worker(new URL('../../../workers/teachWorker.ts', import.meta.url), { type: 'module' });
    this.worker.onerror = (ev) => {
      this.error = `Teaching worker failed: ${ev.message || 'unknown error'}`;
    };
    const api = Comlink.wrap<TeachWorkerApi>(this.worker);
    this.api = api;
    const ck = (name: string) => cityCheckpointUrl(city, name);
    const msg = {
      backend,
      checkpoints: { teacher: ck('teacher'), vanilla: ck('vanilla'), distilled: ck('distilled') },
      tellingUrl: cityCheckpointUrl(city, 'telling', '.json'),
      pinnedTrip,
    };
    withDataset(msg, { kind: 'url', baseUrl: cityUrl(city), name: city.name })
      .then((init) =>
        api.init(
          init,
          Comlink.proxy({
            progress: (phase: string) => {
              this.progress = phase;
            },
            telling: (telling: TellingExample) => {
              if (this.ready) this.ready = { ...this.ready, telling };
            },
            scores: (s: TeachScores) => {
              this.scores = s;
            },
            error: (message: string) => {
              this.error = message;
            },
          }),
        ),
      )
      .then((ready) => {
        this.ready = ready;
        this.progress = null;
      })
      .catch((e: unknown) => {
        this.error = message(e);
      });
  }

  explain(trip: string | null): void {
    const id = this.nextId++;
    this.latestTrip = id;
    this.loadingTrip = true;
    this.detour = null;
    this.api
      ?.explain(trip)
      .then((t) => {
        if (id === this.latestTrip) this.trip = t;
      })
      .catch((e: unknown) => {
        this.error = message(e);
      })
      .finally(() => {
        if (id === this.latestTrip) this.loadingTrip = false;
      });
  }

  makeDetour(trip: string, seed: number, level: number, prob: number): void {
    const id = this.nextId++;
    this.latestDetour = id;
    this.api
      ?.detour(trip, seed, level, prob)
      .then((d) => {
        if (id === this.latestDetour) this.detour = d;
      })
      .catch((e: unknown) => {
        this.error = message(e);
      });
  }

  clearDetour(): void {
    this.detour = null;
  }

  stop(): void {
    this.api?.[Comlink.releaseProxy]();
    this.api = null;
    this.worker?.terminate();
    this.worker = null;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
