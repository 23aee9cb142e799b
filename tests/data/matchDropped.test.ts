import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { MAX_LISTED_DROPS, formatMatchSummary, matchGpsFiles, matchGpsText } from '../../src/lib/data/matchTraces';
import { parseCabspotting } from '../../src/lib/data/cabspotting';
import { formatIssue } from '../../src/lib/data/types';
import { gridTownGps } from '../../e2e/fixtures/gridTownGps';

// Traces read but dropped at matching are listed with the line they start on and the reason, as
// the rows dropped at reading are (`data match` prints both; the Data view lists both).
const DIR = 'e2e/fixtures/grid-town/';
const roads = readHoserDataset(
  ['roadmap.geo', 'roadmap.rel'].map((name) => ({ name, text: readFileSync(DIR + name, 'utf8') })),
  'roads',
).network;

const [header, ...good] = gridTownGps(3).trim().split('\n');
/** Two fixes 20 m apart on a road: matched, but to fewer than 5 roads. */
const short = `"SHORT",1700009000,"False","[[4.8805,52.36],[4.8808,52.36]]"`;
/** Far outside grid-town's box. */
const far = `"FAR",1700009000,"False","[[-8.61,41.15],[-8.62,41.15],[-8.63,41.15]]"`;
const single = `"ONE",1700009000,"False","[[4.8805,52.36]]"`;

describe('traces dropped at matching', () => {
  it('are listed with their file, line and reason, in file order, beside the rows not read', () => {
    // Lines: 1 header, 2 G0, 3 SHORT, 4 G1, 5 FAR, 6 ONE (not read), 7 G2.
    const text = [header, good[0], short, good[1], far, single, good[2]].join('\n') + '\n';
    const { trips, summary } = matchGpsText(roads, 'mine.csv', text);
    expect(trips.map((t) => t.id)).toEqual(['G0', 'G1', 'G2']);
    expect(summary.problems?.map(formatIssue)).toEqual(['mine.csv:6: POLYLINE: single point']);
    expect(summary.unmatched?.map(formatIssue)).toEqual([
      'mine.csv:3: trace SHORT: fewer than 5 roads matched',
      "mine.csv:5: trace FAR: not inside the network's area",
    ]);
    // The counts of the summary line are the same traces.
    expect(formatMatchSummary(summary)).toContain(
      "(1 not inside the network's area, 1 fewer than 5 roads matched, 1 unreadable (single point))",
    );
  });

  it('name the file of each trace when several files are matched together', () => {
    const a = [header, good[0], far].join('\n') + '\n';
    const b = [header, short, good[1]].join('\n') + '\n';
    const { summary } = matchGpsFiles(roads, [
      { name: 'a.csv', text: a },
      { name: 'b.csv', text: b },
    ]);
    expect(summary.unmatched?.map(formatIssue)).toEqual([
      "a.csv:3: trace FAR: not inside the network's area",
      'b.csv:2: trace SHORT: fewer than 5 roads matched',
    ]);
  });

  it('are listed up to MAX_LISTED_DROPS and counted beyond', () => {
    const many = Array.from({ length: MAX_LISTED_DROPS + 5 }, (_, k) => far.replace('"FAR"', `"FAR${k}"`));
    const { summary } = matchGpsText(roads, 'far.csv', [header, good[0], ...many].join('\n') + '\n');
    expect(summary.unmatched).toHaveLength(MAX_LISTED_DROPS);
    expect(summary.unmatched?.[0]).toEqual({ file: 'far.csv', line: 3, field: 'trace FAR0', reason: "not inside the network's area" });
    expect(summary.droppedWhy).toContain(`${MAX_LISTED_DROPS + 5} not inside the network's area`);
  });

  it('a cabspotting trip starts at the line of its first occupied fix', () => {
    const cab = ['52.36 4.880 0 1700000000', '52.36 4.8805 1 1700000060', '52.36 4.8808 1 1700000120', '52.36 4.881 1 1700000180'].join(
      '\n',
    );
    const r = parseCabspotting(cab, 'new_abc.txt', { minFixes: 2 });
    expect(r.traces.map((t) => t.at)).toEqual([{ file: 'new_abc.txt', line: 2 }]);
  });
});
