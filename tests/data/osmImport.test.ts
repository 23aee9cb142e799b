import { describe, it, expect } from 'vitest';
import { importOsm, stronglyConnectedComponents, wayDirection } from '../../src/lib/data/osmImport';
import type { OsmElement, OverpassResponse } from '../../src/lib/data/osmImport';
import type { RoadNetwork } from '../../src/lib/data/types';
import type { BBox } from '../../src/lib/geo';

// 3×3 node grid (ids 1..9, row-major), 0.001° apart. Rows are ways 101..103, columns 201..203.
// Node 11 sits on way 101 between 1 and 2 and is touched only by a footway.
const lon = (c: number): number => -8.6 + c * 0.001;
const lat = (r: number): number => 41.15 + r * 0.001;
const id = (r: number, c: number): number => 1 + r * 3 + c;

function gridElements(rowTags: Record<number, Record<string, string>> = {}): OsmElement[] {
  const el: OsmElement[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) el.push({ type: 'node', id: id(r, c), lat: lat(r), lon: lon(c) });
  el.push({ type: 'node', id: 11, lat: lat(0), lon: lon(0.5) });
  el.push({ type: 'node', id: 12, lat: lat(0) - 0.0005, lon: lon(0.5) });
  for (let r = 0; r < 3; r++) {
    const nodes = r === 0 ? [1, 11, 2, 3] : [id(r, 0), id(r, 1), id(r, 2)];
    el.push({ type: 'way', id: 101 + r, nodes, tags: { highway: 'residential', ...(rowTags[r] ?? {}) } });
  }
  for (let c = 0; c < 3; c++) {
    el.push({ type: 'way', id: 201 + c, nodes: [id(0, c), id(1, c), id(2, c)], tags: { highway: 'secondary' } });
  }
  el.push({ type: 'way', id: 300, nodes: [11, 12], tags: { highway: 'footway' } });
  return el;
}

const key = (n: RoadNetwork, i: number): string => {
  const cs = n.roads[i].coords;
  const f = (p: [number, number]): string => `${p[0].toFixed(4)},${p[1].toFixed(4)}`;
  return `${f(cs[0])}>${f(cs[cs.length - 1])}`;
};
/** Road index from grid (row, col) of its start and end node, or -1. */
function find(n: RoadNetwork, a: [number, number], b: [number, number]): number {
  const want = `${lon(a[1]).toFixed(4)},${lat(a[0]).toFixed(4)}>${lon(b[1]).toFixed(4)},${lat(b[0]).toFixed(4)}`;
  for (let i = 0; i < n.roads.length; i++) if (key(n, i) === want) return i;
  return -1;
}

