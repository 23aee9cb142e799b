// Fetching the app's own static assets (dataset files, checkpoints) from a worker. One rule for
// every worker: `vite preview` answers unknown paths with index.html, so an HTML answer is absent.
import { SPLITS, type TextFile } from '../src/lib/data/types';
import type { DatasetSource } from './trainMessages';

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

/** A picked file's text, gunzipped when its name ends in .gz, under its plain name. */
async function pickedText(f: File): Promise<TextFile> {
  if (!/\.gz$/i.test(f.name)) return { name: f.name, text: await f.text() };
  const unzipped = f.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  return { name: f.name.replace(/\.gz$/i, ''), text: await new Response(unzipped).text() };
}

/**
 * The dataset files of `src`: user-picked files as they are, or the HOSER files under a base URL;
 * matched splits (`src.splits`) in place of the source's own trips. Throws when one of `required`
 * is missing; `onFile` counts finished downloads.
 */
export async function readDatasetSource(
  src: DatasetSource,
  required: readonly string[] = ROADMAP_FILES,
  onFile?: (done: number, total: number) => void,
): Promise<TextFile[]> {
  const wanted: readonly string[] = src.splits ? ROADMAP_FILES : DATASET_FILES;
  const splits = await Promise.all((src.splits ?? []).map(pickedText));
  let texts: TextFile[];
  if (src.kind === 'files') {
    // A picked folder may hold other files (a data card …) and gzipped splits: keep the HOSER
    // files, unzipped, under their plain names.
    texts = await Promise.all(src.files.filter((f) => wanted.includes(f.name.replace(/\.gz$/i, ''))).map(pickedText));
  } else {
    let done = 0;
    const fetched = await Promise.all(
      wanted.map(async (name) => {
        const res = await fetchAsset(new URL(name, src.baseUrl).href);
        const text = res ? await res.text() : null;
        onFile?.(++done, wanted.length);
        return text === null ? null : { name, text };
      }),
    );
    texts = fetched.filter((f): f is TextFile => f !== null);
  }
  texts.push(...splits);
  for (const name of required) {
    if (texts.some((t) => t.name === name)) continue;
    if (name === 'train.csv') throw new Error(noTrainTrips(src.name));
    throw new Error(src.kind === 'files' ? `${name} is missing from the picked files` : `${name} not found at ${src.baseUrl}`);
  }
  return texts;
}
