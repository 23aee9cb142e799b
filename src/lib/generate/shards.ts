// Splitting an OD list over several workers (threads, Web Workers) and merging their answers back
// into the input order. Pure: no threads here, the caller says how a piece runs on a lane.
//
// Why the merged routes equal one worker's bit for bit: every OD pair's search is independent of
// the others, and the student scorer answers each query row on its own (its host kernels work row
// by row; tests/eval/protocol.test.ts holds routes equal across chunk sizes, and
// tests/cli/generatePool.test.ts holds a two-thread run equal to one thread). A piece is generated
// with the same search settings as the whole list, and its trips are renamed with their index in
// the whole list, so nothing of a trip says which piece it came from.
import type { GeneratedTrip, GenerateOptions, GenOD } from './generator';

/** `n` items in `parts` contiguous ranges [start, end), sizes differing by at most one; no empty range. */
export function shardRanges(n: number, parts: number): [number, number][] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`shardRanges: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`shardRanges: parts must be a positive integer, got ${parts}`);
  const k = Math.min(parts, n);
  const out: [number, number][] = [];
  for (let i = 0, start = 0; i < k; i++) {
    const end = start + Math.floor(n / k) + (i < n % k ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}

/** Indices 0 … n−1 in `parts` shards: contiguous ranges, or strided (shard s holds s, s + parts, …). */
export function shardIndices(n: number, parts: number, how: 'contiguous' | 'strided' = 'contiguous'): number[][] {
  if (how === 'contiguous') return shardRanges(n, parts).map(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i));
  shardRanges(n, parts); // argument checks
  const out: number[][] = [];
  for (let s = 0; s < Math.min(parts, n); s++) {
    const idx: number[] = [];
    for (let i = s; i < n; i += parts) idx.push(i);
    out.push(idx);
  }
  return out;
}

/**
 * Puts the shards' results back where their items came from: `results[s][j]` belongs to item
 * `indices[s][j]`. Throws unless the shards cover 0 … n−1 exactly once with one result per item.
 */
export function mergeShards<R>(n: number, indices: readonly (readonly number[])[], results: readonly (readonly R[])[]): R[] {
  if (indices.length !== results.length) throw new Error(`mergeShards: ${indices.length} shards but ${results.length} results`);
  const out = new Array<R>(n);
  const filled = new Uint8Array(n);
  indices.forEach((idx, s) => {
    if (idx.length !== results[s].length)
      throw new Error(`mergeShards: shard ${s} has ${idx.length} items but ${results[s].length} results`);
    idx.forEach((i, j) => {
      if (!(Number.isInteger(i) && i >= 0 && i < n) || filled[i]) throw new Error(`mergeShards: item ${i} out of range or twice`);
      filled[i] = 1;
      out[i] = results[s][j];
    });
  });
  const missing = filled.indexOf(0);
  if (missing >= 0) throw new Error(`mergeShards: item ${missing} has no result`);
  return out;
}

/**
 * The contiguous pieces a sharded run hands out: `lanes` workers pull the next piece when they
 * finish one, so a slow lane (a busy core) takes fewer. A piece holds at most `pieceSize` items
 * (the one-worker chunk, so each search call sees as many rows as with one worker) and, when there
 * are few items, about n / lanes so that every lane gets work.
 */
export function pieceRanges(n: number, lanes: number, pieceSize: number): [number, number][] {
  if (!Number.isInteger(pieceSize) || pieceSize < 1) throw new Error(`pieceRanges: pieceSize must be a positive integer, got ${pieceSize}`);
  if (!Number.isInteger(lanes) || lanes < 1) throw new Error(`pieceRanges: lanes must be a positive integer, got ${lanes}`);
  const size = Math.max(1, Math.min(pieceSize, Math.ceil(n / lanes)));
  return shardRanges(n, Math.ceil(n / size));
}

/**
 * Runs `items` in contiguous pieces on `lanes` lanes at once (lane i runs one piece at a time;
 * pieces go to whichever lane is free) and returns the results in item order. `run(lane, piece,
 * start)` answers one result per item of the piece. The first failure rejects (the other lanes
 * stop taking pieces).
 */
export async function runPieces<T, R>(
  items: readonly T[],
  lanes: number,
  pieceSize: number,
  run: (lane: number, piece: T[], start: number) => Promise<R[]>,
): Promise<R[]> {
  const ranges = pieceRanges(items.length, lanes, pieceSize);
  const results: R[][] = new Array<R[]>(ranges.length);
  let next = 0;
  let failed = false;
  const lane = async (l: number): Promise<void> => {
    while (!failed && next < ranges.length) {
      const p = next++;
      const [a, b] = ranges[p];
      try {
        results[p] = await run(l, items.slice(a, b), a);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, ranges.length) }, (_, l) => lane(l)));
  return mergeShards(
    items.length,
    ranges.map(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)),
    results,
  );
}

/** What a lane needs to generate one piece: the settings of GenerateOptions that are plain data. */
export interface PieceSearch {
  method: 'beam' | 'bestFirst';
  beam: number;
  batchSize: number;
  maxSteps?: number;
  maxExpansions?: number;
  guide?: number;
  lengthPerKm?: number;
}

/** The plain-data search settings of `opts` (what crosses to a worker; the distance function is rebuilt there). */
export function pieceSearch(opts: GenerateOptions): PieceSearch {
  return {
    method: opts.method ?? 'beam',
    beam: opts.beam ?? 4,
    batchSize: opts.batchSize ?? 256,
    ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
    ...(opts.maxExpansions !== undefined ? { maxExpansions: opts.maxExpansions } : {}),
    ...(opts.guide ? { guide: opts.guide } : {}),
    ...(opts.lengthPerKm ? { lengthPerKm: opts.lengthPerKm } : {}),
  };
}

/**
 * generateRoutes over `lanes` workers: `generatePiece(lane, ods, search, onDone)` generates one
 * contiguous piece (any id prefix) and reports trips done within it; the merged trips are in input
 * order, renamed `${idPrefix}${index}` as one worker names them, with progress summed over lanes.
 */
export async function generateInPieces(
  ods: GenOD[],
  opts: GenerateOptions,
  lanes: number,
  generatePiece: (lane: number, ods: GenOD[], search: PieceSearch, onDone: (done: number) => void) => Promise<GeneratedTrip[]>,
): Promise<GeneratedTrip[]> {
  const search = pieceSearch(opts);
  const idPrefix = opts.idPrefix ?? 'gen-';
  let done = 0;
  const trips = await runPieces(ods, lanes, search.batchSize, async (lane, piece, start) => {
    if (opts.signal?.aborted) {
      const e = new Error('generation aborted');
      e.name = 'AbortError';
      throw e;
    }
    let pieceDone = 0;
    const res = await generatePiece(lane, piece, search, (d) => {
      done += d - pieceDone;
      pieceDone = d;
      opts.onProgress?.({ done, total: ods.length, step: -1, live: 0 });
    });
    done += piece.length - pieceDone;
    opts.onProgress?.({ done, total: ods.length, step: -1, live: 0 });
    return res.map((t, j) => ({ ...t, id: `${idPrefix}${start + j}` }));
  });
  return trips;
}
