import { describe, it, expect } from 'vitest';
import { generatedCsvFormat, readGeneratedCsv, writeGeneratedCsv, writeHoserGeneCsv } from '../../src/lib/generate/generatedCsv';
import type { GeneratedTrip } from '../../src/lib/generate/generator';

const trips: GeneratedTrip[] = [
  {
    id: 'g-0',
    origin: 3,
    dest: 9,
    roads: [3, 4, 9],
    times: [1372636858, 1372636870, 1372636901],
    reached: true,
    logProb: -1.25,
    timesFromModel: true,
  },
  { id: 'g-1', origin: 5, dest: 12, roads: [5, 6], times: [1372640000, 1372640000], reached: false, logProb: -0.5, timesFromModel: true },
  { id: 'g-2', origin: 7, dest: 7, roads: [7], times: [1372650000], reached: true, logProb: 0, timesFromModel: true },
];

describe('generated-trajectory CSV', () => {
  it('round-trips trips, including an unreached one and a one-road trip', () => {
    const text = writeGeneratedCsv(trips);
    expect(text.split('\n')[0]).toBe('gen_id,origin_road,dest_road,rid_list,time_list,reached,log_prob');
    expect(text).toContain('"3,4,9","2013-07-01T00:00:58Z,2013-07-01T00:01:10Z,2013-07-01T00:01:41Z",1');
    expect(readGeneratedCsv(text)).toEqual(trips);
  });

  it('reads HOSER gene.py columns with Python list strings', () => {
    const text = [
      'origin_road_id,destination_road_id,gene_trace_road_id,gene_trace_datetime',
      `3,9,"[3, 4, 9]","['2013-07-01T00:00:58Z', '2013-07-01T00:01:10Z', '2013-07-01T00:01:41Z']"`,
      `5,12,"[5, 6]","['2013-07-01T01:00:00Z', '2013-07-01T01:00:00Z']"`,
    ].join('\n');
    const got = readGeneratedCsv(text);
    expect(got.map((t) => t.roads)).toEqual([
      [3, 4, 9],
      [5, 6],
    ]);
    expect(got[0].times).toEqual(trips[0].times);
    // Without a reached column: reached means "ends at the destination".
    expect(got.map((t) => t.reached)).toEqual([true, false]);
    expect(Number.isNaN(got[0].logProb)).toBe(true);
  });

  it('refuses malformed rows with their line numbers', () => {
    const bad = [
      'gen_id,origin_road,dest_road,rid_list,time_list,reached',
      'a,1,2,"1,2","2013-07-01T00:00:58Z,2013-07-01T00:01:10Z",1',
      'b,1,2,"1,x","2013-07-01T00:00:58Z,2013-07-01T00:01:10Z",1',
      'c,1,2,"1,2","2013-07-01T00:00:58Z",1',
      'd,1,2,"1,2","2013-07-01T00:00:58Z,yesterday",1',
    ].join('\n');
    expect(() => readGeneratedCsv(bad, 'g.csv')).toThrow(
      /3 problems[\s\S]*g\.csv:3: rid_list[\s\S]*g\.csv:4: 2 roads but 1 timestamps[\s\S]*g\.csv:5: time_list: bad timestamp/,
    );
    expect(() => readGeneratedCsv('a,b\n1,2\n')).toThrow(/rid_list and a time_list/);
  });
});

describe("HOSER gene.py's generated-trajectory CSV", () => {
  it('writes the columns and Python list strings gene.py writes, quoted as pandas quotes them', () => {
    const text = writeHoserGeneCsv(trips);
    expect(text.split('\n')).toEqual([
      'gene_trace_road_id,gene_trace_datetime',
      `"[3, 4, 9]","['2013-07-01T00:00:58Z', '2013-07-01T00:01:10Z', '2013-07-01T00:01:41Z']"`,
      `"[5, 6]","['2013-07-01T00:53:20Z', '2013-07-01T00:53:20Z']"`,
      `[7],['2013-07-01T03:40:00Z']`,
      '',
    ]);
  });

  it('reads it back (the header tells the format); without an OD pair the ends stand for it', () => {
    const text = writeHoserGeneCsv(trips);
    expect(generatedCsvFormat(text)).toEqual({ name: 'hoser', hasOd: false });
    expect(generatedCsvFormat(writeGeneratedCsv(trips))).toEqual({ name: 'ours', hasOd: true });
    const got = readGeneratedCsv(text);
    expect(got.map((t) => t.roads)).toEqual(trips.map((t) => t.roads));
    expect(got.map((t) => t.times)).toEqual(trips.map((t) => t.times));
    expect(got.map((t) => [t.origin, t.dest])).toEqual([
      [3, 9],
      [5, 6],
      [7, 7],
    ]);
    // g-1 did not reach road 12, but the file cannot say so.
    expect(got.map((t) => t.reached)).toEqual([true, true, true]);
  });
});
