import type { KeyValueStore } from '../../src/lib/train/savedRuns';

/** IndexedDB stand-in for the saved-runs tests: a Map, with structuredClone like the real store. */
export function memoryStore(): KeyValueStore & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    map,
    get: <T>(k: string) => Promise.resolve(map.has(k) ? (structuredClone(map.get(k)) as T) : undefined),
    set: (k, v) => Promise.resolve(void map.set(k, structuredClone(v))),
    del: (k) => Promise.resolve(void map.delete(k)),
    update: <T>(k: string, fn: (old: T | undefined) => T) =>
      Promise.resolve(void map.set(k, structuredClone(fn(map.has(k) ? (structuredClone(map.get(k)) as T) : undefined)))),
  };
}
