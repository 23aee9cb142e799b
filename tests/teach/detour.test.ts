import { describe, it, expect } from 'vitest';
import { shiftCell, syntheticDetour } from '../../src/lib/teach/detour';
import { anomalyScoreDistribution, rankAuc, type CellSequenceScorer } from '../../src/lib/teach/anomaly';
import { histogram } from '../../src/lib/teach/histogram';
import { makeRng } from '../../src/lib/random';

const grid = { nRows: 40, nCols: 50 };
const rc = (cell: number) => [Math.floor(cell / grid.nCols), cell % grid.nCols];

/** A straight trip east along row r from column c0. */
function straight(r: number, c0: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => r * grid.nCols + c0 + i);
}

/**
 * Hand-made "teacher": a first-order model where the next cell is usually an adjacent one, so
 * −ln p grows with the jump length (what a trained LM-TAD learns from real drives).
 */
const markovScorer: CellSequenceScorer = {
  async anomalyScore(seqs) {
    return seqs.map((cells) => {
      let s = 0;
      for (let i = 1; i < cells.length; i++) {
        const [r0, c0] = rc(cells[i - 1]);
        const [r1, c1] = rc(cells[i]);
        const jump = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0));
        s += jump <= 1 ? 0.3 : 0.3 + 2 * jump;
      }
      return s / Math.max(1, cells.length - 1);
    });
  },
};

describe('syntheticDetour', () => {
  it('shifts one contiguous interior run by `level` cells and keeps the endpoints', () => {
    const cells = straight(20, 5, 30);
    const d = syntheticDetour(cells, grid, makeRng(3), { level: 3, prob: 0.3 });
    expect(d.cells.length).toBe(cells.length);
    expect(d.end - d.start).toBe(Math.round(28 * 0.3));
    expect(d.start).toBeGreaterThanOrEqual(1);
    expect(d.end).toBeLessThanOrEqual(cells.length - 1);
    d.cells.forEach((c, i) => {
      if (i < d.start || i >= d.end) expect(c).toBe(cells[i]);
      else {
        const [r0, c0] = rc(cells[i]);
        const [r1, c1] = rc(c);
        expect([r1 - r0, c1 - c0]).toEqual([d.direction[0] * 3, d.direction[1] * 3]);
      }
    });
    // Deterministic for a given seed.
    expect(syntheticDetour(cells, grid, makeRng(3), { level: 3, prob: 0.3 })).toEqual(d);
  });

  it('leaves trips without an interior alone and clamps at the grid edge', () => {
    expect(syntheticDetour([1, 2], grid, makeRng(1)).cells).toEqual([1, 2]);
    expect(shiftCell(0, grid, -3, -3)).toBe(0);
    expect(shiftCell(grid.nCols - 1, grid, 0, 5)).toBe(grid.nCols - 1);
  });

  it('raises the anomaly score of a first-order cell model on average (AUC well above 0.5)', async () => {
    const rng = makeRng(11);
    const trips = Array.from({ length: 40 }, (_, i) => straight(5 + (i % 30), 3 + (i % 7), 12 + (i % 15)));
    const dist = await anomalyScoreDistribution(markovScorer, trips, grid, rng, { level: 3, prob: 0.3 }, 7);
    expect(dist.normal.length).toBe(40);
    expect(dist.perturbed.length).toBe(40);
    const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
    expect(mean(dist.perturbed)).toBeGreaterThan(mean(dist.normal));
    expect(dist.auc).toBeGreaterThan(0.9);
    expect(dist.detected).toBeGreaterThan(0.5);
  });
});

describe('rankAuc / histogram', () => {
  it('computes the Mann–Whitney AUC with ties and bins values', () => {
    expect(rankAuc([1, 2], [3, 4])).toBe(1);
    expect(rankAuc([1, 2], [0, 0])).toBe(0);
    expect(rankAuc([1], [1])).toBe(0.5);
    const h = histogram([0, 0.5, 1, 2, -5, 9], 0, 2, 4);
    expect(h.counts).toEqual([2, 1, 1, 2]);
  });
});
