import { describe, it, expect } from 'vitest';
import type { Dataset, LonLat, Road, RoadNetwork, Trajectory } from '../../src/lib/data/types';
import type { Zones } from '../../src/lib/data/derivedTypes';
import { buildRoadFeatures } from '../../src/lib/data/roadFeatures';
import { buildRoadGraph } from '../../src/lib/data/roadGraph';
import { buildGridVocab, cellCenter, cellOf, defaultPortoGrid, gridFromBox } from '../../src/lib/data/grid';
import { countDisconnected, partitionZones, undirectedAdjacency } from '../../src/lib/data/zones';
import { buildZoneGraph } from '../../src/lib/data/zoneTransitions';
import { candidateFeatures, candidatesFor } from '../../src/lib/data/candidates';
import { buildDerived, hopTimeStats } from '../../src/lib/data/derived';
import { haversineM, polylineCentroid, polylineLengthM, PORTO_BOX } from '../../src/lib/geo';

function makeNet(coords: LonLat[][], rel: [number, number][], highway?: string[], lengths?: number[]): RoadNetwork {
  const roads: Road[] = coords.map((c, id) => ({
    id,
    coords: c,
    highway: highway?.[id] ?? 'residential',
    lengthM: lengths?.[id] ?? polylineLengthM(c),
  }));
  const out: number[][] = roads.map(() => []);
  for (const [a, b] of rel) out[a].push(b);
  return {
    roads,
    relOrigin: Int32Array.from(rel.map((r) => r[0])),
    relDest: Int32Array.from(rel.map((r) => r[1])),
    out,
  };
}

// A tiny street patch: 0 A→B (north), 1 B→C (east, bent), 2 B→A (south), 3 C→D (north), 4 E→F isolated.
const A: LonLat = [-8.6, 41.15];
const B: LonLat = [-8.6, 41.151];
const C: LonLat = [-8.599, 41.151];
const D: LonLat = [-8.599, 41.152];
const E: LonLat = [-8.61, 41.16];
const F: LonLat = [-8.611, 41.16];
const small = makeNet(
  [
    [A, B],
    [B, [-8.5995, 41.1512], C],
    [B, A],
    [C, D],
    [E, F],
  ],
  [
    [0, 1],
    [0, 2],
    [1, 3],
  ],
  ['7', '10', 'primary', '2', '7'],
  [10, 100, 1000, 10, 50],
);

describe('road features', () => {
  const f = buildRoadFeatures(small);
  it('z-scores log1p(length) with the population std', () => {
    const l = [10, 100, 1000, 10, 50].map(Math.log1p);
    const mean = l.reduce((a, b) => a + b) / l.length;
    const std = Math.sqrt(l.reduce((a, b) => a + (b - mean) ** 2, 0) / l.length);
    l.forEach((v, i) => expect(f.lenZ[i]).toBeCloseTo((v - mean) / std, 5));
  });
  it('label-encodes highway classes in a deterministic order', () => {
    expect(f.typeNames).toEqual(['2', '7', '10', 'primary']);
    expect(f.nTypes).toBe(4);
    expect([...f.typeId]).toEqual([1, 2, 3, 0, 1]);
  });
  it('keeps raw centroid/start/end and z-scores the centroid', () => {
    const c1 = polylineCentroid(small.roads[1].coords);
    expect(f.centroid[2]).toBeCloseTo(c1[0], 12);
    expect(f.centroid[3]).toBeCloseTo(c1[1], 12);
    expect([f.start[2], f.start[3], f.end[2], f.end[3]]).toEqual([B[0], B[1], C[0], C[1]]);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    const sd = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / a.length);
    expect(mean(f.lonZ)).toBeCloseTo(0, 5);
    expect(sd(f.lonZ)).toBeCloseTo(1, 4);
    expect(sd(f.latZ)).toBeCloseTo(1, 4);
    // Road 4 is the westernmost and northernmost.
    expect(Math.min(...f.lonZ)).toBe(f.lonZ[4]);
    expect(Math.max(...f.latZ)).toBe(f.latZ[4]);
  });
});

