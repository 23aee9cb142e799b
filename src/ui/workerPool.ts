// How many workers a pool of the page starts: the evaluation pool (compare/evalClient.svelte.ts)
// and the data-parallel training workers (train/trainClient.svelte.ts) size themselves here.

/**
 * Workers for a pool: `?<param>=N` (1–16), else navigator.hardwareConcurrency capped at `cap`.
 */
export function poolSize(search: string, hardwareConcurrency: number | undefined, param = 'workers', cap = 4): number {
  const asked = Number(new URLSearchParams(search).get(param));
  if (Number.isInteger(asked) && asked >= 1) return Math.min(16, asked);
  return Math.max(1, Math.min(cap, hardwareConcurrency ?? 1));
}
