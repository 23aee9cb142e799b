// Teacher variants: ψ on a road's far end, and the destination-conditioned
// teacher (beyond LM-TAD), plus the helpers that keep long windows and subsets in bounds.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TeacherModel, teacherRoadCells, teacherWindow, tripToTokens, type TeacherConfig } from '../../src/lib/models/teacher';
import { cellOf } from '../../src/lib/data/grid';
import { batchContext, prepareTrips, tripTeacherWindows, windowChunks } from '../../src/lib/features/studentBatch';
import { nestedSubset } from '../../src/lib/random';
import { makeCity } from './studentFixture';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = (over: Partial<TeacherConfig> = {}): TeacherConfig => ({
  vocabSize: 23,
  blockSize: 8,
  nLayer: 1,
  nHead: 2,
  nEmbd: 8,
  dropout: 0,
  collapse: false,
  ...over,
});

describe('ψ anchor', () => {
  it('maps a road to the cell of its far end when the teacher asks for it', () => {
    const city = makeCity();
    const grid = city.derived.grid;
    const f = city.derived.features;
    for (let r = 0; r < f.n; r++) expect(grid.roadEndCell[r]).toBe(cellOf(grid.spec, f.end[2 * r], f.end[2 * r + 1]));
    expect(teacherRoadCells(undefined, grid)).toBe(grid.roadCell);
    expect(teacherRoadCells({ anchor: 'centroid' }, grid)).toBe(grid.roadCell);
    expect(teacherRoadCells({ anchor: 'end' }, grid)).toBe(grid.roadEndCell);
    // The test city's roads cross cell borders, so the two ψ differ somewhere.
    expect(grid.roadEndCell.some((c, r) => c !== grid.roadCell[r])).toBe(true);
  });
});

describe('destination-conditioned teacher', () => {
  const sp = { sot: 22, eot: 21 };
  const roadCell = Int32Array.from([3, 4, 5, 6]);

  it('tokenises [SOT, destination cell, cells…, EOT] and puts the destination first in every window', () => {
    expect(tripToTokens([0, 1, 3], roadCell, false, sp, true)).toEqual([22, 6, 3, 4, 6, 21]);
    expect(tripToTokens([0, 1, 3], roadCell, false, sp)).toEqual([22, 3, 4, 6, 21]);
    expect(teacherWindow([1, 2, 3, 4], 2, false, 9)).toEqual([9, 3, 4]);
    const city = makeCity();
    const [p] = prepareTrips(batchContext(city.net, city.derived, { maxLen: 100 }), city.ds.splits.train.slice(0, 1));
    const cells = city.derived.grid.roadCell;
    const dest = cells[p.roads[p.roads.length - 1]];
    const windows = tripTeacherWindows(p, cells, 3, false, true);
    expect(windows).toHaveLength(p.steps);
    windows.forEach((w, i) => {
      expect(w[0]).toBe(dest);
      expect(w.slice(1)).toEqual(
        teacherWindow(
          Array.from(p.roads.subarray(0, i + 1), (r) => cells[r]),
          3,
          false,
        ),
      );
    });
  });

  it('keeps the destination when a window outgrows the block, and leaves it out of the anomaly score', async () => {
    const m = new TeacherModel(tiny({ destination: true }), 3);
    try {
      const long = [7, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12];
      const cut = [7, ...long.slice(long.length - 6)]; // blockSize 8: SOT + 7 tokens
      const a = m.nextCellLogProbs([long]);
      const b = m.nextCellLogProbs([cut]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([a, b]);

      const cells = [1, 2, 3, 4];
      const { logp } = m.targetLogProbs([m.scoredTokens(cells)], false);
      const lp = Array.from(logp.dataSync());
      logp.dispose();
      expect(m.scoredTokens(cells)).toEqual([22, 4, 1, 2, 3, 4, 21]);
      const expected = -lp.slice(1).reduce((s, x) => s + x, 0) / (lp.length - 1);
      expect((await m.anomalyScore([cells]))[0]).toBeCloseTo(expected, 5);
    } finally {
      m.dispose();
    }
  });
});

describe('window chunks and nested subsets', () => {
  it('splits windows into consecutive chunks under the row and token budgets', () => {
    const windows = [1, 3, 2, 10, 10, 1, 1, 1, 30].map((n) => new Array<number>(n).fill(0));
    const chunks = windowChunks(windows, 3, 40);
    expect(chunks[0][0]).toBe(0);
    expect(chunks.at(-1)?.[1]).toBe(windows.length);
    chunks.forEach(([s, e], i) => {
      if (i > 0) expect(s).toBe(chunks[i - 1][1]);
      expect(e - s).toBeLessThanOrEqual(3);
      const longest = Math.max(...windows.slice(s, e).map((w) => w.length + 1));
      if (e - s > 1) expect((e - s) * longest).toBeLessThanOrEqual(40);
    });
  });

  it('takes nested, seeded subsets in the original order', () => {
    const items = Array.from({ length: 200 }, (_, i) => i);
    const s5 = nestedSubset(items, 0.05, 7);
    const s25 = nestedSubset(items, 0.25, 7);
    expect(s5).toHaveLength(10);
    expect(s25).toHaveLength(50);
    expect(s5.every((x) => s25.includes(x))).toBe(true);
    expect([...s25].sort((a, b) => a - b)).toEqual(s25);
    expect(nestedSubset(items, 0.25, 7)).toEqual(s25);
    expect(nestedSubset(items, 0.25, 8)).not.toEqual(s25);
    expect(nestedSubset(items, 1, 7)).toEqual(items);
  });
});
