// Turns a parsed Dataset into the flat, transferable buffers the map draws (see dataMessages.ts).
// Pure functions: run in the data worker and in unit tests (Node).
import type { Dataset, Road, SplitName, Trajectory } from '../src/lib/data/types';
import { SPLITS } from '../src/lib/data/types';
import type { PackedTrips } from '../src/lib/sim/packedTrips';
import { unpackTrips } from '../src/lib/sim/packedTrips';
import type { Bounds, DrawLimits, PathBundle, RoadRender, TripAggregate, TripMesh, TripRender } from './dataMessages';
import { SAMPLE_SEED, pick, proportionalShares, roadTripCounts, sampleIndices } from '../src/lib/data/bigDataset';

const RANKS: Record<string, number> = {
  motorway: 5,
  trunk: 5,
  primary: 4,
  secondary: 3,
  tertiary: 2,
  unclassified: 1,
  residential: 1,
  living_street: 1,
  road: 1,
};

/**
 * Visual importance of a highway class, 0–5. Integer codes (LibCity exports) carry no agreed
 * meaning, so they get the residential rank; "_link" ramps draw like their parent class minus one.
 */
export function highwayRank(highway: string): number {
  const h = highway.trim().toLowerCase();
  if (h.endsWith('_link')) return Math.max(1, (RANKS[h.slice(0, -5)] ?? 1) - 1);
  if (/^-?\d+$/.test(h)) return 1;
  return RANKS[h] ?? 0;
}

export function buildRoadRender(roads: Road[]): RoadRender {
  let nVerts = 0;
  for (const r of roads) nVerts += r.coords.length;
  const positions = new Float32Array(2 * nVerts);
  const starts = new Uint32Array(roads.length + 1);
  const rank = new Uint8Array(roads.length);
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  let v = 0;
  roads.forEach((r, i) => {
    starts[i] = v;
    rank[i] = highwayRank(r.highway);
    for (const [lon, lat] of r.coords) {
      positions[2 * v] = lon;
      positions[2 * v + 1] = lat;
      v++;
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
    }
  });
  starts[roads.length] = v;
  const bounds: Bounds = Number.isFinite(minLon) ? [minLon, minLat, maxLon, maxLat] : [-180, -85, 180, 85];
  return { count: roads.length, positions, starts, rank, bounds };
}

/**
 * Trip polylines follow the full road geometry (not centroids) so a reviewer sees the actual
 * streets; a joint vertex shared by consecutive roads is written once.
 */
export function buildTripRender(trips: Trajectory[], roads: Road[]): TripRender {
  let maxVerts = 0;
  for (const t of trips) for (const rid of t.roads) maxVerts += roads[rid].coords.length;
  const positions = new Float32Array(2 * maxVerts);
  const starts = new Uint32Array(trips.length + 1);
  const roadCounts = new Uint32Array(trips.length);
  const km = new Float32Array(trips.length);
  const minutes = new Float32Array(trips.length);
  let v = 0;
  trips.forEach((t, i) => {
    starts[i] = v;
    let lengthM = 0;
    for (const rid of t.roads) {
      const road = roads[rid];
      lengthM += road.lengthM;
      road.coords.forEach(([lon, lat], k) => {
        // Skip a vertex equal to the previous one (shared joint); exact compare after f32 rounding.
        if (k === 0 && v > starts[i] && positions[2 * v - 2] === Math.fround(lon) && positions[2 * v - 1] === Math.fround(lat)) return;
        positions[2 * v] = lon;
        positions[2 * v + 1] = lat;
        v++;
      });
    }
    roadCounts[i] = t.roads.length;
    km[i] = lengthM / 1000;
    minutes[i] = t.times.length > 1 ? (t.times[t.times.length - 1] - t.times[0]) / 60 : 0;
  });
  starts[trips.length] = v;
  // Trim the unused tail (skipped joints) so the transfer carries only real vertices.
  const exact: PathBundle = { count: trips.length, positions: positions.slice(0, 2 * v), starts };
  const display = simplifyPaths(exact, DISPLAY_TOLERANCE_M);
  return {
    ...exact,
    display,
    mesh: buildTripMesh(display),
    ids: trips.map((t) => t.id),
    roadCounts,
    km,
    minutes,
  };
}

/** Simplification tolerance for drawn trips: below a line width at street zoom. */
export const DISPLAY_TOLERANCE_M = 4;

/**
 * Douglas–Peucker per path, in a local equirectangular frame (metres). Endpoints are always kept,
 * so a simplified trip starts and ends exactly where the real one does.
 */
export function simplifyPaths(b: PathBundle, toleranceM: number): PathBundle {
  const { positions, starts, count } = b;
  const out = new Float32Array(positions.length);
  const outStarts = new Uint32Array(count + 1);
  const keep = new Uint8Array(positions.length / 2);
  const tol2 = toleranceM * toleranceM;
  const M_PER_DEG = 111_320;
  let w = 0;
  const stack: number[] = [];
  for (let i = 0; i < count; i++) {
    const a0 = starts[i];
    const b0 = starts[i + 1];
    outStarts[i] = w;
    if (b0 - a0 === 0) continue;
    const kx = M_PER_DEG * Math.cos((positions[2 * a0 + 1] * Math.PI) / 180);
    keep[a0] = 1;
    keep[b0 - 1] = 1;
    stack.push(a0, b0 - 1);
    while (stack.length > 0) {
      const hi = stack.pop()!;
      const lo = stack.pop()!;
      const ax = positions[2 * lo] * kx;
      const ay = positions[2 * lo + 1] * M_PER_DEG;
      const dx = positions[2 * hi] * kx - ax;
      const dy = positions[2 * hi + 1] * M_PER_DEG - ay;
      const len2 = dx * dx + dy * dy;
      let worst = -1;
      let worstAt = -1;
      for (let v = lo + 1; v < hi; v++) {
        const px = positions[2 * v] * kx - ax;
        const py = positions[2 * v + 1] * M_PER_DEG - ay;
        const u = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
        const ex = px - u * dx;
        const ey = py - u * dy;
        const e = ex * ex + ey * ey;
        if (e > worst) {
          worst = e;
          worstAt = v;
        }
      }
      if (worst > tol2) {
        keep[worstAt] = 1;
        stack.push(lo, worstAt, worstAt, hi);
      }
    }
    for (let v = a0; v < b0; v++) {
      if (!keep[v]) continue;
      out[2 * w] = positions[2 * v];
      out[2 * w + 1] = positions[2 * v + 1];
      w++;
    }
  }
  outStarts[count] = w;
  return { count, positions: out.slice(0, 2 * w), starts: outStarts };
}

