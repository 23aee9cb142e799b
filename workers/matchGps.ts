// "Match GPS traces…" in the data worker: the same parsing and matching as `data match`, onto the
// network of the dataset on screen. The matched trips become the test split of a dataset on that
// network, so the map draws them like any other trips.
import { matchGpsText } from '../src/lib/data/matchTraces';
import type { Dataset } from '../src/lib/data/types';
import type { MatchSummary } from './dataMessages';

export function matchGpsFile(
  base: Dataset,
  fileName: string,
  text: string,
  onProgress: (done: number, total: number) => void,
): { dataset: Dataset; summary: MatchSummary } {
  const { trips, summary } = matchGpsText(base.network, fileName, text, { onProgress });
  return {
    dataset: { name: `${fileName} on ${base.name}`, network: base.network, splits: { train: [], val: [], test: trips } },
    summary: { ...summary, network: base.name },
  };
}
