import { describe, it, expect } from 'vitest';
import { mergeGpsResults, parseGpsCsv } from '../../src/lib/data/gpsTraces';

const ECML = [
  '"TRIP_ID","CALL_TYPE","ORIGIN_CALL","ORIGIN_STAND","TAXI_ID","TIMESTAMP","DAY_TYPE","MISSING_DATA","POLYLINE"',
  '"A1","C","","","20000589","1372636858","A","False","[[-8.618643,41.141412],[-8.618499,41.141376],[-8.620326,41.14251]]"',
  '"A2","C","","","20000589","1372636900","A","True","[[-8.6,41.15],[-8.601,41.151]]"',
  '"A3","C","","","20000589","1372636900","A","False","[]"',
  '"A4","C","","","20000589","1372636900","A","False","[[-8.6,41.15]]"',
  '"A5","C","","","20000589","1372636900","A","False","[[-8.6,41.15],[-8.6]]"',
  '"A6","C","","","20000589","not-a-time","A","False","[[-8.6,41.15],[-8.601,41.151]]"',
  '"A7","C","","","20000589","1372636900","A","False","[[-8.6,41.15],"',
  '"A8","C","","","20000589","1372636900","A","False","[[-8.6,41.15],[200,41.151]]"',
].join('\r\n');

const WKT = [
  'shape,timestamps,TRIP_ID,CALL_TYPE,ORIGIN_CALL,ORIGIN_STAND,TAXI_ID,DAY_TYPE,MISSING_DATA',
  '"LINESTRING (-8.585676 41.148522, -8.585712 41.148639, -8.585685 41.148855)","1408039037, 1408039052, 1408039067",T1,B,NA,15,20000542,A,False',
  '"LINESTRING (-8.58 41.14, -8.581 41.141)","1408039037, 1408039052, 1408039067",T2,B,NA,15,20000542,A,False',
  '"LINESTRING (-8.58 41.14, -8.581 41.141)","1408039052, 1408039037",T3,B,NA,15,20000542,A,False',
  '"POINT (-8.58 41.14)","1408039052",T4,B,NA,15,20000542,A,False',
  '"LINESTRING (-8.58 41.14, -8.581 41.141)","1408039052, x",T5,B,NA,15,20000542,A,False',
  '"LINESTRING (-8.58 41.14, -8.581 41.141)","1408039052, 1408039100",T6,B,NA,15,20000542,A,True',
].join('\n');

describe('parseGpsCsv', () => {
  it('reads the ECML/PKDD layout with implied 15 s steps', () => {
    const r = parseGpsCsv('\uFEFF' + ECML, 'ecml.csv');
    expect(r.rows).toBe(8);
    expect(r.traces.map((t) => t.id)).toEqual(['A1', 'A2']);
    const a1 = r.traces[0];
    expect(a1.points).toEqual([
      [-8.618643, 41.141412],
      [-8.618499, 41.141376],
      [-8.620326, 41.14251],
    ]);
    expect(a1.times).toEqual([1372636858, 1372636873, 1372636888]);
    expect(a1.missingData).toBe(false);
    expect(r.traces[1].missingData).toBe(true);
    expect(r.skipped).toEqual({
      'empty trace': 1,
      'single point': 1,
      'bad coordinate': 2,
      'bad TIMESTAMP': 1,
      'polyline is not JSON': 1,
    });
  });

  it('reads the WKT LINESTRING layout with explicit timestamps', () => {
    const r = parseGpsCsv(WKT, 'wkt.csv');
    expect(r.rows).toBe(6);
    expect(r.traces.map((t) => t.id)).toEqual(['T1', 'T6']);
    expect(r.traces[0].points[1]).toEqual([-8.585712, 41.148639]);
    expect(r.traces[0].times).toEqual([1408039037, 1408039052, 1408039067]);
    expect(r.traces[1].times).toEqual([1408039052, 1408039100]);
    expect(r.traces[1].missingData).toBe(true);
    expect(r.skipped).toEqual({
      'timestamps/points length mismatch': 1,
      'timestamps go backwards': 1,
      'shape is not a WKT LINESTRING': 1,
      'bad timestamps': 1,
    });
  });

  it('rejects an unknown layout', () => {
    expect(() => parseGpsCsv('a,b\n1,2\n', 'x.csv')).toThrow(/x\.csv:1: header: unknown GPS CSV layout/);
  });

  it('merges files and skips duplicate trip ids', () => {
    const m = mergeGpsResults([parseGpsCsv(ECML), parseGpsCsv(ECML), parseGpsCsv(WKT)]);
    expect(m.rows).toBe(22);
    expect(m.traces.map((t) => t.id)).toEqual(['A1', 'A2', 'T1', 'T6']);
    expect(m.skipped['duplicate TRIP_ID']).toBe(2);
    expect(m.skipped['empty trace']).toBe(2);
  });
});

