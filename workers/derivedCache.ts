// Derived structures (road features, road graph, ψ, zones, zone graph) cost seconds to build, so
// workers keep them in IndexedDB keyed by what they are derived from: the road network's
// fingerprint and the training trips (the zone graph and time statistics come from train).
import { get, set } from 'idb-keyval';
import { buildDerived } from '../src/lib/data/derived';
import { networkFingerprint } from '../src/lib/data/fingerprint';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';

const VERSION = 1;

/** FNV-1a over the train trips' road ids and entry times: changes when any train trip changes. */
function trainKey(ds: Dataset): string {
  let h = 0x811c9dc5;
  const mix = (x: number): void => {
    h ^= x & 0xffff;
    h = Math.imul(h, 0x01000193);
    h ^= x >>> 16;
    h = Math.imul(h, 0x01000193);
  };
  for (const t of ds.splits.train) {
    mix(t.roads.length);
    for (const r of t.roads) mix(r);
    for (const s of t.times) mix(s | 0);
  }
  return `${ds.splits.train.length}-${(h >>> 0).toString(16)}`;
}

export interface CachedDerived {
  derived: Derived;
  fromCache: boolean;
}

/** buildDerived with an IndexedDB cache; any storage failure falls back to building. */
export async function cachedDerived(ds: Dataset): Promise<CachedDerived> {
  const key = `trajdistill:derived:v${VERSION}:${networkFingerprint(ds.network)}:${trainKey(ds)}`;
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