describe('road graph', () => {
  const f = buildRoadFeatures(small);
  const g = buildRoadGraph(small, f);
  const edges = [...g.src].map((s, e) => `${s}>${g.dst[e]}`);
  it('links roads sharing an endpoint, both directions, no self loops, no duplicates', () => {
    expect(edges).toEqual(['0>1', '0>2', '1>0', '1>2', '1>3', '2>0', '2>1', '3>1']);
  });
  it('has [heading difference / π, reachable in rel] edge attributes', () => {
    const attr = (s: number, d: number): [number, number] => {
      const e = edges.indexOf(`${s}>${d}`);
      return [g.edgeAttr[2 * e], g.edgeAttr[2 * e + 1]];
    };
    // 0 heads north, 2 south, 3 north, 1 about east (bearing of its chord B→C).
    expect(attr(0, 2)[0]).toBeCloseTo(1, 5);
    expect(attr(0, 2)[1]).toBe(1);
    expect(attr(2, 0)).toEqual([expect.closeTo(1, 5), 0]);
    expect(attr(0, 1)[0]).toBeCloseTo(0.5, 2);
    expect(attr(0, 1)[1]).toBe(1);
    expect(attr(1, 0)[1]).toBe(0);
    expect(attr(1, 3)[1]).toBe(1);
    expect(attr(3, 1)[1]).toBe(0);
    expect(attr(1, 3)[0]).toBeCloseTo(attr(3, 1)[0], 6);
  });
});

describe('grid vocabulary ψ', () => {
  const spec = defaultPortoGrid();
  it('is the LM-TAD Porto grid', () => {
    expect(spec.nRows).toBe(51);
    expect(spec.nCols).toBe(158);
    expect(spec.latStep).toBeCloseTo(0.1 / 110.574, 12);
    expect(spec.lonStep).toBeCloseTo(0.1 / 111.32 / 0.99974, 12);
  });
  it('maps points to row·158 + col (hand-computed) and clamps outside the box', () => {
    // lat rows 10.96 → 10, lon cols 100.45 → 100
    expect(cellOf(spec, -8.6, 41.15)).toBe(10 * 158 + 100);
    // rows 33.07 → 33, cols 44.81 → 44
    expect(cellOf(spec, -8.65, 41.17)).toBe(33 * 158 + 44);
    expect(cellOf(spec, -8.690261, 41.140092)).toBe(0);
    expect(cellOf(spec, -8.549155, 41.185969)).toBe(50 * 158 + 157);
    expect(cellOf(spec, -9, 42)).toBe(50 * 158);
    expect(cellOf(spec, -8.5, 41)).toBe(157);
    expect(cellOf(spec, Number.NaN, 41.15)).toBe(10 * 158);
  });
  it('cellCenter inverts cellOf', () => {
    for (const c of [0, 157, 1680, 5258, 8057]) {
      const [lon, lat] = cellCenter(spec, c);
      expect(cellOf(spec, lon, lat)).toBe(c);
    }
  });
  it('builds the vocabulary with special tokens after the cells', () => {
    const f = buildRoadFeatures(small);
    const v = buildGridVocab(spec, f);
    expect([v.nCells, v.pad, v.eot, v.sot, v.vocabSize]).toEqual([8058, 8058, 8059, 8060, 8061]);
    for (let r = 0; r < f.n; r++) expect(v.roadCell[r]).toBe(cellOf(spec, f.centroid[2 * r], f.centroid[2 * r + 1]));
  });
  it('gridFromBox makes ~square cells of the requested size', () => {
    const g = gridFromBox(PORTO_BOX, 200);
    const [lon, lat] = cellCenter(g, 0);
    const w = haversineM([lon - g.lonStep / 2, lat], [lon + g.lonStep / 2, lat]);
    const h = haversineM([lon, lat - g.latStep / 2], [lon, lat + g.latStep / 2]);
    expect(w).toBeGreaterThan(195);
    expect(w).toBeLessThan(205);
    expect(h).toBeGreaterThan(195);
    expect(h).toBeLessThan(205);
    expect(g.nRows).toBe(26);
    expect(cellOf(g, PORTO_BOX[2], PORTO_BOX[3])).toBe(g.nRows * g.nCols - 1);
  });
});

