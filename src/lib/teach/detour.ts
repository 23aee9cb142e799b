// Synthetic detours, as LM-TAD evaluates anomaly detection (github.com/jonathankabala/LMTAD): a contiguous run
// of (len − 2)·prob interior cells is shifted by `level` grid cells in one of the 8 compass
// directions. The endpoints stay, so the trip still goes from the same origin to the same
// destination, only through cells a driver would not take.
import type { GridSpec } from '../data/derivedTypes';
import { tripToCells } from '../models/teacher';
import { DEFAULT_DETOUR, type DetourOptions } from './detourOptions';

export interface Detour {
  cells: number[];
  /** The shifted run is cells[start .. end) (end exclusive). */
  start: number;
  end: number;
  /** Row/column step of the shift (each in −1, 0, 1, not both 0) before scaling by level. */
  direction: [number, number];
}

const DIRECTIONS: [number, number][] = [
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, -1],
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
];

/** Moves one cell by (dRow, dCol) cells, clamped into the grid. */
export function shiftCell(cell: number, grid: Pick<GridSpec, 'nRows' | 'nCols'>, dRow: number, dCol: number): number {
  const row = Math.floor(cell / grid.nCols);
  const col = cell - row * grid.nCols;
  const r = Math.min(grid.nRows - 1, Math.max(0, row + dRow));
  const c = Math.min(grid.nCols - 1, Math.max(0, col + dCol));
  return r * grid.nCols + c;
}

/**
 * A detoured copy of a cell sequence. Trips with fewer than 3 cells have no interior and come back
 * unchanged (start = end). `rng` returns uniform numbers in [0, 1).
 */
export function syntheticDetour(
  cells: readonly number[],
  grid: Pick<GridSpec, 'nRows' | 'nCols'>,
  rng: () => number,
  opts: DetourOptions = DEFAULT_DETOUR,
): Detour {
  const n = cells.length;
  const direction = DIRECTIONS[Math.min(7, Math.floor(rng() * 8))];
  if (n < 3) return { cells: cells.slice(), start: 0, end: 0, direction };
  const len = Math.min(n - 2, Math.max(1, Math.round((n - 2) * opts.prob)));
  // Interior positions 1 .. n−2; the run must fit inside them.
  const start = 1 + Math.min(n - 2 - len, Math.floor(rng() * (n - 1 - len)));
  const end = start + len;
  const out = cells.slice();
  for (let i = start; i < end; i++) out[i] = shiftCell(cells[i], grid, direction[0] * opts.level, direction[1] * opts.level);
  return { cells: out, start, end, direction };
}

/** The same for a road sequence: ψ first (one cell per road), then the detour. */
export function roadsDetour(
  roads: readonly number[],
  roadCell: Int32Array,
  grid: Pick<GridSpec, 'nRows' | 'nCols'>,
  rng: () => number,
  opts: DetourOptions = DEFAULT_DETOUR,
  collapse = false,
): Detour {
  return syntheticDetour(tripToCells(roads, roadCell, collapse), grid, rng, opts);
}
