// Teacher variants: ψ on a road's far end, and the destination-conditioned
// teacher (beyond LM-TAD), plus the helpers that keep long windows and subsets in bounds.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TeacherModel, teacherRoadCells, teacherWindow, tripToTokens, type TeacherConfig } from '../../src/lib/models/teacher';
import { cellOf } from '../../src/lib/data/grid';
import { batchContext, prepareTrips, tripTeacherWindows, windowChunks } from '../../src/lib/features/studentBatch';
import { nestedSubset } from '../../src/lib/random';
import { decodeCheckpoint, encodeCheckpoint, loadIntoVariables, weightsFromVariables } from '../../src/lib/checkpoint/checkpoint';
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

describe('teacher with offsets to the destination (destRelative)', () => {
  // vocab 23 = 20 cells + 3 special tokens on a 5 × 4 grid of 1 km × 1 km-ish cells.
  const grid = { minLon: -8.6, minLat: 41.1, lonStep: 0.012, latStep: 0.009, nRows: 4, nCols: 5 };

  it('needs the destination token, and adds one [3, D] map that training reaches', () => {
    expect(() => new TeacherModel(tiny({ destRelative: grid }), 1)).toThrow('destRelative needs a destination-conditioned teacher');
    const m = new TeacherModel(tiny({ destination: true, destRelative: grid }), 1);
    try {
      const plain = new TeacherModel(tiny({ destination: true }), 1);
      expect(m.paramCount - plain.paramCount).toBe(3 * 8);
      plain.dispose();
      const seqs = [m.scoredTokens([1, 2, 7, 12]), m.scoredTokens([19, 14, 9])];
      const { grads } = tf.variableGrads(() => {
        const { logp } = m.targetLogProbs(seqs, false);
        return tf.neg(tf.mean(logp)) as tf.Scalar;
      }, m.variables);
      const g = Object.entries(grads).find(([k]) => k.includes('dest_rel'))?.[1];
      expect(g).toBeDefined();
      expect(tf.sum(tf.abs(g!)).dataSync()[0]).toBeGreaterThan(0);
      tf.dispose(grads);
    } finally {
      m.dispose();
    }
  });

  it('with the map at zero it is the destination-only teacher; a far destination moves every position', () => {
    const m = new TeacherModel(tiny({ destination: true, destRelative: grid }), 4);
    const plain = new TeacherModel(tiny({ destination: true }), 4);
    try {
      // Same seed: the shared weights are drawn first, in the same order.
      plain.variables.forEach((v, i) => expect(Array.from(m.variables[i].dataSync())).toEqual(Array.from(v.dataSync())));
      const dr = m.variables.find((v) => v.name.includes('dest_rel'))!;
      const w = [
        [0, 1, 2],
        [5, 6, 7],
      ];
      const saved = dr.clone();
      dr.assign(tf.zerosLike(dr));
      const a = m.nextCellLogProbs(w);
      const b = plain.nextCellLogProbs(w);
      const av = a.dataSync();
      const bv = b.dataSync();
      for (let i = 0; i < av.length; i++) expect(av[i]).toBeCloseTo(bv[i], 5);
      dr.assign(saved);
      // Moving the destination from cell 1 to cell 19 (opposite corners) changes both models through
      // its token; only the map makes the change differ between them.
      const shift = (t: TeacherModel) => tf.sub(t.nextCellLogProbs([[19, 2, 3]]), t.nextCellLogProbs([[1, 2, 3]]));
      const gap = tf.abs(tf.sub(shift(m), shift(plain)));
      expect(Math.max(...Array.from(gap.dataSync()))).toBeGreaterThan(1e-6);
      tf.dispose([a, b, gap, saved]);
    } finally {
      m.dispose();
      plain.dispose();
    }
  });
});

describe('destRelative checkpoints', () => {
  it('save and load to the same next-cell distribution', () => {
    const grid = { minLon: -8.6, minLat: 41.1, lonStep: 0.012, latStep: 0.009, nRows: 4, nCols: 5 };
    const cfg = tiny({ destination: true, destRelative: grid });
    const a = new TeacherModel(cfg, 2);
    const ck = decodeCheckpoint(
      encodeCheckpoint({
        kind: 'teacher',
        config: cfg,
        fingerprint: 'f',
        training: { epoch: 0, step: 0 },
        hyper: {},
        created: '',
        weights: weightsFromVariables(a.variables),
      }),
    );
    expect(ck.config).toEqual(cfg);
    const b = new TeacherModel(ck.config as TeacherConfig, 9);
    try {
      loadIntoVariables(b.variables, ck.weights);
      const pa = a.nextCellLogProbs([[3, 1, 2]]);
      const pb = b.nextCellLogProbs([[3, 1, 2]]);
      expect(Array.from(pb.dataSync())).toEqual(Array.from(pa.dataSync()));
      tf.dispose([pa, pb]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