describe('parseGpsCsv on binary input', () => {
  it('a random file is named binary, without echoing its bytes', () => {
    const b = new Uint8Array(2048);
    let x = 11;
    for (let i = 0; i < b.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    expect(() => parseGpsCsv(new TextDecoder().decode(b), 'noise.csv')).toThrow(
      /^noise\.csv:1: \(file\): this is not a text CSV file \(looks binary\)$/,
    );
  });

  it('an unknown layout lists the columns it found, escaped', () => {
    expect(() => parseGpsCsv('lat\u0002,lon\n1,2\n', 'x.csv')).toThrow(/columns found: lat\\u0002, lon$/);
  });
});

describe('parseGpsCsv loses no good row', () => {
  const header = '"TRIP_ID","TIMESTAMP","MISSING_DATA","POLYLINE"';
  const row = (k: number) => `"T${k}","${1372636858 + k}","False","[[-8.61${k % 10},41.14],[-8.612,41.141],[-8.613,41.142]]"`;

  it('a row cut inside its quoted POLYLINE is dropped alone, with its line; the next row is kept', () => {
    const lines = [header, ...Array.from({ length: 20 }, (_, k) => row(k))];
    // Rows 5 and 12 cut short inside the polyline (lines 7 and 14).
    lines[6] = lines[6].slice(0, 40);
    lines[13] = lines[13].slice(0, 60);
    const r = parseGpsCsv(lines.join('\n'), 'cut.csv');
    expect(r.rows).toBe(20);
    expect(r.traces.map((t) => t.id)).toEqual(Array.from({ length: 20 }, (_, k) => `T${k}`).filter((id) => id !== 'T5' && id !== 'T12'));
    expect(r.problems).toEqual([
      { file: 'cut.csv', line: 7, field: '(row)', reason: 'row cut short (a quote is never closed)' },
      { file: 'cut.csv', line: 14, field: '(row)', reason: 'row cut short (a quote is never closed)' },
    ]);
    expect(r.skipped).toEqual({ 'row cut short (a quote is never closed)': 2 });
  });

  it('a line of random bytes is named unreadable, and a row with missing fields is named too', () => {
    const noise = new TextDecoder().decode(Uint8Array.from({ length: 80 }, (_, i) => (i * 97 + 13) % 256));
    const lines = [header, row(1), noise.replace(/[\r\n]/g, ' '), row(2), '"T9","1372636858"', row(3)];
    const r = parseGpsCsv(lines.join('\n'), 'mixed.csv');
    expect(r.traces.map((t) => t.id)).toEqual(['T1', 'T2', 'T3']);
    expect(r.rows).toBe(5);
    expect(r.problems?.map((p) => [p.line, p.reason])).toEqual([
      [3, 'unreadable row (not text)'],
      [5, 'wrong number of fields (the header has 4)'],
    ]);
  });

  it('line numbers count blank lines and CRLF ends', () => {
    const text = [header, row(1), '', row(2), '"T3","x","False","[[-8.6,41.15],[-8.601,41.151]]"'].join('\r\n');
    const r = parseGpsCsv(text, 'blank.csv');
    expect(r.traces).toHaveLength(2);
    expect(r.problems).toEqual([{ file: 'blank.csv', line: 5, field: 'TIMESTAMP', reason: 'bad TIMESTAMP' }]);
  });
});