/**
 * The triangle mesh of some paths (see TripMesh): two mesh vertices per path vertex, two
 * triangles per segment. A path of fewer than two vertices draws nothing and gets none.
 */
export function buildTripMesh(b: PathBundle): TripMesh {
  const { positions: p, starts, count } = b;
  let verts = 0;
  let segs = 0;
  for (let i = 0; i < count; i++) {
    const n = starts[i + 1] - starts[i];
    if (n < 2) continue;
    verts += 2 * n;
    segs += n - 1;
  }
  const mesh: TripMesh = {
    positions: new Float32Array(2 * verts),
    toPrev: new Float32Array(2 * verts),
    toNext: new Float32Array(2 * verts),
    sides: new Float32Array(verts),
    rows: new Float32Array(verts),
    indices: new Uint32Array(6 * segs),
  };
  let w = 0;
  let t = 0;
  for (let i = 0; i < count; i++) {
    const a = starts[i];
    const e = starts[i + 1];
    if (e - a < 2) continue;
    for (let v = a; v < e; v++) {
      const before = Math.max(a, v - 1);
      const after = Math.min(e - 1, v + 1);
      for (const side of [-1, 1]) {
        mesh.positions[2 * w] = p[2 * v];
        mesh.positions[2 * w + 1] = p[2 * v + 1];
        // Steps are differences of nearby vertices: small, so float32 keeps them precise.
        mesh.toPrev[2 * w] = p[2 * before] - p[2 * v];
        mesh.toPrev[2 * w + 1] = p[2 * before + 1] - p[2 * v + 1];
        mesh.toNext[2 * w] = p[2 * after] - p[2 * v];
        mesh.toNext[2 * w + 1] = p[2 * after + 1] - p[2 * v + 1];
        mesh.sides[w] = side;
        mesh.rows[w] = i;
        w++;
      }
      if (v + 1 < e) {
        // This vertex's pair (w-2, w-1) and the next one's (w, w+1).
        mesh.indices.set([w - 2, w - 1, w, w - 1, w + 1, w], t);
        t += 6;
      }
    }
  }
  return mesh;
}

export function buildAllTrips(ds: Dataset): Record<(typeof SPLITS)[number], TripRender> {
  return {
    train: buildTripRender(ds.splits.train, ds.network.roads),
    val: buildTripRender(ds.splits.val, ds.network.roads),
    test: buildTripRender(ds.splits.test, ds.network.roads),
  };
}

/**
 * Geometry for a sample of a very large (simulated) set: the first trips of each split, `sample`
 * in all, shared in proportion to the split sizes. The rest of the set never leaves the worker.
 */
export function buildSampleTrips(splits: Record<SplitName, PackedTrips>, roads: Road[], sample: number): Record<SplitName, TripRender> {
  const total = SPLITS.reduce((s, k) => s + splits[k].count, 0);
  const take = (k: SplitName): number => (total === 0 ? 0 : Math.min(splits[k].count, Math.round((sample * splits[k].count) / total)));
  return {
    train: buildTripRender(unpackTrips(splits.train, 0, take('train')), roads),
    val: buildTripRender(unpackTrips(splits.val, 0, take('val')), roads),
    test: buildTripRender(unpackTrips(splits.test, 0, take('test')), roads),
  };
}

/**
 * The trips the map draws: all of them up to `limits.drawAllMax` (all splits together); above it, a
 * seeded random sample of `limits.drawSample` (shared in proportion to the split sizes) and the
 * per-road trip counts of every trip (TripAggregate), so the page never holds the whole set's paths.
 */
export function buildTripsToDraw(
  ds: Dataset,
  limits: DrawLimits,
  seed = SAMPLE_SEED,
): { trips: Record<SplitName, TripRender>; aggregate?: TripAggregate } {
  const total = { train: ds.splits.train.length, val: ds.splits.val.length, test: ds.splits.test.length };
  if (total.train + total.val + total.test <= limits.drawAllMax) return { trips: buildAllTrips(ds) };
  const shares = proportionalShares(total, limits.drawSample);
  const roads = ds.network.roads;
  const trips = {} as Record<SplitName, TripRender>;
  const roadTrips = {} as Record<SplitName, Uint32Array>;
  SPLITS.forEach((s, i) => {
    const all = ds.splits[s];
    trips[s] = buildTripRender(pick(all, sampleIndices(all.length, shares[s], seed + i)), roads);
    roadTrips[s] = roadTripCounts(roads.length, all);
  });
  const sample = SPLITS.reduce((n, s) => n + trips[s].count, 0);
  return { trips, aggregate: { total, roadTrips, sample, seed, drawAllMax: limits.drawAllMax } };
}
