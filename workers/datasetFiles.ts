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

/**
 * The dataset files of `src`: user-picked files as they are, or the HOSER files under a base URL.
 * Throws when one of `required` is missing; `onFile` counts finished downloads.
 */
export async function readDatasetSource(
  src: DatasetSource,
  required: readonly string[] = ROADMAP_FILES,
  onFile?: (done: number, total: number) => void,
): Promise<TextFile[]> {
  if (src.kind === 'files') {
    // A picked folder may hold other files (a data card …) and gzipped splits: keep the HOSER
    // files, unzipped, under their plain names.
    const plain = (f: File) => f.name.replace(/\.gz$/i, '');
    const picked = src.files.filter((f) => DATASET_FILES.includes(plain(f)));
    const texts = await Promise.all(
      picked.map(async (f) => {
        if (!/\.gz$/i.test(f.name)) return { name: f.name, text: await f.text() };
        const unzipped = f.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
        return { name: plain(f), text: await new Response(unzipped).text() };
      }),
    );
    for (const name of required) if (!texts.some((t) => t.name === name)) throw new Error(`${name} is missing from the picked files`);
    return texts;
  }
  let done = 0;
  const files = await Promise.all(
    DATASET_FILES.map(async (name) => {
      const res = await fetchAsset(new URL(name, src.baseUrl).href);
      const text = res ? await res.text() : null;
      onFile?.(++done, DATASET_FILES.length);
      if (text === null && required.includes(name)) throw new Error(`${name} not found at ${src.baseUrl}`);
      return text === null ? null : { name, text };
    }),
  );
  return files.filter((f): f is TextFile => f !== null);
}
