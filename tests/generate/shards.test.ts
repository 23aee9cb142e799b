import { describe, expect, it } from 'vitest';
import { generateInPieces, mergeShards, pieceRanges, runPieces, shardIndices, shardRanges } from '../../src/lib/generate/shards';
import { generateRoutes, type GenOD } from '../../src/lib/generate/generator';
import { amdahlProjection } from '../../bench/suites/scaling';
import { makeCity } from '../models/studentFixture';
import { SteerScorer } from './toyScorers';
import { centroidDistance } from '../../src/lib/generate/generator';

describe('shards', () => {
  it('cuts n items into contiguous ranges differing by at most one, none empty', () => {
    expect(shardRanges(10, 3)).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
    expect(shardRanges(2, 4)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(shardRanges(0, 2)).toEqual([]);
    expect(() => shardRanges(3, 0)).toThrow(/parts/);
  });

  it('strided and contiguous shards merge back into the original order', () => {
    const items = Array.from({ length: 11 }, (_, i) => `od${i}`);
    for (const how of ['contiguous', 'strided'] as const) {
      const idx = shardIndices(items.length, 3, how);
      expect(idx.flat().sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
      const results = idx.map((s) => s.map((i) => items[i].toUpperCase()));
      expect(mergeShards(items.length, idx, results)).toEqual(items.map((s) => s.toUpperCase()));
    }
    expect(shardIndices(7, 3, 'strided')).toEqual([
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
  });

  it('refuses a merge that misses or repeats an item', () => {
    expect(() => mergeShards(3, [[0, 1]], [['a', 'b']])).toThrow(/item 2 has no result/);
    expect(() => mergeShards(2, [[0], [0]], [['a'], ['b']])).toThrow(/twice/);
    expect(() => mergeShards(2, [[0, 1]], [['a']])).toThrow(/1 results/);
  });

  it('pieces: at most the chunk size, about n / lanes when few; a slow lane takes fewer', async () => {
    expect(pieceRanges(1000, 2, 256).map(([a, b]) => b - a)).toEqual([250, 250, 250, 250]);
    expect(pieceRanges(40, 2, 256)).toEqual([
      [0, 20],
      [20, 40],
    ]);
    const items = Array.from({ length: 12 }, (_, i) => i);
    const byLane: number[][] = [[], []];
    const out = await runPieces(items, 2, 2, async (lane, piece) => {
      byLane[lane].push(...piece);
      await new Promise((r) => setTimeout(r, lane === 0 ? 1 : 30));
      return piece.map((x) => x * 10);
    });
    expect(out).toEqual(items.map((x) => x * 10));
    expect(byLane[0].length).toBeGreaterThan(byLane[1].length);
  });

  it('generateInPieces: the routes, ids and progress of generateRoutes, whatever the lanes', async () => {
    const { net, derived, ds } = makeCity(6, 30, 5, 4);
    const ods: GenOD[] = ds.splits.train.slice(0, 13).map((t) => ({ origin: t.roads[0], dest: t.roads.at(-1)!, startTime: t.times[0] }));
    const opts = {
      distanceToDest: centroidDistance(derived.features),
      timeMean: derived.timeMean,
      timeStd: derived.timeStd,
      beam: 2,
      maxSteps: 12,
      idPrefix: 'x-',
    };
    const one = await generateRoutes(new SteerScorer(net, derived.features, 2), ods, opts);
    for (const lanes of [1, 2, 3]) {
      const done: number[] = [];
      const many = await generateInPieces(ods, { ...opts, onProgress: (p) => done.push(p.done) }, lanes, (_lane, piece, search, onDone) =>
        generateRoutes(new SteerScorer(net, derived.features, 2), piece, {
          ...opts,
          ...search,
          idPrefix: 'piece-',
          onProgress: (p) => onDone(p.done),
        }),
      );
      expect(many).toEqual(one);
      expect(done.at(-1)).toBe(ods.length);
    }
  });

  it('Amdahl projection: linear with no serial part, bounded by 1 / serial share', () => {
    const p = amdahlProjection(0, 0.9, [8, 16]);
    expect(p.speedup['8']).toBeCloseTo(7.2, 12);
    expect(p.label).toMatch(/PROJECTION/);
    const q = amdahlProjection(0.2, 1, [16]);
    expect(q.speedup['16']).toBeCloseTo(1 / (0.2 + 0.8 / 16), 12);
    expect(q.speedup['16']).toBeLessThan(5);
  });
});
