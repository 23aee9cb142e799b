import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { networkFingerprint } from '../../src/lib/data/fingerprint';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { buildOut, writeHoserDataset } from '../../src/lib/data/hoserWriter';
import type { RoadNetwork } from '../../src/lib/data/types';

function readTiny() {
  const dir = join(__dirname, '..', 'fixtures', 'tiny');
  return readHoserDataset(
    readdirSync(dir).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') })),
    'tiny',
  );
}

function clone(net: RoadNetwork): RoadNetwork {
  return {
    roads: net.roads.map((r) => ({ ...r, coords: r.coords.map((c) => [c[0], c[1]] as [number, number]) })),
    relOrigin: net.relOrigin.slice(),
    relDest: net.relDest.slice(),
    out: net.out.map((o) => o.slice()),
  };
}

describe('networkFingerprint', () => {
  const net = readTiny().network;
  const fp = networkFingerprint(net);

  it('is a 16-hex-digit string, identical for equal networks', () => {
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(networkFingerprint(clone(net))).toBe(fp);
  });

  it('survives a write/read round trip', () => {
    expect(networkFingerprint(readHoserDataset(writeHoserDataset(readTiny())).network)).toBe(fp);
  });

  it('ignores highway and length (ids depend on geometry and links only)', () => {
    const n = clone(net);
    n.roads[0].highway = 'motorway';
    n.roads[0].lengthM += 10;
    expect(networkFingerprint(n)).toBe(fp);
  });

  it('changes when a coordinate moves, a road is added, or a link changes', () => {
    const moved = clone(net);
    moved.roads[3].coords[1][1] += 1e-5;
    const added = clone(net);
    added.roads.push({
      id: 5,
      coords: [
        [-8.6, 41.15],
        [-8.61, 41.15],
      ],
      highway: 'x',
      lengthM: 1,
    });
    const relinked = clone(net);
    relinked.relDest[5] = 4;
    const extraLink = clone(net);
    extraLink.relOrigin = Int32Array.from([...net.relOrigin, 2]);
    extraLink.relDest = Int32Array.from([...net.relDest, 0]);
    extraLink.out = buildOut(5, extraLink.relOrigin, extraLink.relDest);
    const swapped = clone(net);
    [swapped.roads[0], swapped.roads[1]] = [swapped.roads[1], swapped.roads[0]];
    const all = [moved, added, relinked, extraLink, swapped].map(networkFingerprint);
    for (const f of all) expect(f).not.toBe(fp);
    expect(new Set(all).size).toBe(all.length);
  });

  const libcity = join(__dirname, '..', '..', '..', 'shared', 'data', 'porto-libcity');
  it.skipIf(!existsSync(libcity))('is deterministic on the real porto-libcity network', () => {
    const files = ['roadmap.geo', 'roadmap.rel'].map((name) => ({ name, text: readFileSync(join(libcity, name), 'utf8') }));
    const a = networkFingerprint(readHoserDataset(files).network);
    const b = networkFingerprint(readHoserDataset(files).network);
    expect(a).toBe(b);
    expect(a).not.toBe(fp);
  });
});
