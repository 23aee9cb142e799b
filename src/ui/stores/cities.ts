// The city datasets the app can serve from public/data/<id>/. Porto ships with the app. San
// Francisco is built on the user's machine (npm run data:build:sf) and never shipped: its trips are
// CRAWDAD cabspotting data, which may not be redistributed, so the folder is git-ignored and left
// out of `vite build` (vite.config.ts). Only the dev server serves it.

export const OSM_CREDIT = '© OpenStreetMap contributors, ODbL';

export interface City {
  id: 'porto' | 'sf';
  /** Dataset name, as on screen and in DatasetSource. */
  name: string;
  /** Folder under the app's base URL. */
  path: string;
  /**
   * Folder of the city's trained teacher and students (teacher, vanilla, distilled .safetensors with
   * their .log.json), under the app's base URL. Porto's ship with the app; SF's study models are in
   * the repository too, but of use only with a local build of SF's trips (Teach and Compare then
   * work on that city), so the dev server alone serves them.
   */
  checkpoints: string;
  /** Ships with the app (else built locally, and maybe absent). */
  shipped: boolean;
  /** Map attribution while the city's data is on screen. */
  credit: string;
  /** How to build a local city, and what the build reads. */
  build?: { command: string; needs: string };
}

export const CITIES: readonly City[] = [
  {
    id: 'porto',
    name: 'Porto',
    path: 'data/porto/',
    checkpoints: 'checkpoints/porto/',
    shipped: true,
    credit: `${OSM_CREDIT} · Porto taxi data: ECML/PKDD 2015`,
  },
  {
    id: 'sf',
    name: 'San Francisco',
    path: 'data/sf/',
    checkpoints: 'checkpoints/sf/',
    shipped: false,
    credit: `${OSM_CREDIT} · taxi data: M. Piorkowski, N. Sarafijanovic-Djukic, M. Grossglauser, CRAWDAD dataset epfl/mobility (v. 2009-02-24)`,
    build: { command: 'npm run data:build:sf', needs: '../shared/data/sf' },
  },
];

export function cityNamed(name: string): City | undefined {
  return CITIES.find((c) => c.name === name);
}

/** The city folder's URL under the app's base. */
export function cityUrl(city: City): string {
  return new URL(`${import.meta.env.BASE_URL}${city.path}`, location.href).href;
}

/** The URL of one of the city's checkpoints ('teacher', 'vanilla', 'distilled'), or of its log (ext '.log.json'). */
export function cityCheckpointUrl(city: City, name: string, ext = '.safetensors'): string {
  return new URL(`${import.meta.env.BASE_URL}${city.checkpoints}${name}${ext}`, location.href).href;
}

/**
 * Whether the server has a locally built city: its build-report.json must parse and name the city.
 * A status check alone is not enough, since the dev server answers a missing file with index.html.
 */
export async function cityServed(city: City): Promise<boolean> {
  if (city.shipped) return true;
  try {
    const res = await fetch(new URL('build-report.json', cityUrl(city)).href, { cache: 'no-store' });
    if (!res.ok) return false;
    const report: unknown = await res.json();
    return typeof report === 'object' && report !== null && (report as { city?: unknown }).city === city.id;
  } catch {
    return false;
  }
}
