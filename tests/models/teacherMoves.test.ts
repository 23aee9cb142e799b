// The moves teacher (TeacherConfig.moves): cells in, moves inside, cells out; the training path
// and the distillation path agree; it transfers to another grid whole, and a cell teacher does not.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TeacherModel, type TeacherConfig } from '../../src/lib/models/teacher';
import { cellsWithin, moveIndex, moveVocab, toMoveTokens } from '../../src/lib/models/teacherMoves';
import type { GridSpec, GridVocab } from '../../src/lib/data/derivedTypes';
import { transferTeacherCheckpoint } from '../../src/lib/checkpoint/transfer';
import { decodeCheckpoint, encodeCheckpoint, loadIntoVariables, weightsFromVariables } from '../../src/lib/checkpoint/checkpoint';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// 5 rows × 4 columns: cells 0…19, PAD 20, EOT 21, SOT 22.
const gridA: GridSpec = { minLon: -8.6, minLat: 41.1, lonStep: 0.0012, latStep: 0.0009, nRows: 5, nCols: 4 };
const SOT = 22;
const EOT = 21;
const PAD = 20;

const movesTeacher = (grid: GridSpec, over: Partial<TeacherConfig> = {}): TeacherConfig => ({
  vocabSize: grid.nRows * grid.nCols + 3,
  blockSize: 12,
  nLayer: 1,
  nHead: 2,
  nEmbd: 8,
  dropout: 0,
  collapse: false,
  destination: true,
  destRelative: grid,
  moves: { radius: 1 },
  ...over,
});

describe('move tokens', () => {
  const mv = moveVocab(1);
  const layout = { grid: gridA, nCells: 20, destination: true };

  it('numbers the moves row-major over (Δrow, Δcol), then FAR, START, DEST, PAD, EOT, SOT', () => {
    expect(mv).toMatchObject({ side: 3, far: 9, start: 10, dest: 11, pad: 12, eot: 13, sot: 14, size: 15 });
    expect(moveIndex(mv, 4, 5, 5)).toBe(4); // stay
    expect(moveIndex(mv, 4, 5, 10)).toBe(8); // one row up, one column right
    expect(moveIndex(mv, 4, 5, 0)).toBe(0); // one row down, one column left
    expect(moveIndex(mv, 4, 5, 13)).toBe(mv.far); // two rows up
    expect(moveIndex(mv, 4, 3, 4)).toBe(mv.far); // the next row's first cell is three columns away, not a neighbour
  });

  it('turns a destination teacher row into DEST, START and the moves between cells', () => {
    // [SOT, dest 18, 5, 6, 10, 18, EOT, PAD]
    expect(toMoveTokens([SOT, 18, 5, 6, 10, 18, EOT, PAD], layout, mv)).toEqual([mv.sot, mv.dest, mv.start, 5, 7, mv.far, mv.eot, mv.pad]);
    expect(cellsWithin(gridA, 5, 1)).toBe(9);
    expect(cellsWithin(gridA, 0, 1)).toBe(4);
    expect(() => moveVocab(0)).toThrow(/radius/);
  });
});

