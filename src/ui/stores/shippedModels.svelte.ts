// The network fingerprints of each city's trained checkpoints (read from their .log.json): Porto's
// ship with the app; San Francisco's are in the repository and served by the dev server only, beside
// the local build of its trips (cities.ts). A view can tell, before loading any weights, which city's
// models fit the dataset on screen.
import { CITIES, cityCheckpointUrl, type City } from './cities';

export type ShippedName = 'teacher' | 'vanilla' | 'distilled';
const NAMES: ShippedName[] = ['teacher', 'vanilla', 'distilled'];

type Fingerprints = Record<ShippedName, string | null>;

/** A log's fingerprint, or null when it is absent (the dev server answers a missing file with index.html) or unreadable. */
async function fingerprintAt(url: string): Promise<string | null> {
  try {
    const res = await fetch(url);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null;
    const fp = ((await res.json()) as { fingerprint?: unknown }).fingerprint;
    return typeof fp === 'string' ? fp : null;
  } catch {
    return null;
  }
}

class ShippedModelsStore {
  /** Fingerprint per checkpoint, per city id; a city is absent until its logs were read. */
  byCity = $state.raw<Partial<Record<City['id'], Fingerprints>>>({});
  private started = false;

  load(): void {
    if (this.started) return;
    this.started = true;
    for (const city of CITIES)
      void Promise.all(
        NAMES.map(async (n): Promise<[ShippedName, string | null]> => [n, await fingerprintAt(cityCheckpointUrl(city, n, '.log.json'))]),
      ).then((pairs) => (this.byCity = { ...this.byCity, [city.id]: Object.fromEntries(pairs) as Fingerprints }));
  }

  /** The city whose teacher and students were all made for this network; null while unknown or when none fits. */
  cityFor(fingerprint: string): City | null {
    return CITIES.find((c) => NAMES.every((n) => this.byCity[c.id]?.[n] === fingerprint)) ?? null;
  }

  /** Whether some city's checkpoints fit this network; null while a city's logs are not read yet. */
  fits(fingerprint: string): boolean | null {
    if (this.cityFor(fingerprint)) return true;
    return CITIES.every((c) => this.byCity[c.id]) ? false : null;
  }

  /** The fingerprint the shipped (Porto) checkpoints share (the teacher's), for messages. */
  get network(): string | null {
    return this.byCity.porto?.teacher ?? null;
  }
}

export const shippedModels = new ShippedModelsStore();