describe('candidates', () => {
  // Road 0 ends at the origin with 70 out-neighbours spread along a line to the east; the
  // destination (road 71) is far east, so the 64 kept are the 64 easternmost.
  const O: LonLat = [-8.6, 41.15];
  const coords: LonLat[][] = [[[-8.601, 41.15], O]];
  for (let i = 1; i <= 70; i++) coords.push([O, [-8.6 + i * 0.0005, 41.15 + (i % 2 ? 0.0003 : -0.0003)]]);
  coords.push([
    [-8.5, 41.15],
    [-8.499, 41.15],
  ]);
  const perm = Array.from({ length: 70 }, (_, i) => ((i * 37) % 70) + 1);
  const net = makeNet(
    coords,
    perm.map((d) => [0, d] as [number, number]),
  );
  const f = buildRoadFeatures(net);
  it('caps at the k nearest to the destination, keeping file order', () => {
    const c = candidatesFor(net, f, 0, 71, 64);
    expect(c).toHaveLength(64);
    expect(c).toEqual(perm.filter((r) => r > 6));
  });
  it('returns all out-neighbours in file order when within the cap', () => {
    const c = candidatesFor(net, f, 0, 71, 100);
    expect(c).toEqual(perm);
    c.push(-1);
    expect(net.out[0]).toHaveLength(70);
  });
  it('computes metric_dis and metric_angle as in HOSER', () => {
    const cands = [70, 1, 35];
    const { metricDis, metricAngle } = candidateFeatures(f, 0, 71, cands);
    const dest: LonLat = [f.centroid[142], f.centroid[143]];
    const d = cands.map((r) => haversineM([f.centroid[2 * r], f.centroid[2 * r + 1]], dest));
    expect(metricDis[0]).toBeCloseTo(0, 6);
    expect(metricDis[1]).toBeCloseTo(Math.log1p((d[1] - d[0]) / 100), 4);
    expect(metricDis[2]).toBeCloseTo(Math.log1p((d[2] - d[0]) / 100), 4);
    // Road 1 ends ≈41.9 m east and 33.4 m north of the origin: bearing ≈51.4°, the destination
    // ≈90°, so (90 − 51.4)/180 ≈ 0.214. Road 70 ends 2.93 km east, 33 m south (bearing ≈90.7°).
    expect(metricAngle[1]).toBeCloseTo(0.214, 2);
    expect(metricAngle[0]).toBeCloseTo(0.004, 2);
    // A candidate pointing west is opposite the destination.
    const west = makeNet(
      [
        [[-8.601, 41.15], O],
        [O, [-8.61, 41.15]],
        [
          [-8.5, 41.15],
          [-8.499, 41.15],
        ],
      ],
      [[0, 1]],
    );
    const fw = buildRoadFeatures(west);
    expect(candidateFeatures(fw, 0, 2, [1]).metricAngle[0]).toBeCloseTo(1, 3);
  });
});

/** An n×n lattice of intersections with a two-way street between neighbours (one road per direction). */
function lattice(n: number): RoadNetwork {
  const p = (i: number, j: number): LonLat => [-8.65 + j * 0.001, 41.14 + i * 0.00075];
  const coords: LonLat[][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j + 1 < n) coords.push([p(i, j), p(i, j + 1)], [p(i, j + 1), p(i, j)]);
      if (i + 1 < n) coords.push([p(i, j), p(i + 1, j)], [p(i + 1, j), p(i, j)]);
    }
  }
  // rel: a road continues into every road starting where it ends (except its own reverse).
  const starts = new Map<string, number[]>();
  coords.forEach((c, r) => {
    const k = c[0].join();
    starts.set(k, [...(starts.get(k) ?? []), r]);
  });
  const rel: [number, number][] = [];
  coords.forEach((c, r) => {
    for (const s of starts.get(c[1].join()) ?? []) if (coords[s][1].join() !== c[0].join()) rel.push([r, s]);
  });
  return makeNet(coords, rel);
}

