// Small seeded PRNG so that shuffling, initialisation and sampling are reproducible across runs,
// backends and machines (Math.random cannot be seeded).

/** mulberry32: a 32-bit state generator, fast and good enough for shuffling and init. */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle driven by `rng`; returns the same array. */
export function shuffleInPlace<T>(arr: T[], rng: () => number): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  return arr;
}

/** Integer in [0, n). */
export function randInt(rng: () => number, n: number): number {
  return Math.floor(rng() * n);
}

/** Standard normal sample (Box–Muller). */
export function randNormal(rng: () => number): number {
  let u = rng();
  while (u <= 1e-12) u = rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Float32Array of `n` samples from N(0, std²), for seeded weight initialisation. */
export function normalArray(rng: () => number, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = randNormal(rng) * std;
  return out;
}

/**
 * The first ⌈frac·n⌉ items of one seeded shuffle (frac 1: the array itself). For one seed, smaller
 * shares are subsets of larger ones, so a low-data run sees a part of what a larger run sees.
 */
export function nestedSubset<T>(items: readonly T[], frac: number, seed: number): T[] {
  if (frac >= 1) return items.slice();
  const order = shuffleInPlace(
    items.map((_, i) => i),
    makeRng((seed * 2_654_435_761 + 17) >>> 0),
  );
  const kept = order.slice(0, Math.max(1, Math.ceil(frac * items.length))).sort((a, b) => a - b);
  return kept.map((i) => items[i]);
}
