// Small geodesy helpers used across data, models and metrics. One implementation of each.

/** A point as [longitude, latitude] in degrees (WGS84), the order used by GeoJSON and HOSER. */
export type LonLat = [number, number];

const EARTH_RADIUS_KM = 6371.0088;
const DEG = Math.PI / 180;

/** Great-circle distance in kilometres between two [lon, lat] points. */
export function haversineKm(a: LonLat, b: LonLat): number {
  return haversineKmCos(a[0], a[1], cosLat(a[1]), b[0], b[1], cosLat(b[1]));
}

/** cos of a latitude in degrees, as haversineKmCos takes it (cache it for points used often). */
export function cosLat(lat: number): number {
  return Math.cos(lat * DEG);
}

/** haversineKm of (lon1, lat1) and (lon2, lat2) given the cosines of their latitudes (cosLat), bit for bit. */
export function haversineKmCos(lon1: number, lat1: number, cos1: number, lon2: number, lat2: number, cos2: number): number {
  const dLat = (lat2 - lat1) * DEG;
  const dLon = (lon2 - lon1) * DEG;
  const s = Math.sin(dLat / 2) ** 2 + cos1 * cos2 * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

export function haversineM(a: LonLat, b: LonLat): number {
  return haversineKm(a, b) * 1000;
}

/** Length of a polyline in metres. */
export function polylineLengthM(coords: LonLat[]): number {
  let s = 0;
  for (let i = 1; i < coords.length; i++) s += haversineM(coords[i - 1], coords[i]);
  return s;
}

/** Length-weighted centroid of a polyline (HOSER's road lon/lat feature). */
export function polylineCentroid(coords: LonLat[]): LonLat {
  if (coords.length === 1) return [coords[0][0], coords[0][1]];
  let w = 0;
  let x = 0;
  let y = 0;
  for (let i = 1; i < coords.length; i++) {
    const a = coords[i - 1];
    const b = coords[i];
    const l = haversineM(a, b);
    w += l;
    x += (l * (a[0] + b[0])) / 2;
    y += (l * (a[1] + b[1])) / 2;
  }
  if (w === 0) return [coords[0][0], coords[0][1]];
  return [x / w, y / w];
}

/** Initial bearing from a to b in radians, in (-π, π], 0 = north, clockwise positive. */
export function bearingRad(a: LonLat, b: LonLat): number {
  const φ1 = a[1] * DEG;
  const φ2 = b[1] * DEG;
  const Δλ = (b[0] - a[0]) * DEG;
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  return Math.atan2(y, x);
}

/** Absolute difference of two angles folded to [0, π]. */
export function angleDiff(a: number, b: number): number {
  let d = Math.abs(a - b) % (2 * Math.PI);
  if (d > Math.PI) d = 2 * Math.PI - d;
  return d;
}

/**
 * Local equirectangular projection to metres around a reference latitude. Accurate to well under
 * 0.1 % over a city, and much cheaper than haversine for nearest-segment searches.
 */
export function makeLocalProjection(refLat: number): {
  toXY: (p: LonLat) => [number, number];
  toLonLat: (x: number, y: number) => LonLat;
} {
  const ky = EARTH_RADIUS_KM * 1000 * DEG;
  const kx = ky * Math.cos(refLat * DEG);
  return {
    toXY: (p) => [p[0] * kx, p[1] * ky],
    toLonLat: (x, y) => [x / kx, y / ky],
  };
}

/** Bounding box [minLon, minLat, maxLon, maxLat]. */
export type BBox = [number, number, number, number];

/** The LM-TAD Porto box (lat 41.140092–41.185969, lon −8.690261 to −8.549155). */
export const PORTO_BOX: BBox = [-8.690261, 41.140092, -8.549155, 41.185969];

/** Northern San Francisco, the bounds of the cabspotting build's OSM extract (lat 37.7805–37.811, lon −122.485 to −122.3942). */
export const SF_BOX: BBox = [-122.485, 37.7805, -122.3942, 37.811];

export function inBox(p: LonLat, b: BBox): boolean {
  return p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];
}
