// Gradient accumulation that fits in memory. One optimiser step's trips are split into
// micro-batches by padded size, not only by count: a batch pads every trip to its longest, and the
// trajectory encoder's attention grows with trips × longest², so 64 whole Porto trips (up to 512
// roads) overran wasm's memory in one pass while 64 short ones fit easily. Every loss part is
// divided by the whole batch's counts (studentLoss.ts), so any split gives the same gradient.

/** Padded prefix positions per micro-batch: 16 trips of 512 roads, the largest pass known to fit in wasm. */
export const DEFAULT_MICRO_TOKENS = 16 * 512;

/**
 * Splits `trips` in their order into runs of at most `maxTrips` trips whose padded size (trips ×
 * the longest one's steps) stays within `maxTokens` (0: no token cap). A trip longer than the cap
 * on its own gets a micro-batch of its own. With the cap not binding this is plain slicing by
 * `maxTrips`, so results are unchanged wherever that already fitted.
 */
export function microBatches<T extends { steps: number }>(trips: T[], maxTrips: number, maxTokens: number): T[][] {
  if (!(maxTrips >= 1)) throw new Error(`maxTrips must be ≥ 1, got ${maxTrips}`);
  const out: T[][] = [];
  let cur: T[] = [];
  let longest = 0;
  for (const t of trips) {
    const l = Math.max(longest, t.steps);
    const fits = cur.length < maxTrips && (maxTokens <= 0 || (cur.length + 1) * l <= maxTokens);
    if (cur.length > 0 && !fits) {
      out.push(cur);
      cur = [];
      longest = 0;
    }
    cur.push(t);
    longest = Math.max(longest, t.steps);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
