// OD-disjoint train/val/test split. Trips are grouped by (origin road, destination road) and whole
// groups are assigned, so no OD pair of one split occurs in another (test ∩ train = val ∩ train =
// val ∩ test = ∅). Groups are visited in a seeded shuffle of their sorted keys and each goes to the
// split that is furthest below its target share, which keeps the ratios close to 7:1:2.
import type { SplitName, Trajectory } from './types';
import { SPLITS } from './types';
import { makeRng, shuffleInPlace } from '../random';
import { groupBy } from '../stats';

export interface OdSplitOptions {
  seed?: number;
  /** Target shares of train, val, test (normalised). */
  ratios?: [number, number, number];
}

/** The key of an OD pair (origin road, destination road), as odKey writes it for a trip. */
export function odPairKey(origin: number, dest: number): string {
  return `${origin}>${dest}`;
}

export function odKey(t: Trajectory): string {
  return odPairKey(t.roads[0], t.roads[t.roads.length - 1]);
}

/** The trips with at least one road, grouped by OD pair (odKey), in input order. */
export function tripsByOd(trips: Iterable<Trajectory>): Map<string, Trajectory[]> {
  return groupBy(
    [...trips].filter((t) => t.roads.length > 0),
    odKey,
  );
}

export function odSplit(trips: Trajectory[], opts: OdSplitOptions = {}): Record<SplitName, Trajectory[]> {
  const seed = opts.seed ?? 42;
  const ratios = opts.ratios ?? [0.7, 0.1, 0.2];
  const sum = ratios[0] + ratios[1] + ratios[2];
  const share = ratios.map((r) => r / sum);

  const groups = groupBy(trips, odKey);
  // Sorted keys first, so the result does not depend on the input order of the groups.
  const keys = shuffleInPlace([...groups.keys()].sort(), makeRng(seed));

  const out: Record<SplitName, Trajectory[]> = { train: [], val: [], test: [] };
  let assigned = 0;
  for (const k of keys) {
    const g = groups.get(k) as Trajectory[];
    const after = assigned + g.length;
    // Deficit of each split if this group went elsewhere; the largest deficit takes the group.
    let best = 0;
    let bestDef = -Infinity;
    SPLITS.forEach((s, i) => {
      const def = share[i] * after - out[s].length;
      if (def > bestDef) {
        bestDef = def;
        best = i;
      }
    });
    out[SPLITS[best]].push(...g);
    assigned = after;
  }
  // Keep each split in a stable, input-independent order.
  for (const s of SPLITS) out[s].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

/**
 * Adds `extra` trips to splits that already exist (GPS trips matched onto a dataset's network)
 * without breaking OD-disjointness: a trip whose OD pair a split already holds joins that split,
 * the other OD pairs are split as odSplit does. Returns the merged splits and how many of `extra`
 * went to each.
 */
export function addOdDisjoint(
  existing: Record<SplitName, Trajectory[]>,
  extra: Trajectory[],
  opts: OdSplitOptions = {},
): { splits: Record<SplitName, Trajectory[]>; added: Record<SplitName, number> } {
  // Should the existing splits share a pair (files not built OD-disjoint), the later split wins:
  // a trip added to test or val then cannot join a pair the model trains on.
  const owner = new Map<string, SplitName>();
  for (const s of SPLITS) for (const t of existing[s]) owner.set(odKey(t), s);
  const joined: Record<SplitName, Trajectory[]> = { train: [], val: [], test: [] };
  const fresh: Trajectory[] = [];
  for (const t of extra) {
    const s = owner.get(odKey(t));
    if (s) joined[s].push(t);
    else fresh.push(t);
  }
  const split = odSplit(fresh, opts);
  const splits: Record<SplitName, Trajectory[]> = { train: [], val: [], test: [] };
  const added: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  for (const s of SPLITS) {
    const add = [...joined[s], ...split[s]];
    splits[s] = [...existing[s], ...add];
    added[s] = add.length;
  }
  return { splits, added };
}
