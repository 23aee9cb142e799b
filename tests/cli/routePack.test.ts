import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileRouteCache } from '../../src/cli/eval/evalPairedReport';
import { packRouteCache, unpackRouteCache } from '../../src/cli/eval/routePack';
import type { GeneratedRoutes } from '../../src/lib/eval/pairedProtocol';
import { removeTempDirs, tempDir } from '../tempDirs';

afterAll(removeTempDirs);

describe('route packs', () => {
  it('carries a route cache through one gzipped file, the same routes read back by key', async () => {
    const a = tempDir('routes-a-');
    const b = tempDir('routes-b-');
    const routes = (n: number) =>
      ({
        trips: Array.from({ length: n }, (_, i) => ({ roads: [i, i + 1, i + 2], times: [0, 10, 20], logProb: i === 0 ? NaN : -i })),
      }) as unknown as GeneratedRoutes;
    await fileRouteCache(a).set('ck1|test|bestFirst', routes(3));
    await fileRouteCache(a).set('ck2|test|bestFirst', routes(5));
    const pack = join(tempDir('pack-'), 'routes.json.gz');
    const r = await packRouteCache(a, pack);
    expect(r.entries).toBe(2);
    expect(await unpackRouteCache(pack, b)).toBe(2);
    expect(readdirSync(b).sort()).toEqual(readdirSync(a).sort());
    const back = await fileRouteCache(b).get('ck2|test|bestFirst');
    expect(back?.trips).toHaveLength(5);
    expect(back?.trips[1]).toMatchObject({ roads: [1, 2, 3], logProb: -1 });
    expect(Number.isNaN((await fileRouteCache(b).get('ck1|test|bestFirst'))?.trips[0].logProb)).toBe(true);
  });
  it('refuses an empty cache and a file that is not a pack', async () => {
    await expect(packRouteCache(tempDir('empty-'), join(tempDir('x-'), 'p.gz'))).rejects.toThrow(/holds no cached routes/);
    const bad = join(tempDir('bad-'), 'p.json.gz');
    writeFileSync(bad, gzipSync('{"entries":[]}'));
    await expect(unpackRouteCache(bad, tempDir('c-'))).rejects.toThrow(/is not a trajdistill\/route-pack@1 file/);
    writeFileSync(bad, 'plain');
    await expect(unpackRouteCache(bad, tempDir('c-'))).rejects.toThrow(/is not a route pack/);
  });
});
