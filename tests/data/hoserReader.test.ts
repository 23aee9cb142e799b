import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  MAX_ISSUES,
  normaliseHighway,
  parseHoserTime,
  readHoserDataset,
  readRoadmap,
  readTrajectories,
} from '../../src/lib/data/hoserReader';
import { writeHoserDataset } from '../../src/lib/data/hoserWriter';
import { DatasetError } from '../../src/lib/data/types';
import type { TextFile, ValidationIssue } from '../../src/lib/data/types';
import { polylineLengthM } from '../../src/lib/geo';

const FIX = join(__dirname, '..', 'fixtures');
const LIBCITY = join(__dirname, '..', '..', '..', 'shared', 'data', 'porto-libcity');

function readDir(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}
const tiny = (): Map<string, string> => readDir(join(FIX, 'tiny'));
const asFiles = (m: Map<string, string>): TextFile[] => [...m].map(([name, text]) => ({ name, text }));
const get = (m: Map<string, string>, n: string): TextFile => ({ name: n, text: m.get(n)! });

function issuesOf(fn: () => unknown): ValidationIssue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DatasetError) return e.issues;
    throw e;
  }
  throw new Error('expected a DatasetError');
}

describe('tiny valid dataset', () => {
  const ds = readHoserDataset(asFiles(tiny()), 'tiny');

  it('reads roads, rels and all three splits', () => {
    expect(ds.name).toBe('tiny');
    expect(ds.network.roads.map((r) => r.id)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(ds.network.relOrigin)).toEqual([0, 1, 2, 3, 4, 1]);
    expect(Array.from(ds.network.relDest)).toEqual([1, 2, 3, 4, 0, 3]);
    expect(ds.network.out[1]).toEqual([2, 3]);
    expect(ds.network.roads[4].coords).toEqual([
      [-8.609, 41.151],
      [-8.6095, 41.1505],
      [-8.61, 41.15],
    ]);
    expect(ds.network.roads[2].lengthM).toBe(111.2);
    expect(ds.splits.train.map((t) => t.id)).toEqual(['t0', 't1', 't2']);
    expect(ds.splits.train[2]).toEqual({
      id: 't2',
      roads: [4, 0, 1, 2],
      times: [1372766400, 1372766415, 1372766430, 1372766430],
    });
  });

  it('accepts the three highway forms: name, list-string and integer code', () => {
    // primary | ['unclassified', 'residential'] | 7 | ['secondary', 'tertiary'] | tertiary
    expect(ds.network.roads.map((r) => r.highway)).toEqual(['primary', 'residential', '7', 'secondary', 'tertiary']);
    expect(normaliseHighway("['primary', 'secondary']")).toBe('primary');
    expect(normaliseHighway('["unclassified","service"]')).toBe('service');
    expect(normaliseHighway("['unclassified']")).toBe('unclassified');
    expect(normaliseHighway(' 12 ')).toBe('12');
    expect(normaliseHighway('[]')).toBeNull();
  });

  it('reads unix-second timestamps (val.csv) as well as ISO 8601', () => {
    expect(ds.splits.val[0].times).toEqual([1372665600, 1372665660, 1372665720]);
    expect(parseHoserTime('2013-07-01T00:00:58Z')).toBe(1372636858);
    expect(parseHoserTime('2013-07-01 00:00:58')).toBe(1372636858);
    expect(parseHoserTime('2013-07-01T02:00:58+02:00')).toBe(1372636858);
    expect(parseHoserTime('1372636858')).toBe(1372636858);
    expect(parseHoserTime('2013-07-01')).toBeNull();
    expect(parseHoserTime('2013-02-29T00:00:00Z')).toBeNull();
  });

  it('ignores a byte-order mark', () => {
    const m = tiny();
    for (const n of m.keys()) m.set(n, '\uFEFF' + m.get(n)!);
    expect(readHoserDataset(asFiles(m), 'tiny')).toEqual(ds);
  });

  it('reads CRLF line ends (line numbers under CRLF: bad/geo-crlf-bad-coords)', () => {
    const m = tiny();
    for (const n of m.keys()) m.set(n, m.get(n)!.replace(/\n/g, '\r\n'));
    expect(readHoserDataset(asFiles(m), 'tiny')).toEqual(ds);
  });

  it('picks files by base name and ignores other files', () => {
    const files = asFiles(tiny()).map((f) => ({ name: `porto/${f.name}`, text: f.text }));
    files.push({ name: 'porto/README.md', text: '# not a csv' });
    const d = readHoserDataset(files, 'tiny');
    expect(d.splits.test).toEqual(ds.splits.test);
    const renamed = asFiles(tiny()).map((f) => (f.name === 'roadmap.geo' ? { name: 'roadmap.geo.csv', text: f.text } : f));
    expect(readHoserDataset(renamed, 'tiny').network.roads.length).toBe(5);
  });

  it('a roadmap alone is a valid dataset', () => {
    const m = tiny();
    const d = readHoserDataset([get(m, 'roadmap.geo'), get(m, 'roadmap.rel')]);
    expect(d.splits).toEqual({ train: [], val: [], test: [] });
    expect(d.network.roads.length).toBe(5);
  });

  it('a trajectory file with only a header gives an empty split', () => {
    const m = tiny();
    m.set('val.csv', 'traj_id,rid_list,time_list\n');
    expect(readHoserDataset(asFiles(m)).splits.val).toEqual([]);
  });

  it('names trips <split>-<row> when there is no id column', () => {
    const m = tiny();
    m.set('test.csv', 'rid_list,time_list\n"3,4","0,60"\n"0,1","10,20"\n');
    expect(readHoserDataset(asFiles(m)).splits.test.map((t) => t.id)).toEqual(['test-0', 'test-1']);
  });

  it('computes length from the geometry when the column is absent; geo_id is optional', () => {
    const m = tiny();
    const geo = m
      .get('roadmap.geo')!
      .split('\n')
      .map((l) => l.replace(/^[^,]*,/, '').replace(/,[^,]*,[^,]*,[^,]*$/, ''))
      .join('\n');
    expect(geo.split('\n')[0]).toBe('type,coordinates,highway');
    const net = readRoadmap({ name: 'roadmap.geo', text: geo }, get(m, 'roadmap.rel'));
    expect(net.roads[4].highway).toBe('tertiary');
    expect(net.roads[4].lengthM).toBeCloseTo(polylineLengthM(net.roads[4].coords), 9);
    expect(net.roads[2].lengthM).toBeCloseTo(111.2, 0);
  });

  it('readTrajectories checks a single file against a network', () => {
    const m = tiny();
    expect(readTrajectories(get(m, 'test.csv'), ds.network)).toEqual(ds.splits.test);
    const bad = { name: 'extra.csv', text: 'rid_list,time_list\n"0,3","0,1"\n' };
    expect(issuesOf(() => readTrajectories(bad, ds.network))).toEqual([
      { file: 'extra.csv', line: 2, field: 'rid_list', reason: 'index 0→1: road 0 → road 3 is not connected in roadmap.rel' },
    ]);
  });
});

