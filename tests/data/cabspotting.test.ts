// The cabspotting per-taxi reader and `data match` on it. Every line here is made up (coordinates
// near the tiny Porto fixture, invented times): no real cabspotting data may enter the repository.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureConsole } from './consoleCapture';
import { cabName, looksLikeCabspotting, parseCabspotting } from '../../src/lib/data/cabspotting';
import { medianInterval, parseGpsText, samplingOptions, SPARSE_MATCH_OPTIONS } from '../../src/lib/data/matchTraces';
import type { GpsTrace } from '../../src/lib/data/gpsTraces';
import { formatIssue } from '../../src/lib/data/types';
import { run } from '../../src/cli/data/dataMatch';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { removeTempDirs, tempDir } from '../tempDirs';

afterAll(removeTempDirs);

const T0 = 1_000_000_000;
/** A fix line at made-up position k and time T0 + s. */
const fix = (k: number, occupied: 0 | 1, s: number): string =>
  `${(45 + k * 0.001).toFixed(5)} ${(7 + k * 0.001).toFixed(5)} ${occupied} ${T0 + s}`;

describe('parseCabspotting', () => {
  it('cuts occupied runs into trips: gaps over 300 s split, runs under 3 fixes are dropped', () => {
    const text = [
      fix(0, 0, 0),
      fix(1, 1, 60), // trip A: 3 fixes
      fix(2, 1, 120),
      fix(3, 1, 180),
      fix(4, 0, 240),
      fix(5, 1, 300), // 2 fixes, then a 0: too short
      fix(6, 1, 360),
      fix(7, 0, 420),
      fix(8, 1, 480), // trip B: 3 fixes, then a 301 s gap
      fix(9, 1, 540),
      fix(10, 1, 600),
      fix(11, 1, 901), // trip C after the gap (exactly 300 s later would not split)
      fix(12, 1, 1201),
      fix(13, 1, 1261),
      '',
    ].join('\n');
    const r = parseCabspotting(text, 'gps/x/new_abcdef.txt');
    expect(r.traces.map((t) => t.id)).toEqual([`abcdef_${T0 + 60}`, `abcdef_${T0 + 480}`, `abcdef_${T0 + 901}`]);
    expect(r.traces.map((t) => t.points.length)).toEqual([3, 3, 3]);
    expect(r.traces[0].points[0]).toEqual([7.001, 45.001]);
    expect(r.traces[0].times).toEqual([T0 + 60, T0 + 120, T0 + 180]);
    expect(r.rows).toBe(3);
    expect(r.fixes).toBe(14);
    expect(r.shortRuns).toBe(1);
    expect(r.problems).toEqual([]);
  });

  it('reports bad lines as file:line: field: reason, and a bad line ends its trip', () => {
    const text = [
      fix(0, 1, 0),
      fix(1, 1, 60),
      '45.002 7.002 1', // 3: wrong field count
      fix(3, 1, 180),
      fix(4, 1, 240),
      'north 7.005 1 1000000300', // 6: non-numeric lat
      '45.006 7.006 2 1000000360', // 7: occupied not 0/1
      fix(7, 1, 420),
      fix(8, 1, 480),
      fix(9, 1, 470), // 10: time goes backwards
      fix(10, 1, 540),
      fix(11, 1, 600),
      fix(12, 1, 660),
    ].join('\n');
    const r = parseCabspotting(text, 'new_cab.txt');
    expect((r.problems ?? []).map(formatIssue)).toEqual([
      'new_cab.txt:3: line: expected 4 fields "lat lon occupied unix_time", got 3: "45.002 7.002 1"',
      'new_cab.txt:6: lat: not a latitude: "north"',
      'new_cab.txt:7: occupied: must be 0 or 1, got "2"',
      `new_cab.txt:10: unix_time: time goes backwards or repeats (${T0 + 470} after ${T0 + 480}); fixes must be oldest first`,
    ]);
    expect(Object.values(r.skipped).reduce((a, b) => a + b, 0)).toBe(4);
    // Runs: [0,60] short, [180,240] short, [420,480] short, [540,600,660] a trip.
    expect(r.traces.map((t) => t.times[0])).toEqual([T0 + 540]);
    expect(r.shortRuns).toBe(3);
  });

  it('is told apart from CSV layouts', () => {
    expect(looksLikeCabspotting(`${fix(0, 1, 0)}\n`)).toBe(true);
    expect(looksLikeCabspotting('TRIP_ID,TIMESTAMP,MISSING_DATA,POLYLINE\n')).toBe(false);
    expect(looksLikeCabspotting('45.1 7.1 3 1000000000\n')).toBe(false);
    expect(parseGpsText([fix(0, 1, 0), fix(1, 1, 60), fix(2, 1, 120)].join('\n'), 'new_q.txt').traces).toHaveLength(1);
    expect(cabName('a/b/new_xy.txt')).toBe('xy');
  });
});