describe('moves teacher', () => {
  it('gives a cell after a window the log-probability training gives the same move', () => {
    const model = new TeacherModel(movesTeacher(gridA), 3);
    try {
      const trip = [5, 6, 10, 9, 13];
      const seq = [SOT, 13, ...trip, EOT];
      const { logp } = model.targetLogProbs([seq]);
      const trained = logp.arraySync();
      logp.dispose();
      // Prediction k + 2 is the move to trip[k + 1] after the cells trip[0…k] (0 and 1 are DEST and START).
      const windows = trip.slice(0, -1).map((_, k) => [13, ...trip.slice(0, k + 1)]);
      const at = model.cellLogProbsAt(
        windows,
        trip.slice(1).map((c) => [c]),
      );
      const viaCells = at.arraySync();
      at.dispose();
      viaCells.forEach((v, k) => expect(v).toBeCloseTo(trained[k + 2], 5));
      // EOT after the whole trip.
      const eot = model.cellLogProbsAt([[13, ...trip]], [[EOT]]);
      expect(eot.arraySync()[0]).toBeCloseTo(trained[trained.length - 1], 5);
      eot.dispose();
    } finally {
      model.dispose();
    }
  });

  it('shares FAR among the cells beyond the radius, and its whole-vocabulary row agrees with the cells it is asked for', () => {
    const model = new TeacherModel(movesTeacher(gridA), 4);
    try {
      const window = [19, 5, 6];
      const full = model.nextCellLogProbs([window]);
      const row = Array.from(full.dataSync());
      full.dispose();
      const cells = Array.from({ length: 23 }, (_, i) => i);
      const before = tf.memory().numTensors;
      const at = model.cellLogProbsAt([window], [cells]);
      expect(Array.from(at.dataSync())).toEqual(row);
      at.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // After cell 6 (row 1, col 2) the cells within one step are rows 0–2 × cols 1–3: 9 of them.
      const near = new Set([1, 2, 3, 5, 6, 7, 9, 10, 11]);
      const far = cells.filter((c) => c < 20 && !near.has(c));
      expect(far).toHaveLength(11);
      for (const c of far) expect(row[c]).toBeCloseTo(row[far[0]], 6);
      expect(row[PAD]).toBeLessThan(-1e8);
      expect(row[SOT]).toBeLessThan(-1e8);
      // The moves, FAR and EOT exhaust what a mid-trip window can predict, less START, DEST and specials.
      const mass = cells.filter((c) => c !== PAD && c !== SOT).reduce((a, c) => a + Math.exp(row[c]), 0);
      expect(mass).toBeGreaterThan(0.2);
      expect(mass).toBeLessThanOrEqual(1 + 1e-5);
    } finally {
      model.dispose();
    }
  });

  it('runs the same weights on another grid: the same moves and offsets give the same answer', () => {
    const a = new TeacherModel(movesTeacher(gridA), 5);
    // Another city: another corner and more columns, the same cell size.
    const gridB: GridSpec = { ...gridA, minLon: -122.5, nCols: 7 };
    const grid: GridVocab = {
      spec: gridB,
      nCells: 35,
      pad: 35,
      eot: 36,
      sot: 37,
      vocabSize: 38,
      roadCell: new Int32Array(0),
      roadEndCell: new Int32Array(0),
    };
    const ck = {
      kind: 'teacher' as const,
      config: a.cfg,
      fingerprint: 'porto',
      training: { epoch: 3, step: 90 },
      hyper: {},
      created: '2026-11-23T00:00:00Z',
      weights: weightsFromVariables(a.variables),
    };
    const moved = decodeCheckpoint(encodeCheckpoint(transferTeacherCheckpoint(ck, grid, 'sf')));
    expect(moved.fingerprint).toBe('sf');
    expect(moved.config).toMatchObject({ vocabSize: 38, destRelative: gridB, moves: { radius: 1 } });
    expect((moved.hyper.transferredFrom as { message: string }).message).toMatch(
      /all \d+ tensors carried over; cells 100 m × 101 m there, 100 m × 101 m here/,
    );
    const b = new TeacherModel(moved.config as TeacherConfig, 0);
    try {
      loadIntoVariables(b.variables, moved.weights);
      // Cell (r, c) is r·4 + c on A and r·7 + c on B: the same trip, the same destination.
      const onA = (r: number, c: number): number => r * 4 + c;
      const onB = (r: number, c: number): number => r * 7 + c;
      const path: Array<[number, number]> = [
        [0, 0],
        [1, 1],
        [1, 2],
        [2, 2],
      ];
      const dest: [number, number] = [4, 3];
      const qa = a.cellLogProbsAt([[onA(...dest), ...path.map((p) => onA(...p))]], [[onA(3, 2), onA(3, 3), onA(2, 1)]]);
      const qb = b.cellLogProbsAt([[onB(...dest), ...path.map((p) => onB(...p))]], [[onB(3, 2), onB(3, 3), onB(2, 1)]]);
      const va = Array.from(qa.dataSync());
      const vb = Array.from(qb.dataSync());
      qa.dispose();
      qb.dispose();
      vb.forEach((v, i) => expect(v).toBeCloseTo(va[i], 5));
    } finally {
      a.dispose();
      b.dispose();
    }
    // A cell-token teacher's embedding rows are its own city's cells.
    const cellCk = { ...ck, config: { ...a.cfg, moves: undefined } };
    expect(() => transferTeacherCheckpoint(cellCk, grid, 'sf')).toThrow(/only a moves teacher/);
  });

  it('trains without leaking tensors and needs the destination offsets', () => {
    const model = new TeacherModel(movesTeacher(gridA, { dropout: 0.1 }), 6);
    try {
      const optimizer = tf.train.adam(1e-2);
      const seqs = [
        [SOT, 13, 5, 6, 10, 9, 13, EOT],
        [SOT, 3, 0, 1, 2, 3, EOT],
      ];
      const step = (): number => {
        const cost = optimizer.minimize(() => model.loss(seqs, true), true);
        const v = cost?.dataSync()[0] ?? NaN;
        cost?.dispose();
        return v;
      };
      const first = step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      expect(step()).toBeLessThan(first);
      optimizer.dispose();
    } finally {
      model.dispose();
    }
    expect(() => new TeacherModel(movesTeacher(gridA, { destRelative: undefined }), 0)).toThrow(/needs destRelative/);
    expect(() => new TeacherModel(movesTeacher(gridA, { vocabSize: 30 }), 0)).toThrow(/not the grid's 20 cells/);
    const plain = new TeacherModel(movesTeacher(gridA));
    const ids = tf.zeros([1, 2], 'int32') as tf.Tensor2D;
    expect(() => plain.hidden(ids)).toThrow(/cell rows/);
    ids.dispose();
    plain.dispose();
  });
});