describe('dataset-level errors', () => {
  it('names a missing roadmap file', () => {
    const m = tiny();
    m.delete('roadmap.rel');
    const issues = issuesOf(() => readHoserDataset(asFiles(m)));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'roadmap.rel', field: '(file)' });
    expect(issues[0].reason).toContain('file is missing');
  });

  it('reports problems of all files together', () => {
    const m = tiny();
    m.set('roadmap.geo', m.get('roadmap.geo')!.replace(',111.2,', ',-1,'));
    m.set('val.csv', m.get('val.csv')!.replace('1372665660', 'soon'));
    const issues = issuesOf(() => readHoserDataset(asFiles(m)));
    expect(issues.map((i) => `${i.file}:${i.line}:${i.field}`)).toEqual(['roadmap.geo:4:length', 'val.csv:2:time_list']);
  });

  it('caps the list of issues but keeps counting', () => {
    const rows = Array.from({ length: 300 }, (_, i) => `x${i},"0,1","b,a"`);
    const m = tiny();
    m.set('train.csv', ['traj_id,rid_list,time_list', ...rows].join('\n'));
    const issues = issuesOf(() => readHoserDataset(asFiles(m)));
    expect(issues).toHaveLength(MAX_ISSUES + 1);
    expect(issues[MAX_ISSUES]).toMatchObject({ file: 'train.csv', line: MAX_ISSUES + 2, field: '(more)' });
    expect(issues[MAX_ISSUES].reason).toMatch(/^100 more problem/);
  });
});

