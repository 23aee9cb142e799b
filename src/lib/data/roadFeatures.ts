// HOSER road features: z-scored log-length, label-encoded highway class and the
// z-scored length-weighted centroid, plus raw geometry the other derived structures reuse.
import { polylineCentroid } from '../geo';
import type { RoadFeatures } from './derivedTypes';
import type { RoadNetwork } from './types';

/** Population z-score (numpy's np.std, as HOSER uses); a constant column maps to zeros. */
function zScore(values: Float64Array): Float32Array {
  const n = values.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i] - mean) ** 2;
  const std = Math.sqrt(v / n);
  if (!(std > 1e-12)) return out;
  for (let i = 0; i < n; i++) out[i] = (values[i] - mean) / std;
  return out;
}

const INT_RE = /^-?\d+$/;

/**
 * Deterministic order for highway class names: integer codes numerically, then names
 * alphabetically (LabelEncoder sorts too; numeric order keeps "10" after "9").
 */
export function compareTypeNames(a: string, b: string): number {
  const ai = INT_RE.test(a);
  const bi = INT_RE.test(b);
  if (ai && bi) return Number(a) - Number(b);
  if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildRoadFeatures(net: RoadNetwork): RoadFeatures {
  const roads = net.roads;
  const n = roads.length;
  const logLen = new Float64Array(n);
  const lon = new Float64Array(n);
  const lat = new Float64Array(n);
  const centroid = new Float64Array(2 * n);
  const start = new Float64Array(2 * n);
  const end = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const r = roads[i];
    logLen[i] = Math.log1p(Math.max(0, r.lengthM));
    const c = polylineCentroid(r.coords);
    lon[i] = c[0];
    lat[i] = c[1];
    centroid[2 * i] = c[0];
    centroid[2 * i + 1] = c[1];
    const a = r.coords[0];
    const b = r.coords[r.coords.length - 1];
    start[2 * i] = a[0];
    start[2 * i + 1] = a[1];
    end[2 * i] = b[0];
    end[2 * i + 1] = b[1];
  }

  const typeNames = [...new Set(roads.map((r) => r.highway))].sort(compareTypeNames);
  const code = new Map(typeNames.map((t, i) => [t, i]));
  const typeId = new Int32Array(n);
  for (let i = 0; i < n; i++) typeId[i] = code.get(roads[i].highway) ?? 0;

  return {
    n,
    lenZ: zScore(logLen),
    typeId,
    nTypes: typeNames.length,
    typeNames,
    lonZ: zScore(lon),
    latZ: zScore(lat),
    centroid,
    start,
    end,
  };
}
