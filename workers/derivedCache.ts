// Derived structures (road features, road graph, ψ, zones, zone graph, transition counts) cost seconds to build, so
// workers keep them in IndexedDB keyed by what they are derived from: the road network's
// fingerprint and the training trips (the zone graph and time statistics come from train).
import { get, set } from 'idb-keyval';
import { buildDerived } from '../src/lib/data/derived';
import { networkFingerprint, tripsFingerprint } from '../src/lib/data/fingerprint';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';

// 2: Derived.transitionFolds and fittedKmh (the student's Markov and fitted-speed route inputs).
const VERSION = 2;

export interface CachedDerived {
  derived: Derived;
  fromCache: boolean;
}

/** buildDerived with an IndexedDB cache; any storage failure falls back to building. */
export async function cachedDerived(ds: Dataset): Promise<CachedDerived> {
  const key = `trajdistill:derived:v${VERSION}:${networkFingerprint(ds.network)}:${tripsFingerprint(ds.splits.train)}`;
  try {
    const hit = (await get(key)) as Derived | undefined;
    if (hit && hit.fingerprint && hit.features?.n === ds.network.roads.length) return { derived: hit, fromCache: true };
  } catch {
    // IndexedDB unavailable (private mode, quota): build instead.
  }
  const derived = buildDerived(ds);
  try {
    await set(key, derived);
  } catch {
    // Caching is an optimisation only.
  }
  return { derived, fromCache: false };
}