// One deliberate defect per fixture; each varies tests/fixtures/tiny by one file.
const BAD: Record<string, { file: string; line: number; field: string; reason: string }> = {
  'geo-empty': { file: 'roadmap.geo', line: 1, field: '(file)', reason: 'file is empty' },
  'geo-column-renamed': {
    file: 'roadmap.geo',
    line: 1,
    field: 'coordinates',
    reason: 'required column "coordinates" missing; columns found: geo_id, type, coords, highway, lanes, length, maxspeed',
  },
  'geo-coords-not-json': {
    file: 'roadmap.geo',
    line: 4,
    field: 'coordinates',
    reason: 'not valid JSON: "[[-8.608 41.15], [-8.608, 41.151]]"',
  },
  'geo-coords-flat': { file: 'roadmap.geo', line: 3, field: 'coordinates', reason: 'point 0 is not a [lon, lat] pair: "-8.609"' },
  'geo-coords-swapped': {
    file: 'roadmap.geo',
    line: 5,
    field: 'coordinates',
    reason: 'point 0: latitude 116.39 is outside [-90, 90]; the pair looks swapped: HOSER expects [lon, lat]',
  },
  'geo-coords-non-finite': {
    file: 'roadmap.geo',
    line: 2,
    field: 'coordinates',
    reason: 'point 1 is not a pair of finite numbers: "[-8.609, Infinity]"',
  },
  'geo-coords-one-point': { file: 'roadmap.geo', line: 6, field: 'coordinates', reason: 'a road needs at least 2 points, found 1' },
  'geo-coords-unquoted': {
    file: 'roadmap.geo',
    line: 4,
    field: '(row)',
    reason: 'row has 10 fields but the header has 7: is a field that contains commas left unquoted?',
  },
  'geo-highway-empty': { file: 'roadmap.geo', line: 6, field: 'highway', reason: 'empty or malformed highway ""' },
  'geo-length-not-number': {
    file: 'roadmap.geo',
    line: 4,
    field: 'length',
    reason: 'length must be a finite non-negative number of metres, got "111.2m"',
  },
  'geo-id-not-row-index': {
    file: 'roadmap.geo',
    line: 4,
    field: 'geo_id',
    reason: 'geo_id is "7" but this is data row 2 (0-based): road ids must be the row index, dense from 0',
  },
  'geo-crlf-bad-coords': {
    file: 'roadmap.geo',
    line: 5,
    field: 'coordinates',
    reason: 'not valid JSON: "[[-8.608, 41.151], [-8.609, NaN]]"',
  },
  'rel-empty': { file: 'roadmap.rel', line: 1, field: '(file)', reason: 'file is empty' },
  'rel-column-renamed': {
    file: 'roadmap.rel',
    line: 1,
    field: 'destination_id',
    reason: 'required column "destination_id" missing; columns found: rel_id, type, origin_id, dest_id',
  },
  'rel-id-out-of-range': {
    file: 'roadmap.rel',
    line: 5,
    field: 'destination_id',
    reason: 'road 5 is out of range: roadmap.geo has 5 roads (ids 0..4)',
  },
  'rel-id-not-integer': { file: 'roadmap.rel', line: 3, field: 'origin_id', reason: '"r1" is not a road id (a non-negative integer)' },
  'traj-rid-out-of-range': {
    file: 'train.csv',
    line: 3,
    field: 'rid_list',
    reason: 'index 2: road 40 is out of range: roadmap.geo has 5 roads (ids 0..4)',
  },
  'traj-not-connected': {
    file: 'train.csv',
    line: 4,
    field: 'rid_list',
    reason: 'index 1→2: road 0 → road 2 is not connected in roadmap.rel',
  },
  'traj-rid-not-integer': {
    file: 'val.csv',
    line: 2,
    field: 'rid_list',
    reason: 'index 1: "three" is not a road id (a non-negative integer)',
  },
  'traj-rid-empty': { file: 'test.csv', line: 2, field: 'rid_list', reason: 'rid_list is empty: a trajectory needs at least one road' },
  'traj-time-count': { file: 'train.csv', line: 3, field: 'time_list', reason: 'time_list has 2 timestamps but rid_list has 3 roads' },
  'traj-time-unparseable': { file: 'val.csv', line: 2, field: 'time_list', reason: 'index 1: "yesterday" is not a timestamp' },
  'traj-time-backwards': {
    file: 'test.csv',
    line: 2,
    field: 'time_list',
    reason: 'index 1: 2013-07-03T17:59:00Z is earlier than index 0 (2013-07-03T18:00:00Z): timestamps must not decrease',
  },
  'traj-time-impossible-date': {
    file: 'train.csv',
    line: 4,
    field: 'time_list',
    reason: 'index 1: "2013-02-30T12:00:15Z" is not a timestamp',
  },
  'traj-column-renamed': {
    file: 'train.csv',
    line: 1,
    field: 'time_list',
    reason: 'required column "time_list" missing; columns found: traj_id, rid_list, timestamps',
  },
  // Row t0 has a quoted rid_list spanning two physical lines, so row t1 starts on line 4.
  'traj-multiline-field': { file: 'train.csv', line: 4, field: 'rid_list', reason: 'index 2: road 9 is out of range' },
  'traj-unterminated-quote': { file: 'test.csv', line: 2, field: '(csv)', reason: 'check the quotes on this line' },
  'routes-not-connected': {
    file: 'routes.csv',
    line: 3,
    field: 'rid_list',
    reason: 'index 1→2: road 3 → road 0 is not connected in roadmap.rel',
  },
  'routes-rid-not-integer': { file: 'routes.csv', line: 2, field: 'rid_list', reason: 'index 2: "x" is not a road id' },
};

