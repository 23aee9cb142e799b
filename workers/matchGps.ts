// "Match GPS traces…" in the data worker: the same parsing and matching as `data match`, onto the
// network of the dataset on screen. The user chooses what the matched trips become (MatchUse): a
// training set of their own, or extra trips of that dataset; either way they are split
// OD-disjointly, and the data worker keeps the set for the model workers (DatasetSource 'held').
import { matchBatch, matchGpsStream } from '../src/lib/data/matchStream';
import type { StreamFile } from '../src/lib/data/textStream';
import type { GpsMatchSummary } from '../src/lib/data/matchTraces';
import { addOdDisjoint } from '../src/lib/data/odSplit';
import { SPLITS } from '../src/lib/data/types';
import type { Dataset, SplitName, Trajectory } from '../src/lib/data/types';
import type { MatchSummary, MatchUse } from './dataMessages';

/** Trips matched from one GPS file, and the dataset whose network they are on. */
export interface MatchedTrips {
  onto: Dataset;
  trips: Trajectory[];
  summary: GpsMatchSummary;
  /** Characters of GPS text read. */
  bytes: number;
}

/** Lines per batch here: small, so that a Cancel (a message between batches) is answered within a second or so. */
const BATCH_LINES = 100;

/**
 * Matches a GPS file read as a stream (src/lib/data/matchStream.ts, as `data match` does), one batch
 * at a time in this worker, giving the event loop a turn between batches so that `signal` (Cancel)
 * is seen. `onProgress` gets the bytes read.
 */
export async function matchGpsFile(
  onto: Dataset,
  file: StreamFile,
  size: number,
  onProgress: (bytesRead: number) => void,
  signal: AbortSignal,
): Promise<MatchedTrips> {
  const trips: Trajectory[] = [];
  const { summary } = await matchGpsStream(onto.network, [file], {
    batchLines: BATCH_LINES,
    signal,
    runner: async (b, cal) => {
      await new Promise((r) => setTimeout(r, 0));
      signal.throwIfAborted();
      return matchBatch(onto.network, b.traces, 5, cal, file.name);
    },
    onBatch: (t) => void trips.push(...t),
    onProgress: (p) => onProgress(p.bytes),
  });
  return { onto, trips, summary, bytes: size };
}

/** The matched trips made into a dataset as `use` says. */
export function matchedDataset(m: MatchedTrips, use: MatchUse, name: string): { dataset: Dataset; summary: MatchSummary } {
  const own: Record<SplitName, Trajectory[]> = use === 'add' ? m.onto.splits : { train: [], val: [], test: [] };
  const { splits, added } = addOdDisjoint(own, m.trips);
  return {
    dataset: { name, network: m.onto.network, splits },
    summary: {
      ...m.summary,
      network: m.onto.name,
      use,
      added,
      ownTrips: SPLITS.reduce((n, s) => n + own[s].length, 0),
    },
  };
}