describe('importOsm', () => {
  it('splits ways at intersections, not at nodes touched only by non-drivable ways', () => {
    const { network: n, report } = importOsm([{ elements: gridElements() }]);
    expect(report.waysRead).toBe(7);
    expect(report.drivableWays).toBe(6);
    expect(report.segments).toBe(12);
    expect(n.roads.length).toBe(24);
    // The crossing at node 5 splits both the middle row and the middle column.
    expect(find(n, [1, 0], [1, 1])).toBeGreaterThanOrEqual(0);
    expect(find(n, [1, 1], [1, 2])).toBeGreaterThanOrEqual(0);
    expect(find(n, [0, 1], [1, 1])).toBeGreaterThanOrEqual(0);
    // Road 1→2 keeps node 11 (footway crossing) inside its geometry.
    const r12 = find(n, [0, 0], [0, 1]);
    expect(n.roads[r12].coords.length).toBe(3);
    expect(n.roads[r12].highway).toBe('residential');
    expect(n.roads[r12].lengthM).toBeGreaterThan(80);
    expect(n.roads[r12].lengthM).toBeLessThan(90);
    expect(n.roads.map((r) => r.id)).toEqual(n.roads.map((_, i) => i));
  });

  it('links roads end-to-start without U-turns onto the twin', () => {
    const { network: n } = importOsm([{ elements: gridElements() }]);
    const in45 = find(n, [1, 0], [1, 1]);
    const next = new Set(n.out[in45]);
    expect(next).toEqual(new Set([find(n, [1, 1], [1, 2]), find(n, [1, 1], [0, 1]), find(n, [1, 1], [2, 1])]));
    expect(next.has(find(n, [1, 1], [1, 0]))).toBe(false);
    // At a corner the only way on is around it.
    expect(n.out[find(n, [0, 1], [0, 0])]).toEqual([find(n, [0, 0], [1, 0])]);
    // rel and out agree.
    let rels = 0;
    for (const o of n.out) rels += o.length;
    expect(n.relOrigin.length).toBe(rels);
  });

  it('honours oneway, reverse oneway, roundabouts and motorways', () => {
    expect(wayDirection({ highway: 'residential' })).toBe('both');
    expect(wayDirection({ highway: 'residential', oneway: 'yes' })).toBe('forward');
    expect(wayDirection({ highway: 'residential', oneway: '1' })).toBe('forward');
    expect(wayDirection({ highway: 'residential', oneway: 'true' })).toBe('forward');
    expect(wayDirection({ highway: 'residential', oneway: '-1' })).toBe('backward');
    expect(wayDirection({ highway: 'primary', junction: 'roundabout' })).toBe('forward');
    expect(wayDirection({ highway: 'primary', junction: 'circular' })).toBe('forward');
    expect(wayDirection({ highway: 'primary', junction: 'roundabout', oneway: 'no' })).toBe('both');
    expect(wayDirection({ highway: 'motorway' })).toBe('forward');
    expect(wayDirection({ highway: 'motorway', oneway: 'no' })).toBe('both');

    const fwd = importOsm([{ elements: gridElements({ 1: { oneway: 'yes' } }) }]).network;
    expect(fwd.roads.length).toBe(22);
    expect(find(fwd, [1, 0], [1, 1])).toBeGreaterThanOrEqual(0);
    expect(find(fwd, [1, 1], [1, 0])).toBe(-1);
    expect(find(fwd, [1, 2], [1, 1])).toBe(-1);

    const back = importOsm([{ elements: gridElements({ 1: { oneway: '-1' } }) }]).network;
    expect(find(back, [1, 1], [1, 0])).toBeGreaterThanOrEqual(0);
    expect(find(back, [1, 0], [1, 1])).toBe(-1);
    // The reversed road's geometry runs against the way's node order.
    const rb = back.roads[find(back, [1, 2], [1, 1])];
    expect(rb.coords[0][0]).toBeCloseTo(lon(2), 6);

    const round = importOsm([{ elements: gridElements({ 1: { junction: 'roundabout' } }) }]).network;
    expect(find(round, [1, 0], [1, 1])).toBeGreaterThanOrEqual(0);
    expect(find(round, [1, 1], [1, 0])).toBe(-1);
  });

  it('skips non-drivable and private ways and counts them', () => {
    const { network: n, report } = importOsm([{ elements: gridElements({ 2: { access: 'private' } }) }]);
    expect(report.excludedByAccess).toBe(1);
    expect(report.drivableWays).toBe(5);
    expect(n.roads.every((r) => r.highway !== 'footway')).toBe(true);
    expect(find(n, [2, 0], [2, 1])).toBe(-1);
  });

  it('crops to a box, keeping only segments entirely inside', () => {
    // Box around columns 0 and 1 only.
    const box: BBox = [lon(-0.5), lat(-0.5), lon(1.5), lat(2.5)];
    const { network: n, report } = importOsm([{ elements: gridElements() }], { box });
    expect(report.segmentsInBox).toBe(7);
    expect(n.roads.length).toBe(14);
    for (const r of n.roads) for (const c of r.coords) expect(c[0]).toBeLessThanOrEqual(box[2]);
  });

  it('keeps the largest strongly connected component and reports what it dropped', () => {
    const el = gridElements();
    // A detached two-way street (2 one-road components: no U-turn) and a oneway dead-end spur.
    el.push({ type: 'node', id: 50, lat: 41.2, lon: -8.5 }, { type: 'node', id: 51, lat: 41.201, lon: -8.5 });
    el.push({ type: 'way', id: 400, nodes: [50, 51], tags: { highway: 'residential' } });
    el.push({ type: 'node', id: 60, lat: lat(2) + 0.001, lon: lon(2) });
    el.push({ type: 'way', id: 401, nodes: [9, 60], tags: { highway: 'residential', oneway: 'yes' } });
    const { network: n, report } = importOsm([{ elements: el }]);
    expect(report.roadsBeforeScc).toBe(27);
    expect(report.components).toBe(4);
    expect(report.largestComponent).toBe(24);
    expect(report.roadsDropped).toBe(3);
    expect(n.roads.length).toBe(24);
    for (let i = 0; i < n.relOrigin.length; i++) {
      expect(n.relOrigin[i]).toBeLessThan(24);
      expect(n.relDest[i]).toBeLessThan(24);
    }
    // Every road reaches every other (single SCC after filtering).
    expect(stronglyConnectedComponents(n.roads.length, n.out).count).toBe(1);
  });

  it('merges responses by element id and is deterministic', () => {
    const el = gridElements();
    const a: OverpassResponse = { elements: el.slice(0, 8) };
    const b: OverpassResponse = { elements: el.slice(5).reverse() };
    const one = importOsm([{ elements: el }]);
    const two = importOsm([b, a]);
    expect(two.report.nodesRead).toBe(one.report.nodesRead);
    expect(two.network.roads).toEqual(one.network.roads);
    expect(Array.from(two.network.relDest)).toEqual(Array.from(one.network.relDest));
    // Ordered by way id, then segment, forward before reverse.
    expect(key(one.network, 0)).toBe(key(one.network, find(one.network, [0, 0], [0, 1])));
    expect(find(one.network, [0, 1], [0, 0])).toBe(1);
  });

  it('finds SCCs iteratively on a long chain (no recursion limit)', () => {
    const n = 200_000;
    const out: number[][] = Array.from({ length: n }, (_, i) => [(i + 1) % n]);
    expect(stronglyConnectedComponents(n, out).count).toBe(1);
    out[n - 1] = [];
    expect(stronglyConnectedComponents(n, out).count).toBe(n);
  });
});