describe('bad fixture corpus (tests/fixtures/bad)', () => {
  const cases = readdirSync(join(FIX, 'bad')).sort();

  it('has at least 15 cases, each with an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    expect(cases).toEqual(Object.keys(BAD).sort());
  });

  for (const c of cases) {
    it(c, () => {
      const m = tiny();
      const over = readDir(join(FIX, 'bad', c));
      expect(over.size).toBe(1);
      for (const [n, t] of over) m.set(n, t);
      const issues = issuesOf(() => readHoserDataset(asFiles(m)));
      const want = BAD[c];
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ file: want.file, line: want.line, field: want.field });
      expect(issues[0].reason).toContain(want.reason);
    });
  }
});

describe('a truncated roadmap.geo row', () => {
  it('reports the root error and one re-synchronised geo_id problem, not one per later row', () => {
    const m = tiny();
    const lines = m.get('roadmap.geo')!.split('\n');
    lines[2] = lines[2].slice(0, 30); // row 1 cut inside its quoted coordinates
    m.set('roadmap.geo', lines.join('\n'));
    const issues = issuesOf(() => readHoserDataset(asFiles(m)));
    expect(issues[0]).toMatchObject({ file: 'roadmap.geo', line: 3, field: '(csv)' });
    expect(issues.length).toBeLessThanOrEqual(3);
    expect(issues.filter((i) => i.field === 'geo_id')).toHaveLength(1);
    expect(issues.some((i) => i.file === 'roadmap.rel')).toBe(false);
  });
});

