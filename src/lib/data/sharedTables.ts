// Tables built once per owner (a road network, a dataset's derived data) and key, and shared by
// every batch context, decoder and router on them; a WeakMap drops them with their owner.

/** A get-or-build cache: `make` runs the first time an (owner, key) pair is asked for. */
export function sharedTables<O extends object, K, T>(): (owner: O, key: K, make: () => T) => T {
  const byOwner = new WeakMap<O, Map<K, T>>();
  return (owner, key, make) => {
    let byKey = byOwner.get(owner);
    if (!byKey) byOwner.set(owner, (byKey = new Map()));
    let t = byKey.get(key);
    if (t === undefined) byKey.set(key, (t = make()));
    return t;
  };
}
