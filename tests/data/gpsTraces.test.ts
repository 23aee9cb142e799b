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
