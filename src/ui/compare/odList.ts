// Filtering and sorting of the OD list: which pairs show the biggest errors or the biggest gap
// between the two students.
import type { OdRoute, OdSplit } from './reportTypes';

export type OdSort = 'vanilla' | 'distilled' | 'difference';
export type SplitFilter = OdSplit | 'all';

export const SORT_LABEL: Record<OdSort, string> = {
  vanilla: 'Vanilla DTW',
  distilled: 'Distilled DTW',
  difference: 'Vanilla − distilled',
};

/** DTW gain of distillation on this pair (positive: distilled closer to the real trip). */
export function dtwGain(r: OdRoute): number | null {
  const a = r.vanilla.dtwKm;
  const b = r.distilled.dtwKm;
  return a === null || b === null ? null : a - b;
}

function sortKey(r: OdRoute, by: OdSort): number | null {
  if (by === 'vanilla') return r.vanilla.dtwKm;
  if (by === 'distilled') return r.distilled.dtwKm;
  return dtwGain(r);
}

/**
 * Routes of the chosen split, largest key first (descending: the worst errors, or the pairs where
 * distillation helped most, come first); pairs without the key go last, in file order.
 */
export function filterSortRoutes(routes: OdRoute[], split: SplitFilter, by: OdSort, descending = true): OdRoute[] {
  const sel = split === 'all' ? routes.slice() : routes.filter((r) => r.split === split);
  return sel.sort((a, b) => {
    const ka = sortKey(a, by);
    const kb = sortKey(b, by);
    if (ka === null || kb === null) return ka === null && kb === null ? a.index - b.index : ka === null ? 1 : -1;
    return (descending ? kb - ka : ka - kb) || a.index - b.index;
  });
}

/** Counts per split, for the filter buttons. */
export function splitCounts(routes: OdRoute[]): Record<SplitFilter, number> {
  let train = 0;
  for (const r of routes) if (r.split === 'train') train++;
  return { all: routes.length, train, test: routes.length - train };
}

/** The OD list's split tag: each row's own split (a train pair is never tagged as a test one). */
export function splitBadge(split: OdSplit): 'TR' | 'TE' {
  return split === 'train' ? 'TR' : 'TE';
}

/**
 * The pair Compare opens on: a test pair (the answer's numbers are test figures), one where the two
 * students' routes differ and both reach the destination, and among those the one whose DTW gain is
 * the median, so the map shows a typical pair rather than the best or the worst. Falls back to the
 * first test pair, then to the first pair; null for an empty list.
 */
export function defaultOdIndex(routes: readonly OdRoute[], differ: (r: OdRoute) => boolean): number | null {
  const test = routes.map((r, i) => ({ r, i })).filter(({ r }) => r.split === 'test');
  const typical = test
    .filter(({ r }) => r.vanilla.reached && r.distilled.reached && differ(r) && dtwGain(r) !== null)
    .sort((a, b) => dtwGain(a.r)! - dtwGain(b.r)! || a.i - b.i);
  if (typical.length) return typical[(typical.length - 1) >> 1].i;
  return test[0]?.i ?? (routes.length ? 0 : null);
}
