// The interface of workers/teachWorker.ts, called through comlink. The worker runs the models
// once per trip and answers with raw numbers; the page recomputes every τ/λ effect itself (src/lib/teach).
import type { GridSpec } from '../src/lib/data/derivedTypes';
import type { PackedDataset } from '../src/lib/data/packedDataset';
import type { LonLat, SplitName } from '../src/lib/data/types';
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { Detour } from '../src/lib/teach/detour';
import type { ScoreDistribution } from '../src/lib/teach/anomaly';
import type { TripExplanation } from '../src/lib/teach/stepView';
import type { TellingExample } from '../src/lib/teach/tellingRules';

export type TeachModelName = 'teacher' | 'vanilla' | 'distilled';

export interface TeachModelInfo {
  /** 'checkpoint' = the shipped trained model; 'fresh' = randomly initialised stand-in. */
  source: 'checkpoint' | 'fresh';
  params: number;
  note?: string;
  /** Hyperparameters stored in the checkpoint (λ, τ, w …), when any. */
  hyper?: Record<string, unknown>;
  /** The teacher's tokenisation: ψ anchor and whether the destination cell comes first. */
  teacher?: { anchor: 'centroid' | 'end'; destination: boolean };
}

export interface TripListEntry {
  id: string;
  split: SplitName;
  roads: number;
}

export interface TeachInit {
  backend?: string | null;
  /** The city's dataset, parsed by the data worker (DataWorkerApi.packed), transferred. */
  dataset: PackedDataset;
  checkpoints: Record<TeachModelName, string>;
  /**
   * The city's committed telling examples (public/checkpoints/<city>/telling.json, lib/teach/
   * telling.ts): used when they were made from the checkpoints loaded; else the worker searches.
   */
  tellingUrl?: string;
  /**
   * The trip the page opens on (a shared link). Then init resolves before the search for the
   * telling example, which follows through `telling`: the first screen does not wait.
   */
  pinnedTrip?: string | null;
}

export interface TeachReady {
  backend: BackendInfo;
  models: Record<TeachModelName, TeachModelInfo>;
  /** Teacher context window w used for the teacher's input. */
  window: number;
  trips: TripListEntry[];
  /**
   * The telling example: a trip and step where the teacher and the vanilla student disagree; null
   * until found when the page opened on a pinned trip. `others`: the next most telling steps of
   * other trips, most telling first, which "Telling example" goes through in turn.
   */
  telling: TellingExample | null;
  /** Where the telling examples came from: the committed file, or a search here (and why). */
  tellingSource?: { kind: 'file' } | { kind: 'search'; reason: string };
  grid: GridSpec;
}

export type { TellingExample } from '../src/lib/teach/tellingRules';

export interface TeachTrip {
  split: SplitName;
  exp: TripExplanation;
  /** Polyline of every road on the trip and every candidate road. */
  geometry: Record<number, LonLat[]>;
  /** Best step to open on when the URL gave none. */
  bestStep: number;
}

export interface TeachDetour {
  trip: string;
  detour: Detour;
  /** Anomaly score of the trip as driven and with the detour; surprisal per detour token. */
  original: number;
  score: number;
  surprisal: number[];
}

export interface TeachScores {
  dist: ScoreDistribution;
  level: number;
  prob: number;
}

/** What the worker reports on its own (a comlink.proxy passed to init). */
export interface TeachEvents {
  progress(phase: string): void;
  /** The telling example, when init resolved without it (pinned trip). */
  telling(t: TellingExample): void;
  /** Score distribution of normal vs detoured val/test trips (once, after the first trip). */
  scores(s: TeachScores): void;
  /** A failure of that background work. */
  error(message: string): void;
}

/** The teaching worker's methods (comlink.wrap<TeachWorkerApi>). */
export interface TeachWorkerApi {
  init(opts: TeachInit, events: TeachEvents): Promise<TeachReady>;
  /** Explain a trip (all steps); trip null = the first one. */
  explain(trip: string | null): Promise<TeachTrip>;
  /** A synthetic detour of a trip and its anomaly score. */
  detour(trip: string, seed: number, level: number, prob: number): Promise<TeachDetour>;
}