describe('matching options by sampling interval', () => {
  it('fixes a minute apart get the sparse options; 15 s fixes keep the defaults', () => {
    const trace = (dt: number): GpsTrace => ({ id: 'a', points: [], times: [0, dt, 2 * dt, 3 * dt], missingData: false });
    expect(medianInterval([trace(15), trace(20), trace(15)])).toBe(15);
    expect(samplingOptions(15)).toEqual({});
    expect(samplingOptions(medianInterval([trace(60)]))).toBe(SPARSE_MATCH_OPTIONS);
    expect(SPARSE_MATCH_OPTIONS.maxGapS).toBe(300);
  });
});

describe('data match on cabspotting files', () => {
  const TINY = join(__dirname, '../fixtures/tiny');
  const { logs, errs, start: capture } = captureConsole();

  it('reads taxi files (auto-detected), matches their trips and lists the bad lines', async () => {
    capture();
    const dir = tempDir('cab-');
    // Every 20 m along roads 0 → 1 → 2 of the tiny network, 20 s apart: one occupied trip.
    const pts: [number, number][] = [];
    for (let k = 0; k < 20; k += 2) pts.push([-8.61 + 0.0001 * k, 41.15]);
    for (let k = 2; k <= 9; k += 2) pts.push([-8.6080001, 41.15 + 0.0001 * k]);
    const lines = [
      `41.15 -8.61 0 ${T0 - 60}`,
      ...pts.map(([lon, lat], i) => `${lat} ${lon} 1 ${T0 + 20 * i}`),
      `41.151 -8.608 0 ${T0 + 400}`,
    ];
    writeFileSync(join(dir, 'new_aaa.txt'), lines.join('\n'));
    writeFileSync(join(dir, 'new_bbb.txt'), [`41.15 -8.61 1 ${T0}`, '41.15 -8.61 1', `41.15 -8.61 0 ${T0 + 60}`].join('\n'));
    const out = join(dir, 'out');
    const code = await run([
      '--network',
      TINY,
      '--gps',
      join(dir, 'new_aaa.txt'),
      join(dir, 'new_bbb.txt'),
      '--out',
      out,
      '--min-roads',
      '2',
    ]);
    expect(code).toBe(0);
    const files = ['roadmap.geo', 'roadmap.rel', 'test.csv'].map((n) => ({ name: n, text: readFileSync(join(out, n), 'utf8') }));
    const ds = readHoserDataset(files);
    expect(ds.splits.test.map((t) => t.id)).toEqual([`aaa_${T0}`]);
    expect(ds.splits.test[0].roads).toEqual([0, 1, 2]);
    expect(logs[0]).toMatch(/^data match: 1 trips read, 1 inside the network, 1 kept /);
    expect(errs).toEqual(['new_bbb.txt:2: line: expected 4 fields "lat lon occupied unix_time", got 3: "41.15 -8.61 1"']);
    // --format csv refuses the same file by its header.
    expect(await run(['--network', TINY, '--gps', join(dir, 'new_aaa.txt'), '--out', out, '--format', 'csv'])).toBe(1);
    expect(errs.at(-1)).toMatch(/^new_aaa\.txt:1: header: unknown GPS CSV layout/);
  });
});
