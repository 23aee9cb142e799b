// Fetching the app's own static assets (dataset files, checkpoints) from a worker. One rule for
// every worker: `vite preview` answers unknown paths with index.html, so an HTML answer is absent.
import { SPLITS } from '../src/lib/data/types';

/** The HOSER files of a dataset folder, in load order. */
export const DATASET_FILES = ['roadmap.geo', 'roadmap.rel', ...SPLITS.map((s) => `${s}.csv`), 'routes.csv'];
/** Without these there is no dataset; the splits are optional (a roadmap alone is valid). */
export const ROADMAP_FILES = ['roadmap.geo', 'roadmap.rel'] as const;

/** GET an asset of the app; null when it is absent (404, or the SPA fallback page). */
export async function fetchAsset(url: string): Promise<Response | null> {
  const res = await fetch(url);
  if (!res.ok) return null;
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    await res.body?.cancel();
    return null;
  }
  return res;
}

/** The bytes of an asset of the app (a checkpoint); null when it is absent. */
export async function fetchAssetBytes(url: string): Promise<Uint8Array | null> {
  const res = await fetchAsset(url);
  return res ? new Uint8Array(await res.arrayBuffer()) : null;
}

/** Why a model worker that trains cannot start on `name`: said by the worker and by the Train view. */
export function noTrainTrips(name: string): string {
  return `${name} has no training trips: match GPS traces onto it (Data view) or open a dataset with a train.csv`;
}