describe('round trip through hoserWriter', () => {
  it('writeHoserDataset → readHoserDataset preserves roads, rels and trips', () => {
    const ds = readHoserDataset(asFiles(tiny()), 'tiny');
    const back = readHoserDataset(writeHoserDataset(ds), 'tiny');
    expect(back.network.roads).toEqual(ds.network.roads);
    expect(back.network.relOrigin).toEqual(ds.network.relOrigin);
    expect(back.network.relDest).toEqual(ds.network.relDest);
    expect(back.network.out).toEqual(ds.network.out);
    expect(back.splits).toEqual(ds.splits);
  });

  it('keeps routes.csv (untimed routes) through a round trip; it is optional', () => {
    const ds = readHoserDataset(asFiles(tiny()), 'tiny');
    expect(ds.routes).toBeUndefined();
    const withRoutes = {
      ...ds,
      routes: [
        { id: 'r0', roads: [0, 1, 3], source: 'corpus' },
        { id: 'r1', roads: [3, 4, 0, 1], source: 'corpus' },
      ],
    };
    const files = writeHoserDataset(withRoutes);
    expect(files.map((f) => f.name)).toContain('routes.csv');
    expect(readHoserDataset(files, 'tiny').routes).toEqual(withRoutes.routes);
  });
});

describe.skipIf(!existsSync(LIBCITY))('porto-libcity (a network written by other tools)', () => {
  it('reads without issues', () => {
    const m = readDir(LIBCITY);
    const ds = readHoserDataset(asFiles(m), 'porto-libcity');
    // Its README says 11,094 roads, but the file holds geo_id 0..11094, i.e. 11,095 rows.
    expect(ds.network.roads.length).toBe(11095);
    expect(ds.network.relOrigin.length).toBe(26161);
    expect(ds.network.roads[0]).toEqual({
      id: 0,
      coords: [
        [-8.6406364, 41.1660713],
        [-8.6409114, 41.1662762],
      ],
      highway: '7',
      lengthM: 32.388000000000005,
    });
    expect(ds.network.out[0]).toEqual([10167, 10168]);
    expect(ds.splits).toEqual({ train: [], val: [], test: [] });
  });
});

describe('binary input', () => {
  /** 2 KB of seeded random bytes, decoded as the browser decodes a picked file. */
  const randomText = (seed: number): string => {
    const b = new Uint8Array(2048);
    let x = seed;
    for (let i = 0; i < b.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    return new TextDecoder().decode(b);
  };

  it('a random file as a CSV is named binary, and no byte of it is echoed', () => {
    const text = randomText(7);
    for (const name of ['roadmap.geo', 'train.csv']) {
      const issues = issuesOf(() => readHoserDataset([{ name, text }]));
      const mine = issues.filter((i) => i.file === name);
      expect(mine).toEqual([{ file: name, line: 1, field: '(file)', reason: 'this is not a text CSV file (looks binary)' }]);
    }
  });

  it('a gzip file without its .gz name is told to get one', () => {
    const text = '\u001f\ufffd\u0008\u0000' + randomText(3);
    const issues = issuesOf(() => readRoadmap({ name: 'roadmap.geo', text }, get(tiny(), 'roadmap.rel')));
    expect(issues[0].reason).toMatch(/looks binary.*gzip-compressed, so give it a \.gz name/);
  });

  it('a text header with stray control bytes is quoted escaped and shortened', () => {
    const header = `a\u0001b,${'x'.repeat(300)}\ufffd,c`;
    const issues = issuesOf(() =>
      readTrajectories({ name: 'train.csv', text: `${header}\n1,2,3\n` }, readHoserDataset(asFiles(tiny())).network),
    );
    const reason = issues[0].reason;
    expect(reason).toContain('columns found: a\\u0001b, xxx');
    expect([...reason].filter((c) => c < '\t' || c === '\ufffd')).toEqual([]);
    expect(reason.length).toBeLessThan(300);
  });

  it('a binary-looking cell in a text file is escaped where it is quoted', () => {
    const m = tiny();
    const lines = m.get('train.csv')!.split('\n');
    const cells = lines[1].split(',');
    lines[1] = `${cells[0]},"1\u0085\ufffd,2","x"`;
    const issues = issuesOf(() => readHoserDataset(asFiles(new Map([...m, ['train.csv', lines.slice(0, 2).join('\n')]]))));
    const rid = issues.find((i) => i.field === 'rid_list')!;
    expect(rid.reason).toContain('\\u0085\\ufffd');
    expect(rid.reason).not.toMatch(/[\u0085\ufffd]/);
  });
});
