import { describe, it, expect } from 'vitest';
import {
  GeneratedCsvError,
  generatedCsvFormat,
  parseGeneratedLines,
  readGeneratedCsv,
  readGeneratedLines,
  writeGeneratedCsv,
  writeHoserGeneCsv,
} from '../../src/lib/generate/generatedCsv';
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
      /3 problems[\s\S]*g\.csv:3: rid_list[\s\S]*g\.csv:4: time_list: 2 roads but 1 timestamps[\s\S]*g\.csv:5: time_list: bad timestamp/,
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

describe('reading a generated-trips file row by row', () => {
  const T = (n: number) => `[${Array.from({ length: n }, (_, i) => `'2013-07-01T00:0${i}:00Z'`).join(', ')}]`;
  const row = (roads: string, n: number) => `"${roads}","${T(n)}"`;
  // One good row, then one of each bad kind, then good rows again: every bad line named once, the good rows kept.
  const lines = [
    'gene_trace_road_id,gene_trace_datetime', // 1
    row('[1, 2, 3]', 3), // 2 good
    row('[1, -2, 3]', 3), // 3 negative
    row('[1, 2.5, 3]', 3), // 4 non-integer
    row('[1, , 3]', 3), // 5 empty item
    row('[]', 0), // 6 empty list
    row('[1, abc]', 2), // 7 not a number
    row('[4, 5]', 3), // 8 count mismatch
    `"[4, 5]","['2013-07-01T00:00:00Z', 'noon']"`, // 9 bad timestamp
    '', // 10 blank: not a row
    `"[4, 5]"`, // 11 one field
    row('[6, 7]', 2), // 12 good
    `"[8, 9]","['2013-07-01T00:00:00Z', '2013-07`, // 13 cut short (the file's end)
  ];
  const expected = [
    [3, 'road 2 of 3 is -2: a road id is never negative'],
    [4, 'road 2 of 3 is 2.5, not an integer road id'],
    [5, 'road 2 of 3 is empty (a missing id between commas)'],
    [6, 'no road ids (an empty list)'],
    [7, 'road 2 of 2 is "abc", not a number'],
    [8, '2 roads but 3 timestamps'],
    [9, 'bad timestamp "noon"'],
    [11, '1 fields where the header has 2 (was the row cut short?)'],
    [13, 'row cut short (a quote is never closed)'],
  ];

  it('drops each bad row alone, named once with its true line and a specific reason, and keeps the good rows', () => {
    const got = parseGeneratedLines(lines, 'g.csv');
    expect(got.trips.map((t) => t.roads)).toEqual([
      [1, 2, 3],
      [6, 7],
    ]);
    expect(got.lines).toEqual([2, 12]);
    expect(got.rows).toBe(11);
    expect(got.dropped).toBe(expected.length);
    expect(got.problems.map((p) => [p.line, p.reason])).toEqual(expected);
    expect(new Set(got.problems.map((p) => p.line)).size).toBe(got.problems.length);
    expect(got.problems.every((p) => p.file === 'g.csv')).toBe(true);
  });

  it('reads an async stream of lines (CRLF text split by the caller) to the same result', async () => {
    async function* stream() {
      for (const l of lines) yield l;
    }
    const a = await readGeneratedLines(stream(), 'g.csv');
    expect(a).toEqual(parseGeneratedLines(lines, 'g.csv'));
    const crlf = readGeneratedCsv(writeHoserGeneCsv(trips).replace(/\n/g, '\r\n'));
    expect(crlf.map((t) => t.roads)).toEqual(trips.map((t) => t.roads));
  });

  it('names bad origin and destination columns of our format', () => {
    const got = parseGeneratedLines(
      [
        'gen_id,origin_road,dest_road,rid_list,time_list,reached',
        'a,-1,2,"1,2","2013-07-01T00:00:58Z,2013-07-01T00:01:10Z",1',
        'b,1,x,"1,2","2013-07-01T00:00:58Z,2013-07-01T00:01:10Z",1',
        'c,1,2,"1,2","2013-07-01T00:00:58Z,2013-07-01T00:01:10Z",1',
      ],
      'o.csv',
    );
    expect(got.problems.map((p) => `${p.line}: ${p.field}: ${p.reason}`)).toEqual([
      '2: origin_road: origin road is -1: a road id is never negative',
      '3: dest_road: destination road is "x", not a number',
    ]);
    expect(got.trips.map((t) => t.id)).toEqual(['c']);
  });

  it('refuses a file with no header, no route columns or binary bytes as a whole', () => {
    expect(() => parseGeneratedLines([], 'e.csv')).toThrow(new GeneratedCsvError('e.csv: the file is empty'));
    expect(() => parseGeneratedLines(['', '  '], 'e.csv')).toThrow(GeneratedCsvError);
    expect(() => parseGeneratedLines(['a,b', '1,2'], 'x.csv')).toThrow(/^x\.csv:1: needs a rid_list and a time_list column/);
    expect(() => parseGeneratedLines(['\u0000\u0001PK', 'x'], 'z.csv')).toThrow(/z\.csv:1: this is not a text CSV file/);
  });
});
