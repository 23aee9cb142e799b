import { afterAll, describe, expect, it, vi } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/cli/eval/evalRegisteredLong';
import { removeTempDirs, tempDir } from '../tempDirs';

// `eval registered-long` (registration 3's reading) on made-up reports of Porto's 253 val OD pairs:
// it refuses a report of another search, other seeds or another split before reading anything, and
// reads the registered one.
describe('eval registered-long', () => {
  afterAll(removeTempDirs);
  const dir = tempDir('registered-long-');
  const nOd = 253;
  const baseline = Array.from({ length: nOd }, (_, o) => 1 + (o % 7) / 10);
  const routes = {
    split: 'val',
    searches: { a: { method: 'bestFirst' }, b: { method: 'bestFirst' } },
    checkpoints: [26, 27].map((seed) => ({ seed })),
    // Seed 26 a tenth below the baseline everywhere, seed 27 level with it.
    perCheckpoint: { b: [26, 27].map((seed) => ({ seed, odDtwPerKm: baseline.map((x) => (seed === 26 ? x - 0.1 : x)) })) },
  };
  const args = (file: string, ...more: string[]) => [
    '--routes',
    file,
    '--baselines-report',
    join(dir, 'baselines.json'),
    '--dataset',
    'public/data/porto',
    '--b',
    'method=bestFirst',
    '--seeds',
    '26,27',
    '--split',
    'val',
    ...more,
  ];
  const write = async (name: string, x: unknown) => {
    await writeFile(join(dir, name), JSON.stringify(x));
    return join(dir, name);
  };

  it('refuses another search, other seeds or another split', async () => {
    await write('baselines.json', { splits: { val: { methods: { markovLength: { odDtwPerKm: baseline } } } } });
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const guarded = await write('guarded.json', { ...routes, searches: { a: {}, b: { method: 'bestFirst', cap: 1.2 } } });
    expect(await run(args(guarded))).toBe(2);
    expect(err.mock.calls.at(-1)?.[0]).toMatch(/search b is \{"method":"bestFirst","cap":1.2\}, not the registered/);
    const seeds = await write('seeds.json', { ...routes, checkpoints: [{ seed: 1 }, { seed: 2 }] });
    expect(await run(args(seeds))).toBe(2);
    expect(err.mock.calls.at(-1)?.[0]).toMatch(/seeds are 1, 2, not 26, 27/);
    const test = await write('test.json', { ...routes, split: 'test' });
    expect(await run(args(test))).toBe(2);
    expect(err.mock.calls.at(-1)?.[0]).toMatch(/the routes report is of test, not val/);
    err.mockRestore();
  });

  it('reads the registered report: every OD pair won by one seed and tied by the other', async () => {
    const file = await write('routes.json', routes);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await run(args(file, '--out', join(dir, 'out.json')))).toBe(0);
    log.mockRestore();
    const r = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8')) as {
      endpoints: { id: string; mean: number; verdict: string; unit: string }[];
      beatsBaseline: boolean;
      winsLongTrips: boolean;
    };
    expect(r.endpoints.map((e) => e.id)).toEqual(['E1', 'E2', 'E3']);
    expect(r.endpoints[0].mean).toBeCloseTo(-0.05, 9);
    expect(r.endpoints[1].mean).toBeCloseTo(0.5, 9);
    expect(r.endpoints[2].mean).toBeCloseTo(0.5, 9);
    expect(r.endpoints[2].unit).toBe('84 OD pairs');
    expect(r.beatsBaseline && r.winsLongTrips).toBe(true);
  });
});
