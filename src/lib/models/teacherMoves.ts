// The move vocabulary of a teacher that crosses cities (TeacherConfig.moves, beyond LM-TAD).
//
// A cell-token teacher's embedding rows are one city's grid cells, so nothing it learned means
// anything on another network. A moves teacher reads and predicts the step from one cell to the
// next, (Δrow, Δcol) within `radius` cells, or FAR beyond it; where a trip goes comes from the
// destination offsets of destRelative, which are in km. None of its weights names a cell, so the
// same weights run on any grid of about the same cell size (LM-TAD's: 100 m north–south, 75 m
// east–west in Porto, 79 m in San Francisco).
//
// Outside the model every token stays a cell id of the city's grid (training sequences, windows,
// the candidates' cells), so batches, windows and ψ are the same for both kinds of teacher; the
// model turns cells into moves on the way in and moves back into cells on the way out.
import type { GridSpec } from '../data/derivedTypes';

/** Token ids of the move vocabulary: the (2r+1)² moves, then FAR, START, DEST, PAD, EOT, SOT. */
export interface MoveVocab {
  radius: number;
  /** 2·radius + 1: moves are laid out row-major over Δrow, Δcol ∈ [−radius, radius]. */
  side: number;
  /** The next cell lies more than `radius` rows or columns away. */
  far: number;
  /** The first cell of a sequence or window: it has no cell before it to move from. */
  start: number;
  /** The destination cell after SOT (a destination-conditioned teacher). */
  dest: number;
  pad: number;
  eot: number;
  sot: number;
  size: number;
}

export function moveVocab(radius: number): MoveVocab {
  if (!Number.isInteger(radius) || radius < 1) throw new Error(`move radius must be a whole number ≥ 1, got ${radius}`);
  const side = 2 * radius + 1;
  const n = side * side;
  return { radius, side, far: n, start: n + 1, dest: n + 2, pad: n + 3, eot: n + 4, sot: n + 5, size: n + 6 };
}

/** The move token from cell `from` to cell `to` of a grid with `nCols` columns (FAR beyond the radius). */
export function moveIndex(mv: MoveVocab, nCols: number, from: number, to: number): number {
  const dr = Math.floor(to / nCols) - Math.floor(from / nCols);
  const dc = (to % nCols) - (from % nCols);
  if (Math.abs(dr) > mv.radius || Math.abs(dc) > mv.radius) return mv.far;
  return (dr + mv.radius) * mv.side + dc + mv.radius;
}

/** The cell-vocabulary layout the moves are read from: cells 0…nCells−1, then PAD, EOT, SOT. */
export interface CellTokens {
  grid: GridSpec;
  nCells: number;
  /** Whether position 1 (after SOT) holds the destination cell. */
  destination: boolean;
}

/**
 * A row of cell tokens ([SOT, destination?, c1 … cn, EOT?, PAD…]) as move tokens of the same length:
 * each cell becomes the move from the cell before it, the first cell after SOT (or after the
 * destination) becomes START, the destination DEST.
 */
export function toMoveTokens(row: readonly number[], cells: CellTokens, mv: MoveVocab): number[] {
  const { nCells, destination } = cells;
  const nCols = cells.grid.nCols;
  const out = new Array<number>(row.length);
  for (let i = 0; i < row.length; i++) {
    const t = row[i];
    if (t >= nCells) {
      const k = t - nCells; // 0 PAD, 1 EOT, 2 SOT
      out[i] = k === 0 ? mv.pad : k === 1 ? mv.eot : mv.sot;
    } else if (destination && i === 1 && row[0] === nCells + 2) out[i] = mv.dest;
    else if (i === 0 || row[i - 1] >= nCells || (destination && i === 2 && row[0] === nCells + 2)) out[i] = mv.start;
    else out[i] = moveIndex(mv, nCols, row[i - 1], t);
  }
  return out;
}

/** Cells of the grid within `radius` rows and columns of `cell` (itself included). */
export function cellsWithin(grid: GridSpec, cell: number, radius: number): number {
  const r = Math.floor(cell / grid.nCols);
  const c = cell % grid.nCols;
  const rows = Math.min(grid.nRows - 1, r + radius) - Math.max(0, r - radius) + 1;
  const cols = Math.min(grid.nCols - 1, c + radius) - Math.max(0, c - radius) + 1;
  return rows * cols;
}

/**
 * Where a cell's log-probability comes from after a sequence ending in `last` (a cell token, or a
 * special token or the destination when no trip cell precedes the prediction): the column of the
 * move-vocabulary log-probabilities, extended by three columns — FAR's mass shared by every cell
 * beyond the radius (`farShare`), START's mass shared by all cells (`startShare`) and an impossible
 * token (`never`: PAD, SOT, anything that is not a cell or EOT).
 */
export interface MoveColumns {
  farShare: number;
  startShare: number;
  never: number;
  /** Columns of the extended row: mv.size + 3. */
  width: number;
}

export function moveColumns(mv: MoveVocab): MoveColumns {
  return { farShare: mv.size, startShare: mv.size + 1, never: mv.size + 2, width: mv.size + 3 };
}

/**
 * The extended-row column of cell token `target` after a sequence ending in cell `lastCell`
 * (`lastIsTripCell` false: the sequence has no trip cell yet, so every cell shares START's mass).
 */
export function moveColumnOf(
  mv: MoveVocab,
  cols: MoveColumns,
  cells: CellTokens,
  lastCell: number,
  lastIsTripCell: boolean,
  target: number,
): number {
  if (target === cells.nCells + 1) return mv.eot;
  if (target < 0 || target >= cells.nCells) return cols.never;
  if (!lastIsTripCell) return cols.startShare;
  const m = moveIndex(mv, cells.grid.nCols, lastCell, target);
  return m === mv.far ? cols.farShare : m;
}
