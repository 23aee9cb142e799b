// `data match` end to end on the tiny fixture network: a readable file gives a HOSER folder with the
// same roadmap bytes, the matched trips in test.csv and the network's own train and val trips (the
// models' derived inputs are built from train); an unreadable one exits 1 with file:line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureConsole } from './consoleCapture';
import { run } from '../../src/cli/data/dataMatch';
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

/** An ECML/PKDD CSV of the given trips (id → points), all at one timestamp. */
function ecmlCsv(trips: [string, [number, number][]][]): string {
  return ['TRIP_ID,TIMESTAMP,MISSING_DATA,POLYLINE', ...trips.map(([id, pts]) => `${id},1372636858,False,"${JSON.stringify(pts)}"`)].join(
    '\n',
  );
}

/** Two points far outside the tiny network. */
const FAR: [number, number][] = [
  [-8.7, 41.3],
  [-8.701, 41.301],
];

describe('data match', () => {
  const { logs, errs, start: capture } = captureConsole();

  it('matches an ECML CSV onto the network and keeps the roadmap bytes', async () => {
    const dir = tmp();
    const csv = ecmlCsv([
      ['T1', loopPoints()],
      ['T2', FAR],
      ['T3', [[-8.61, 41.15]]],
    ]);
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

  it('--json prints counts and lists no dropped trace by name (those go to stderr, each once)', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'gps.csv'),
      ecmlCsv([
        ['T1', loopPoints()],
        ['FAR7', FAR],
      ]),
    );
    capture();
    expect(await run(['--network', TINY, '--gps', join(dir, 'gps.csv'), '--out', join(dir, 'out'), '--min-roads', '2', '--json'])).toBe(0);
    const summary = JSON.parse(logs.at(-1)!) as Record<string, unknown>;
    expect(summary.droppedWhy).toEqual(["1 not inside the network's area"]);
    expect(summary.trajectories).toBe(1);
    expect('unmatched' in summary).toBe(false);
    expect(logs.at(-1)).not.toContain('FAR7');
    expect(errs.filter((e) => e.includes('FAR7'))).toHaveLength(1);
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

describe('data match at scale: batches, threads, resume', () => {
  const { logs, start: capture } = captureConsole();

  /** 40 traces along the loop, each starting a little further on, with far and unreadable ones among them. */
  function gpsFile(dir: string): string {
    const rows = ['TRIP_ID,TIMESTAMP,MISSING_DATA,POLYLINE'];
    for (let k = 0; k < 40; k++) {
      if (k % 9 === 4) rows.push(`F${k},1372636858,False,"[[-8.7,41.3],[-8.701,41.301]]"`);
      else if (k % 13 === 6) rows.push(`B${k},1372636858,False,"[[-8.61,41.15],"`);
      else rows.push(`T${k},${1372636858 + 60 * k},False,"${JSON.stringify(loopPoints().slice(k % 3))}"`);
    }
    const path = join(dir, 'gps.csv');
    writeFileSync(path, rows.join('\n') + '\n');
    return path;
  }
  const outFiles = (out: string): string[] =>
    ['test.csv', 'train.csv', 'val.csv', 'roadmap.geo'].map((n) => readFileSync(join(out, n), 'utf8'));

  it('writes the same files with 1 or 2 threads, and after a stop and --resume', async () => {
    const dir = tmp();
    const gps = gpsFile(dir);
    const args = (out: string, ...more: string[]): string[] => [
      '--network',
      TINY,
      '--gps',
      gps,
      '--out',
      join(dir, out),
      '--min-roads',
      '2',
      ...more,
    ];
    capture();
    expect(await run(args('one', '--workers', '1'), { batchLines: 4 })).toBe(0);
    const one = outFiles(join(dir, 'one'));
    const summary = logs.at(-1)!.replace(join(dir, 'one'), '<out>');
    expect(summary).toMatch(
      /^data match: 40 trips read, 33 inside the network, 33 kept .* 7 dropped \(4 not inside the network's area, 3 unreadable/,
    );
    expect(one[0].split('\n').filter((l) => l !== '')).toHaveLength(34);

    expect(await run(args('two', '--workers', '2'), { batchLines: 4 })).toBe(0);
    expect(outFiles(join(dir, 'two'))).toEqual(one);
    expect(logs.at(-1)!.replace(join(dir, 'two'), '<out>')).toBe(summary);

    // Stopped after 3 of 11 batches, as Ctrl-C does; then resumed.
    const stop = new AbortController();
    const code = await run(args('stopped', '--workers', '1'), {
      batchLines: 4,
      signal: stop.signal,
      onBatch: (n) => n === 3 && stop.abort(),
    });
    expect(code).toBe(130);
    expect(readFileSync(join(dir, 'stopped', 'test.csv'), 'utf8').length).toBeLessThan(one[0].length);
    expect(readFileSync(join(dir, 'stopped', '.match-state.json'), 'utf8')).toContain('"batches":3');
    expect(await run(args('stopped', '--workers', '2', '--resume'), { batchLines: 4 })).toBe(0);
    expect(outFiles(join(dir, 'stopped'))).toEqual(one);
    expect(logs.at(-1)!.replace(join(dir, 'stopped'), '<out>')).toBe(summary);
    expect(existsSync(join(dir, 'stopped', '.match-state.json'))).toBe(false);
  });

  it('refuses --resume with nothing to resume, or with other inputs', async () => {
    const dir = tmp();
    const gps = gpsFile(dir);
    capture();
    expect(await run(['--network', TINY, '--gps', gps, '--out', join(dir, 'o'), '--resume'])).toBe(1);
    const stop = new AbortController();
    const base = ['--network', TINY, '--gps', gps, '--out', join(dir, 'o')];
    expect(await run([...base, '--workers', '1'], { batchLines: 4, signal: stop.signal, onBatch: () => stop.abort() })).toBe(130);
    expect(await run([...base, '--min-roads', '3', '--resume'], { batchLines: 4 })).toBe(1);
  });
});
