// "Match GPS traces…" in the data worker: the same parsing and matching as `data match`, onto the
// network of the dataset on screen. The user chooses what the matched trips become (MatchUse): a
// training set of their own, or extra trips of that dataset; either way they are split
// OD-disjointly, and the data worker keeps the set for the model workers (DatasetSource 'held').
import { matchGpsText } from '../src/lib/data/matchTraces';
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

export function matchGpsFile(
  onto: Dataset,
  fileName: string,
  text: string,
  onProgress: (done: number, total: number) => void,
): MatchedTrips {
  const { trips, summary } = matchGpsText(onto.network, fileName, text, { onProgress });
  return { onto, trips, summary, bytes: text.length };
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
