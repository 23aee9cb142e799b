import { describe, it, expect } from 'vitest';
import type { Road, Trajectory } from '../../src/lib/data/types';
import { buildRoadRender, buildTripMesh, buildTripRender, buildTripsToDraw, highwayRank, simplifyPaths } from '../../workers/renderData';
import { renderTransferables } from '../../workers/dataMessages';
import type { RenderData } from '../../workers/dataMessages';

// Three roads in a row along a parallel, then one turning north; ~85 m per 0.001° of lon here.
const roads: Road[] = [
  {
    id: 0,
    coords: [
      [-8.61, 41.15],
      [-8.6095, 41.15],
      [-8.609, 41.15],
    ],
    highway: 'primary',
    lengthM: 170,
  },
  {
    id: 1,
    coords: [
      [-8.609, 41.15],
      [-8.608, 41.15],
    ],
    highway: "['unclassified', 'residential']",
    lengthM: 85,
  },
  {
    id: 2,
    coords: [
      [-8.608, 41.15],
      [-8.608, 41.151],
    ],
    highway: '7',
    lengthM: 111,
  },
];

describe('highwayRank', () => {
  it('ranks names, links, list forms and integer codes', () => {
    expect(highwayRank('motorway')).toBe(5);
    expect(highwayRank('primary')).toBe(4);
    expect(highwayRank('primary_link')).toBe(3);
    expect(highwayRank('residential')).toBe(1);
    expect(highwayRank('7')).toBe(1);
    expect(highwayRank('service')).toBe(0);
  });
});

describe('buildRoadRender', () => {
  it('flattens coordinates with start indices and computes bounds', () => {
    const r = buildRoadRender(roads);
    expect(r.count).toBe(3);
    expect(Array.from(r.starts)).toEqual([0, 3, 5, 7]);
    expect(r.positions.length).toBe(14);
    expect(r.positions[6]).toBeCloseTo(-8.609, 5);
    expect(r.bounds[0]).toBeCloseTo(-8.61, 5);
    expect(r.bounds[3]).toBeCloseTo(41.151, 5);
    expect(Array.from(r.rank)).toEqual([4, highwayRank("['unclassified', 'residential']"), 1]);
  });
});

describe('buildTripRender', () => {
  const trips: Trajectory[] = [
    { id: 'a', roads: [0, 1, 2], times: [1000, 1030, 1060] },
    { id: 'b', roads: [2], times: [5000] },
  ];
  const t = buildTripRender(trips, roads);

  it('writes each shared joint once and keeps per-trip info', () => {
    // 3 + 2 + 2 vertices minus 2 shared joints.
    expect(Array.from(t.starts)).toEqual([0, 5, 7]);
    expect(t.positions.length).toBe(14);
    expect(t.ids).toEqual(['a', 'b']);
    expect(Array.from(t.roadCounts)).toEqual([3, 1]);
    expect(t.km[0]).toBeCloseTo(0.366, 5);
    expect(t.minutes[0]).toBeCloseTo(1, 5);
    expect(t.minutes[1]).toBe(0);
  });

  it('simplifies the display copy but keeps the corner and the endpoints', () => {
    // Trip a: straight west→east run of 4 vertices, then north. The collinear ones go.
    expect(Array.from(t.display.starts)).toEqual([0, 3, 5]);
    const d = t.display.positions;
    expect([d[0], d[1]]).toEqual([t.positions[0], t.positions[1]]);
    expect([d[2], d[3]]).toEqual([t.positions[6], t.positions[7]]); // the corner at -8.608
    expect([d[4], d[5]]).toEqual([t.positions[8], t.positions[9]]);
  });
});

describe('simplifyPaths', () => {
  it('keeps a deviation larger than the tolerance and drops a smaller one', () => {
    const lat = 41.15;
    const dLat = (m: number) => m / 111_320;
    const path = (offsetM: number) => ({
      count: 1,
      positions: new Float32Array([-8.61, lat, -8.609, lat + dLat(offsetM), -8.608, lat]),
      starts: new Uint32Array([0, 3]),
    });
    expect(simplifyPaths(path(10), 4).starts[1]).toBe(3);
    expect(simplifyPaths(path(2), 4).starts[1]).toBe(2);
  });

  it('handles empty paths', () => {
    const s = simplifyPaths({ count: 2, positions: new Float32Array([1, 2]), starts: new Uint32Array([0, 0, 1]) }, 4);
    expect(Array.from(s.starts)).toEqual([0, 0, 1]);
  });
});

