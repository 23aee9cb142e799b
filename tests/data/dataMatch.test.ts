// `data match` end to end on the tiny fixture network: a readable file gives a HOSER folder with the
// same roadmap bytes, the matched trips in test.csv and the network's own train and val trips (the
// models' derived inputs are built from train); an unreadable one exits 1 with file:line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureConsole } from './consoleCapture';
import { run } from '../../src/cli/dataMatch';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { removeTempDirs, tempDir } from '../tempDirs';

afterAll(removeTempDirs);

const TINY = join(__dirname, '../fixtures/tiny');

function tmp(): string {
  return tempDir('match-');
}

/** Points every ~10 m along roads 0 → 1 → 2 of the tiny network (west to east, then north). */
function loopPoints(): [number, number][] {
  const pts: [number, number][] = [];
  for (let k = 0; k < 20; k++) pts.push([-8.61 + 0.0001 * k, 41.15]);
  for (let k = 1; k <= 9; k++) pts.push([-8.6080001, 41.15 + 0.0001 * k]);
  return pts;
}

describe('data match', () => {
  const { logs, errs, start: capture } = captureConsole();

  it('matches an ECML CSV onto the network and keeps the roadmap bytes', async () => {
    const dir = tmp();
    const poly = JSON.stringify(loopPoints());
    const far = JSON.stringify([
      [-8.7, 41.3],
      [-8.701, 41.301],
    ]);
    const csv = [
      'TRIP_ID,TIMESTAMP,MISSING_DATA,POLYLINE',
      `T1,1372636858,False,"${poly}"`,
      `T2,1372636858,False,"${far}"`,
      `T3,1372636858,False,"[[-8.61,41.15]]"`,
    ].join('\n');
    writeFileSync(join(dir, 'gps.csv'), csv);
    capture();
    const code = await run(['--network', TINY, '--gps', join(dir, 'gps.csv'), '--out', join(dir, 'out'), '--min-roads', '2']);
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'out', 'roadmap.geo'), 'utf8')).toBe(readFileSync(join(TINY, 'roadmap.geo'), 'utf8'));
    const files = ['roadmap.geo', 'roadmap.rel', 'test.csv'].map((n) => ({ name: n, text: readFileSync(join(dir, 'out', n), 'utf8') }));
    const ds = readHoserDataset(files);
    expect(ds.splits.test).toHaveLength(1);
    expect(ds.splits.test[0].roads).toEqual([0, 1, 2]);
    expect(logs[0]).toMatch(
      /^data match: 3 trips read, 1 inside the network, 1 kept .* 2 dropped \(1 not inside the network's area, 1 unreadable \(single point\)\)/,
    );
    // The derived inputs (zone transitions, hop-time statistics) are those of the network's dataset.
    for (const split of ['train', 'val']) {
      expect(readFileSync(join(dir, 'out', `${split}.csv`), 'utf8')).toBe(readFileSync(join(TINY, `${split}.csv`), 'utf8'));
    }
    expect(logs[0]).toContain(`(with train.csv and val.csv of ${TINY}, which the models' derived inputs are built from)`);
  });

  it('exits 1 with file:line: field: reason when no row is readable', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.csv'), 'TRIP_ID,TIMESTAMP,MISSING_DATA,POLYLINE\nT1,1372636858,False,"[[-8.61,41.15],"\n');
    capture();
    expect(await run(['--network', TINY, '--gps', join(dir, 'bad.csv'), '--out', join(dir, 'out')])).toBe(1);
    expect(errs[0]).toBe('bad.csv:2: POLYLINE: polyline is not JSON');
    writeFileSync(join(dir, 'odd.csv'), 'a,b\n1,2\n');
    expect(await run(['--network', TINY, '--gps', join(dir, 'odd.csv'), '--out', join(dir, 'out')])).toBe(1);
    expect(errs.at(-1)).toMatch(/^odd\.csv:1: header: unknown GPS CSV layout/);
  });
});
