// The teacher grid per city: LM-TAD's cells over the city box that holds the network.
import { describe, expect, it } from 'vitest';
import { defaultPortoGrid, gridForBox, lmtadGrid } from '../../src/lib/data/grid';
import { PORTO_BOX, SF_BOX } from '../../src/lib/geo';
import type { BBox } from '../../src/lib/geo';

describe('gridForBox', () => {
  it('keeps the LM-TAD Porto grid (51 × 158 from the box corner)', () => {
    const g = defaultPortoGrid();
    expect([g.minLon, g.minLat, g.nRows, g.nCols]).toEqual([-8.690261, 41.140092, 51, 158]);
    expect(gridForBox([-8.65, 41.15, -8.6, 41.17])).toEqual(g);
  });

  it('gives San Francisco its own grid covering the SF box, with the same cell size', () => {
    const g = gridForBox([-122.48, 37.781, -122.4, 37.81]);
    expect(g).toEqual(lmtadGrid(SF_BOX));
    expect([g.minLon, g.minLat, g.nRows, g.nCols]).toEqual([-122.485, 37.7805, 34, 102]);
    expect(g.minLat + g.nRows * g.latStep).toBeGreaterThanOrEqual(SF_BOX[3]);
    expect(g.minLon + g.nCols * g.lonStep).toBeGreaterThanOrEqual(SF_BOX[2]);
    expect([g.lonStep, g.latStep]).toEqual([defaultPortoGrid().lonStep, defaultPortoGrid().latStep]);
  });

  it('covers a network outside every city box with a grid of its own', () => {
    const box: BBox = [2.3, 48.85, 2.32, 48.86];
    expect(gridForBox(box)).toEqual(lmtadGrid(box));
    expect(gridForBox(PORTO_BOX)).toEqual(defaultPortoGrid());
  });
});