describe('renderTransferables', () => {
  it('lists every typed-array buffer once', () => {
    const trips = buildTripRender([], roads);
    const data = {
      name: 'x',
      roads: buildRoadRender(roads),
      trips: { train: trips, val: buildTripRender([], roads), test: buildTripRender([], roads) },
    } as unknown as RenderData;
    const list = renderTransferables(data);
    expect(new Set(list).size).toBe(list.length);
    // Per split: exact and display paths (2 + 2), the drawn mesh (6), per-trip figures (3).
    expect(list.length).toBe(3 + 3 * (7 + 6));
  });
});

describe('buildTripMesh', () => {
  // Path 0: three vertices (two segments); path 1: a single vertex (draws nothing); path 2: two.
  const bundle = {
    count: 3,
    positions: new Float32Array([-8.61, 41.15, -8.6, 41.15, -8.6, 41.16, -8.5, 41.1, -8.62, 41.14, -8.61, 41.14]),
    starts: new Uint32Array([0, 3, 4, 6]),
  };
  const m = buildTripMesh(bundle);

  it('gives each path vertex a pair of mesh vertices, one per side, and skips paths that draw nothing', () => {
    expect(m.sides.length).toBe(2 * (3 + 2));
    expect(Array.from(m.sides)).toEqual([-1, 1, -1, 1, -1, 1, -1, 1, -1, 1]);
    expect(Array.from(m.rows)).toEqual([0, 0, 0, 0, 0, 0, 2, 2, 2, 2]);
    expect(Array.from(m.positions.subarray(0, 4))).toEqual([-8.61, 41.15, -8.61, 41.15].map(Math.fround));
    expect(Array.from(m.positions.subarray(12, 14))).toEqual([-8.62, 41.14].map(Math.fround));
  });

  it('joins consecutive vertex pairs of the same path with two triangles per segment', () => {
    expect(Array.from(m.indices)).toEqual([0, 1, 2, 1, 3, 2, 2, 3, 4, 3, 5, 4, 6, 7, 8, 7, 9, 8]);
  });

  it('stores the steps to the neighbouring vertices, zero past the ends', () => {
    const step = (a: number, b: number) => Math.fround(Math.fround(b) - Math.fround(a));
    // Middle vertex of path 0 (mesh vertices 2 and 3): back west, then north.
    expect(Array.from(m.toPrev.subarray(4, 6))).toEqual([step(-8.6, -8.61), 0]);
    expect(Array.from(m.toNext.subarray(4, 6))).toEqual([0, step(41.15, 41.16)]);
    expect(Array.from(m.toPrev.subarray(0, 2))).toEqual([0, 0]);
    expect(Array.from(m.toNext.subarray(8, 10))).toEqual([0, 0]);
  });
});

describe('buildTripsToDraw', () => {
  const many = (prefix: string, n: number): Trajectory[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i}`,
      roads: i % 2 ? [0, 1] : [1, 2, 1],
      times: [0, 10, 20].slice(0, i % 2 ? 2 : 3),
    }));
  const ds = {
    name: 'toy',
    network: { roads, relOrigin: new Int32Array(0), relDest: new Int32Array(0), out: [[1], [2], []] },
    splits: { train: many('a', 70), val: many('v', 10), test: many('t', 20) },
  };

  it('draws every trip up to the limit, with no aggregate', () => {
    const out = buildTripsToDraw(ds, { drawAllMax: 100, drawSample: 10 });
    expect(out.aggregate).toBeUndefined();
    expect(out.trips.train.count + out.trips.val.count + out.trips.test.count).toBe(100);
  });

  it('above the limit draws a seeded sample and counts every trip per road', () => {
    const out = buildTripsToDraw(ds, { drawAllMax: 99, drawSample: 10 });
    const agg = out.aggregate!;
    expect(agg.total).toEqual({ train: 70, val: 10, test: 20 });
    expect(agg.sample).toBe(10);
    expect([out.trips.train.count, out.trips.val.count, out.trips.test.count]).toEqual([7, 1, 2]);
    // Odd trips pass roads 0 and 1, even ones 1 and 2 (road 1 twice, counted once).
    expect(Array.from(agg.roadTrips.train)).toEqual([35, 70, 35]);
    expect(Array.from(agg.roadTrips.val)).toEqual([5, 10, 5]);
    expect(Array.from(agg.roadTrips.test)).toEqual([10, 20, 10]);
    // The sample's trips are the split's own, the same on every call.
    expect(out.trips.train.ids.every((id) => /^a\d+$/.test(id))).toBe(true);
    expect(buildTripsToDraw(ds, { drawAllMax: 99, drawSample: 10 }).trips.train.ids).toEqual(out.trips.train.ids);
    // The counts travel with the render buffers (transferred, not copied).
    const data = { roads: buildRoadRender(roads), ...out } as unknown as RenderData;
    const buffers = renderTransferables(data);
    for (const c of Object.values(agg.roadTrips)) expect(buffers).toContain(c.buffer);
  });
});
