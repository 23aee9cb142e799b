// Each city's shipped pair in words, read from its checkpoints' logs (public/checkpoints/<city>/*.log.json):
// the teacher, the distilled student's recipe and its source sentence, and the vanilla it ships beside.
import { CITIES, cityCheckpointUrl, type City } from '../stores/cities';
import { shippedPairText, type ShippedPairText } from '../../lib/train/shippedPair';

/** A log, or null when it is absent (the dev server answers a missing file with index.html) or unreadable. */
async function logAt(url: string): Promise<unknown> {
  try {
    const res = await fetch(url);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null;
    return (await res.json()) as unknown;
  } catch {
    return null;
  }
}

class ShippedPairStore {
  /** Per city id; absent until read, null when the logs name no distilled recipe. */
  byCity = $state.raw<Partial<Record<City['id'], ShippedPairText | null>>>({});
  private started = new Set<City['id']>();

  /** Reads the named cities' logs (default: every city), each once. */
  load(ids: readonly City['id'][] = CITIES.map((c) => c.id)): void {
    for (const city of CITIES) {
      if (!ids.includes(city.id) || this.started.has(city.id)) continue;
      this.started.add(city.id);
      void Promise.all(['distilled', 'teacher', 'vanilla'].map((n) => logAt(cityCheckpointUrl(city, n, '.log.json')))).then(
        ([d, t, v]) => (this.byCity = { ...this.byCity, [city.id]: shippedPairText(d, t, v) }),
      );
    }
  }
}

export const shippedPair = new ShippedPairStore();
