import { afterAll, describe, it, expect } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileRouteCache, parsePrefill, parseSplits } from '../../src/cli/eval/evalPairedReport';
import { removeTempDirs, tempDir } from '../tempDirs';

afterAll(removeTempDirs);

describe('eval paired-report --route-cache', () => {
  it('keeps routes per key in files, an unknown log-probability included, and misses on another key', async () => {
    const dir = tempDir('routes-');
    const cache = fileRouteCache(join(dir, 'nested'));
    expect(await cache.get('a')).toBeNull();
    const trip = { id: 't', origin: 1, dest: 3, roads: [1, 2, 3], times: [0, 10, 20], reached: true, logProb: NaN, timesFromModel: false };
    await cache.set('a', { trips: [trip, { ...trip, id: 'u', logProb: -1.5 }], seconds: 2.5 });
    const back = await cache.get('a');
    expect(back?.seconds).toBe(2.5);
    expect(back?.trips[0].logProb).toBeNaN();
    expect(back?.trips[1]).toEqual({ ...trip, id: 'u', logProb: -1.5 });
    expect(await cache.get('b')).toBeNull();
    // One file a key, written aside and renamed into place (nothing half-written is left).
    const names = await readdir(join(dir, 'nested'));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^[0-9a-f]{32}\.json$/);
    // A file that holds another key (a truncated-hash clash) is not taken for this one.
    const [name] = names;
    await writeFile(join(dir, 'nested', name), JSON.stringify({ key: 'other', routes: { trips: [], seconds: 0 } }));
    expect(await cache.get('a')).toBeNull();
  });
});

describe('eval paired-report --prefill', () => {
  it('reads K/N with 0 ≤ K < N, and refuses anything else by name', () => {
    expect(parsePrefill(undefined)).toBeNull();
    expect(parsePrefill('1/2')).toEqual({ part: 1, of: 2 });
    for (const bad of ['2/2', '1', 'a/b', true]) expect(() => parsePrefill(bad)).toThrow(/--prefill expects K\/N/);
  });
});

describe('eval paired-report --splits', () => {
  it('reads known split names once each, and refuses anything else by name', () => {
    expect(parseSplits('train,test')).toEqual(['train', 'test']);
    expect(parseSplits('val')).toEqual(['val']);
    expect(() => parseSplits('train,dev')).toThrow(/unknown split "dev"/);
    for (const bad of ['', 'val,val']) expect(() => parseSplits(bad)).toThrow(/distinct split names/);
  });
});
