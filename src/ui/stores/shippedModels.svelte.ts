// The network fingerprints of the checkpoints shipped with the app (read from their .log.json),
// so a view can tell, before loading any weights, whether they fit the dataset on screen.
export type ShippedName = 'teacher' | 'vanilla' | 'distilled';
const NAMES: ShippedName[] = ['teacher', 'vanilla', 'distilled'];

class ShippedModelsStore {
  /** Fingerprint per shipped checkpoint (null: its log is absent or unreadable); null until read. */
  fingerprints = $state.raw<Record<ShippedName, string | null> | null>(null);
  private started = false;

  load(): void {
    if (this.started) return;
    this.started = true;
    const root = new URL(`${import.meta.env.BASE_URL}checkpoints/porto/`, location.href);
    void Promise.all(
      NAMES.map(async (n): Promise<[ShippedName, string | null]> => {
        try {
          const res = await fetch(new URL(`${n}.log.json`, root));
          if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return [n, null];
          const fp = ((await res.json()) as { fingerprint?: unknown }).fingerprint;
          return [n, typeof fp === 'string' ? fp : null];
        } catch {
          return [n, null];
        }
      }),
    ).then((pairs) => (this.fingerprints = Object.fromEntries(pairs) as Record<ShippedName, string | null>));
  }

  /** Whether every shipped checkpoint was made for this network; null while not yet known. */
  fits(fingerprint: string): boolean | null {
    const f = this.fingerprints;
    if (!f) return null;
    return NAMES.every((n) => f[n] === fingerprint);
  }

  /** The fingerprint the shipped checkpoints share (the teacher's), for messages. */
  get network(): string | null {
    return this.fingerprints?.teacher ?? null;
  }
}

export const shippedModels = new ShippedModelsStore();