describe('zones', () => {
  const net = lattice(25);
  const f = buildRoadFeatures(net);
  const g = buildRoadGraph(net, f);
  const z = partitionZones(net, g, 20, 7);
  it('partitions every road into k balanced, connected zones', () => {
    expect(net.roads.length).toBe(2400);
    expect(z.nZones).toBe(20);
    const size = new Array(20).fill(0);
    for (const v of z.roadZone) size[v]++;
    expect(Math.min(...size)).toBeGreaterThan(0);
    expect(z.sizeRatio).toBeCloseTo(Math.max(...size) / Math.min(...size), 9);
    expect(z.sizeRatio).toBeLessThanOrEqual(2);
    expect(z.disconnected).toBe(0);
    expect(countDisconnected(undirectedAdjacency(net, g), z.roadZone, z.nZones)).toBe(0);
  });
  it('is deterministic given the seed', () => {
    const again = partitionZones(net, g, 20, 7);
    expect([...again.roadZone]).toEqual([...z.roadZone]);
  });
  it('never asks for more zones than roads', () => {
    const tiny = partitionZones(small, buildRoadGraph(small, buildRoadFeatures(small)), 300);
    expect(tiny.nZones).toBeLessThanOrEqual(5);
    expect(new Set(tiny.roadZone).size).toBe(tiny.nZones);
  });
  it('attaches components too small for a zone to the nearest zone, counted as disconnected', () => {
    const base = lattice(8);
    const far: LonLat[][] = [
      [
        [-8.66, 41.14],
        [-8.661, 41.14],
      ],
      [
        [-8.7, 41.2],
        [-8.701, 41.2],
      ],
    ];
    const withCrumbs = makeNet(
      [...base.roads.map((r) => r.coords), ...far],
      [...base.relOrigin].map((o, e) => [o, base.relDest[e]] as [number, number]),
    );
    const gc = buildRoadGraph(withCrumbs, buildRoadFeatures(withCrumbs));
    const zc = partitionZones(withCrumbs, gc, 4, 1);
    expect(zc.nZones).toBe(4);
    const n = withCrumbs.roads.length;
    for (const v of zc.roadZone) expect(v).toBeGreaterThanOrEqual(0);
    // The crumb near the lattice's south-west corner joins the zone of the road nearest to it.
    const fc = buildRoadFeatures(withCrumbs);
    let nearest = 0;
    const d2 = (r: number): number =>
      (fc.centroid[2 * r] - fc.centroid[2 * (n - 2)]) ** 2 + (fc.centroid[2 * r + 1] - fc.centroid[2 * (n - 2) + 1]) ** 2;
    for (let r = 0; r < base.roads.length; r++) if (d2(r) < d2(nearest)) nearest = r;
    expect(zc.roadZone[n - 2]).toBe(zc.roadZone[nearest]);
    expect(zc.disconnected).toBeGreaterThanOrEqual(1);
    expect(zc.disconnected).toBeLessThanOrEqual(2);
  });
  it('counts disconnected zones', () => {
    const adj = undirectedAdjacency(small, buildRoadGraph(small, buildRoadFeatures(small)));
    // Roads 0 and 3 share a zone but only touch through road 1 (zone 1): disconnected.
    expect(countDisconnected(adj, Int32Array.from([0, 1, 1, 0, 2]), 3)).toBe(1);
    expect(countDisconnected(adj, Int32Array.from([0, 0, 0, 1, 2]), 3)).toBe(0);
  });
});

describe('zone transition graph', () => {
  it('counts cross-zone moves in train trips and normalises by √(D_i D_j)', () => {
    const zones: Zones = { nZones: 3, roadZone: Int32Array.from([0, 0, 1, 2]), sizeRatio: 2, disconnected: 0 };
    const trip = (roads: number[]): Trajectory => ({ id: 'x', roads, times: roads.map((_, i) => i) });
    const zg = buildZoneGraph(zones, [trip([0, 1, 2, 3]), trip([0, 1, 2, 3]), trip([2, 1])]);
    expect([...zg.src]).toEqual([0, 1, 1]);
    expect([...zg.dst]).toEqual([1, 0, 2]);
    // counts (0,1)=2, (1,0)=1, (1,2)=2; row sums D = [2, 3, max(0,1)=1]
    expect(zg.weight[0]).toBeCloseTo(2 / Math.sqrt(2 * 3), 6);
    expect(zg.weight[1]).toBeCloseTo(1 / Math.sqrt(3 * 2), 6);
    expect(zg.weight[2]).toBeCloseTo(2 / Math.sqrt(3 * 1), 6);
  });
});

describe('buildDerived', () => {
  const trips: Trajectory[] = [
    { id: 't0', roads: [0, 1, 3], times: [0, 10, 30] },
    { id: 't1', roads: [0, 2], times: [100, 100] },
  ];
  const ds: Dataset = { name: 'small', network: small, splits: { train: trips, val: [], test: [] } };
  const d = buildDerived(ds, { nZones: 2, seed: 3 });
  it('bundles all structures with train hop-time statistics', () => {
    expect(d.features.n).toBe(5);
    expect(d.graph.src.length).toBe(8);
    expect(d.grid.nCells).toBe(8058);
    expect(d.zones.nZones).toBe(2);
    expect(typeof d.fingerprint).toBe('string');
    expect(d.fingerprint.length).toBeGreaterThan(0);
    const v = [Math.log1p(10), Math.log1p(20), 0];
    const mean = (v[0] + v[1] + v[2]) / 3;
    const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / 3);
    expect(d.timeMean).toBeCloseTo(mean, 9);
    expect(d.timeStd).toBeCloseTo(std, 9);
  });
  it('has a positive std floor and a neutral default without hops', () => {
    expect(hopTimeStats([])).toEqual({ mean: 0, std: 1 });
    expect(hopTimeStats([{ id: 'a', roads: [0, 1], times: [5, 5] }]).std).toBe(1e-6);
  });
  it('survives structured cloning unchanged', () => {
    const c = structuredClone(d);
    expect(c).toEqual(d);
    expect(c.features.centroid).toBeInstanceOf(Float64Array);
  });
});
