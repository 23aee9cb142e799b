// The map matcher's output, pinned: seeded GPS traces driven along random routes of the committed
// Porto network (public/data/porto), with noise, outliers, lasting jumps, pauses, time gaps and
// stretches away from any road, are matched and their full result (roads, unrounded entry times,
// point and route-gap distances, path lengths, counters) hashed. The hashes were written by the
// matcher before its speed work (issue 52): a faster matcher must give the same bytes.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { createMapMatcher } from '../../src/lib/data/mapMatch';
import { matchTraces } from '../../src/lib/data/matchTraces';
import type { GpsTrace } from '../../src/lib/data/gpsTraces';
import type { RoadNetwork } from '../../src/lib/data/types';
import { makeRng } from '../../src/lib/random';
import { proj, simulate } from './syntheticGrid';

const DIR = 'public/data/porto/';
const net: RoadNetwork = readHoserDataset(
  ['roadmap.geo', 'roadmap.rel'].map((name) => ({ name, text: readFileSync(DIR + name, 'utf8') })),
  'porto',
).network;

/** A random walk of up to `len` roads that stops at a dead end. */
function walk(len: number, rng: () => number): number[] {
  let r = Math.floor(rng() * net.roads.length);
  while (net.out[r].length === 0) r = Math.floor(rng() * net.roads.length);
  const route = [r];
  while (route.length < len && net.out[r].length > 0) {
    r = net.out[r][Math.floor(rng() * net.out[r].length)];
    route.push(r);
  }
  return route;
}

/** Moves a fix by (dx, dy) metres. */
function shift(p: [number, number], dx: number, dy: number): [number, number] {
  const [x, y] = proj.toXY(p);
  return proj.toLonLat(x + dx, y + dy);
}

/** `n` seeded traces sampled every `step` s, each with one of the troubles a real file has. */
function traces(n: number, step: number, seed: number): GpsTrace[] {
  const rng = makeRng(seed);
  const out: GpsTrace[] = [];
  for (let k = 0; k < n; k++) {
    const noise = [3, 8, 15, 30][k % 4];
    const sim = simulate(net, walk(10 + Math.floor(rng() * 30), rng), 5 + rng() * 10, step, noise, rng, 1_400_000_000 + 1000 * k);
    const points = sim.points.map((p) => [p[0], p[1]] as [number, number]);
    const times = sim.times.slice();
    const m = points.length;
    const mid = m >> 1;
    switch (k % 7) {
      case 1: // an isolated outlier
        if (m > 4) points[mid] = shift(points[mid], 900, -700);
        break;
      case 2: // a pause: the same place, a little noise, for a minute
        if (m > 4) {
          const extra = Array.from({ length: 4 }, () => shift(points[mid], rng() * 4, rng() * 4));
          points.splice(mid + 1, 0, ...extra);
          times.splice(mid + 1, 0, ...extra.map((_, i) => times[mid] + (i + 1) * 3));
          for (let i = mid + 5; i < times.length; i++) times[i] += 12;
        }
        break;
      case 3: // a time gap longer than the dense profile's limit
        for (let i = mid; i < m; i++) times[i] += 200;
        break;
      case 4: // a lasting jump: the second half goes on 3 km away
        for (let i = mid; i < m; i++) points[i] = shift(points[i], 2500, 1500);
        break;
      case 5: // a stretch away from any road
        for (let i = mid; i < Math.min(m, mid + 3); i++) points[i] = shift(points[i], 0, 400);
        break;
      case 6: // off the road by a steady 50 m
        for (let i = 0; i < m; i++) points[i] = shift(points[i], 35, 35);
        break;
    }
    out.push({ id: `G${seed}-${k}`, points, times, missingData: false, source: 'golden' });
  }
  return out;
}

const sha = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex');

const DENSE = traces(120, 15, 11);
const SPARSE = traces(40, 60, 12);

describe('map matching output is pinned (golden hashes from the matcher before issue 52’s speed work)', () => {
  it('createMapMatcher: every piece, unrounded, and every counter', () => {
    const m = createMapMatcher(net, { sigmaM: 7 });
    const dense = DENSE.map((t) => m.match(t.points, t.times));
    const sparse = createMapMatcher(net, { sigmaM: 7, maxGapS: 300, betaM: 60, maxDetourM: 2000 });
    const res = [...dense, ...SPARSE.map((t) => sparse.match(t.points, t.times))];
    const pieces = res.reduce((a, r) => a + r.pieces.length, 0);
    const roads = res.reduce((a, r) => a + r.pieces.reduce((b, p) => b + p.roads.length, 0), 0);
    expect({ pieces, roads }).toEqual(GOLDEN.matcher.counts);
    expect(sha(res)).toBe(GOLDEN.matcher.sha256);
  });

  it('the same where the roads do not all join exactly (the matcher then prunes no search by straight lines)', () => {
    // Road 0's last point moved by about 0.1 mm: it no longer meets the start of the road after it.
    const loose: RoadNetwork = {
      ...net,
      roads: net.roads.map((r, k) =>
        k === 0 ? { ...r, coords: [...r.coords.slice(0, -1), [r.coords.at(-1)![0] + 1e-9, r.coords.at(-1)![1]]] } : r,
      ),
    };
    const m = createMapMatcher(loose, { sigmaM: 7 });
    expect(sha(DENSE.slice(0, 60).map((t) => m.match(t.points, t.times)))).toBe(GOLDEN.looseJoins);
  });

  it('matchTraces: trips, report (but its timing) and dropped traces, dense and sparse profiles', () => {
    const hashes = [DENSE, SPARSE].map((ts) => {
      const { trips, report, droppedTraces, pointDistsSorted } = matchTraces(net, ts, { minRoads: 5 });
      return sha({
        trips,
        report: { ...report, matchSeconds: 0 },
        dropped: droppedTraces.map((d) => [d.trace.id, d.reason]),
        dists: Array.from(pointDistsSorted),
      });
    });
    expect(hashes).toEqual(GOLDEN.matchTraces);
  });
});

const GOLDEN = {
  // 1,688 points: 84 stationary, 15 outliers and 77 with no road dropped; 17 jump, 17 gap and 4 HMM splits.
  matcher: { counts: { pieces: 190, roads: 3836 }, sha256: 'aecfd6e86c8fc11a5c22c6a2fae2e5a292c9eab9c903459a5d2103685829314d' },
  looseJoins: 'c4a04af7cab1d0090dcb1fd6527f2fa47fe7d3798d52ba7a9e9572b8c8764081',
  matchTraces: [
    'b55633386fbffd7246312bde4c65649463ee35f9bb294d841b985d0ca3522a52',
    'afd8189d3a53896023e5bd60c595228cf102bc83043f10596ea53d349f6e62a9',
  ],
};
