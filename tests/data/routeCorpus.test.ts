import { describe, expect, it } from 'vitest';
import { dedupeTraces } from '../../src/lib/data/dedupeTraces';
import type { GpsTrace } from '../../src/lib/data/gpsTraces';
import { parseGpsCsv, parseRnTrajRec } from '../../src/lib/data/gpsTraces';
import { dropLeakingRoutes, parseRoutePolylines, resamplePolyline } from '../../src/lib/data/routeCorpus';
import { haversineM } from '../../src/lib/geo';

const trace = (id: string, source: string, t0: number, start: [number, number], n = 3): GpsTrace => ({
  id,
  source,
  missingData: false,
  points: Array.from({ length: n }, (_, k) => [start[0] + 0.001 * k, start[1]] as [number, number]),
  times: Array.from({ length: n }, (_, k) => t0 + 15 * k),
});

describe('dedupeTraces', () => {
  it('drops a trace from another source that starts within a minute and 300 m', () => {
    const a = trace('a', 'ecml', 1000, [-8.6, 41.15]);
    const b = trace('b', 'GREEN', 1030, [-8.6021, 41.15]); // ≈ 176 m west, 30 s later
    const c = trace('c', 'GREEN', 1070, [-8.6, 41.1502]); // 70 s later: another trip
    const d = trace('d', 'GREEN', 1010, [-8.61, 41.15]); // ≈ 840 m away: another trip
    const r = dedupeTraces([a, b, c, d]);
    expect(r.kept.map((t) => t.id)).toEqual(['a', 'c', 'd']);
    expect(r.dropped).toEqual([{ id: 'b', source: 'GREEN', sameAs: 'a', rule: 'start' }]);
  });

  it('keeps two trips of one source that leave the same stand in the same minute', () => {
    const r = dedupeTraces([trace('a', 'ecml', 1000, [-8.6, 41.15], 3), trace('b', 'ecml', 1020, [-8.6, 41.15], 4)]);
    expect(r.kept).toHaveLength(2);
  });

  it('drops equal point sequences (at 4 decimals) whatever their times', () => {
    const a = trace('a', 'ecml', 1000, [-8.6, 41.15]);
    const b = { ...trace('b', 'ecml', 99999, [-8.60001, 41.15002]) };
    const r = dedupeTraces([a, b]);
    expect(r.dropped).toEqual([{ id: 'b', source: 'ecml', sameAs: 'a', rule: 'points' }]);
  });
});

describe('GPS layouts of the extra sources', () => {
  it('reads the derived multi-source CSV with per-point timestamps and flags', () => {
    const csv = [
      'SOURCE_REPO,SOURCE_PATH,SOURCE_ID,TAXI_ID,TIMESTAMP,N_POINTS,IN_BOX,PARTIAL,SPARSE,POLYLINE,TIMESTAMPS',
      'slzhou-xy/GREEN,x.csv,23,335,100,2,1,0,0,"[[-8.6,41.15],[-8.601,41.151]]","[100,115]"',
      'christophertull/t,v.csv,7,1,200,2,1,1,0,"[[-8.6,41.15],[-8.601,41.151]]","[200,230]"',
      'a/b,v.csv,8,1,200,2,1,0,0,"[[-8.6,41.15],[-8.601,41.151]]","[200]"',
      'a/b,v.csv,9,1,200,2,1,0,0,"[[-8.6,41.15],[-8.601,41.151]]","[230,200]"',
    ].join('\n');
    const r = parseGpsCsv(csv, 'derived.csv');
    expect(r.traces.map((t) => t.id)).toEqual(['GREEN:23', 't:7']);
    expect(r.traces[0]).toMatchObject({ times: [100, 115], source: 'slzhou-xy/GREEN' });
    expect(r.traces[1].partial).toBe(true);
    expect(r.skipped).toEqual({ 'timestamps/points length mismatch': 1, 'timestamps go backwards': 1 });
  });

  it('names the file and line of an unknown layout', () => {
    expect(() => parseGpsCsv('a,b\n1,2\n', 'mine.csv')).toThrow(/^mine\.csv:1: header: unknown GPS CSV layout/);
  });

  it('reads RNTrajRec text files (trip k ends at the line -(k+1))', () => {
    const txt = [
      '10 41.15 -8.6 5',
      '25 41.151 -8.601 5',
      '-1',
      '40 41.2 -8.7 9',
      '-2',
      '50 41.2 -8.7 9',
      '65 41.21 -8.71 9',
      '-3',
      '',
    ].join('\n');
    const r = parseRnTrajRec(txt, 'test', 'RNTrajRec');
    expect(r.traces.map((t) => t.id)).toEqual(['test#0', 'test#2']);
    expect(r.traces[0].points).toEqual([
      [-8.6, 41.15],
      [-8.601, 41.151],
    ]);
    expect(r.skipped).toEqual({ 'single point': 1 });
    expect(() => parseRnTrajRec('10 x -8.6 5\n', 'test', 'R')).toThrow(/^test:1: point:/);
  });
});

describe('route corpus', () => {
  it('resamples a polyline at a fixed step and keeps both ends', () => {
    const pl: [number, number][] = [
      [-8.6, 41.15],
      [-8.59, 41.15],
    ]; // ≈ 838 m
    const r = resamplePolyline(pl, 100);
    expect(r[0]).toEqual(pl[0]);
    expect(r[r.length - 1]).toEqual(pl[1]);
    for (let i = 1; i < r.length - 1; i++) expect(haversineM(r[i - 1], r[i])).toBeCloseTo(100, 0);
    expect(r.length).toBe(10);
  });

  it('parses decoded route polylines and skips routes outside the box', () => {
    const csv =
      'ROUTE_INDEX,N_ROADS,ROAD_IDS,CONNECTED_IN_REL,IN_BOX,LENGTH_M,POLYLINE\n0,2,"1,2",1,1,10,"[[-8.6,41.15],[-8.61,41.15]]"\n1,2,"1,2",1,0,10,"[[-8.6,41.15],[-8.61,41.15]]"\n2,1,"1",1,1,10,"[[-8.6,41.15]]"\n';
    const r = parseRoutePolylines(csv, 'routes.csv.gz');
    expect(r.routes.map((x) => x.id)).toEqual(['0']);
    expect(r.skipped).toEqual({ 'outside the box': 1, 'fewer than two points': 1 });
  });

  it('drops routes that share an OD pair with a held-out trip or are a near copy of one, and keeps shared corridors', () => {
    const held = [
      { id: 'v', roads: [1, 2, 3, 4, 5], times: [0, 1, 2, 3, 4] },
      { id: 'long', roads: [20, 21, 22, 23, 24, 25, 26, 27, 28, 29], times: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
    ];
    const routes = [
      { id: 'od', roads: [1, 9, 5], source: 's' }, // same OD pair as v
      { id: 'copy', roads: [2, 3, 4, 5, 7], source: 's' }, // 4/5 of it on v, 4/5 of v on it
      { id: 'ok', roads: [2, 3, 7, 8, 9], source: 's' }, // 2/5
      { id: 'corridor', roads: [21, 22, 23, 24, 30], source: 's' }, // 4/5 of it on long, but only 4/10 of long
    ];
    const r = dropLeakingRoutes(routes, held);
    expect(r.routes.map((x) => x.id)).toEqual(['ok', 'corridor']);
    expect(r.report).toEqual({ droppedOdPair: 1, droppedNearCopy: 1, oneSidedOverlap: 2, kept: 2 });
  });
});
