// Grid vocabulary ψ of the teacher (thesis Def. 3, LM-TAD tokenisation): a road maps to the grid
// cell of its centroid; special tokens follow the cells.
import type { BBox } from '../geo';
import { PORTO_BOX, SF_BOX } from '../geo';
import type { GridSpec, GridVocab, RoadFeatures } from './derivedTypes';
import type { LonLat } from './types';

/** LM-TAD's cell size constants: 0.1 km per lat step, lon step without a cos(lat) factor. */
const KM_PER_DEG_LAT = 110.574;
const KM_PER_DEG_LON = 111.32;
const LMTAD_LON_FACTOR = 0.99974;

/**
 * LM-TAD's grid over `box` ([minLon, minLat, maxLon, maxLat]): its constant steps from the box's
 * south-west corner, as many rows and columns as cover the box.
 */
export function lmtadGrid(box: BBox): GridSpec {
  return gridOver(box, 0.1 / KM_PER_DEG_LON / LMTAD_LON_FACTOR, 0.1 / KM_PER_DEG_LAT);
}

/** As many cells of the given steps (degrees) as cover `box`, from its south-west corner. */
function gridOver(box: BBox, lonStep: number, latStep: number): GridSpec {
  return {
    minLon: box[0],
    minLat: box[1],
    lonStep,
    latStep,
    nRows: Math.max(1, Math.ceil((box[3] - box[1]) / latStep)),
    nCols: Math.max(1, Math.ceil((box[2] - box[0]) / lonStep)),
  };
}

/** The LM-TAD Porto grid: 51 rows × 158 cols of ≈100 m × 75 m. */
export function defaultPortoGrid(): GridSpec {
  return lmtadGrid(PORTO_BOX);
}

/** The city boxes a grid is anchored to; a network elsewhere gets a grid over its own box. */
const CITY_BOXES: readonly BBox[] = [PORTO_BOX, SF_BOX];

/**
 * The teacher grid of a network whose roads span `networkBox`: LM-TAD's grid over the city box
 * holding it (Porto: 51 × 158; San Francisco: 34 × 102 of ≈100 m × 79 m), so every dataset of one
 * city shares one vocabulary; otherwise LM-TAD's grid over the network's own box.
 */
export function gridForBox(networkBox: BBox): GridSpec {
  const city = CITY_BOXES.find((b) => networkBox[0] >= b[0] && networkBox[1] >= b[1] && networkBox[2] <= b[2] && networkBox[3] <= b[3]);
  return lmtadGrid(city ?? networkBox);
}

/**
 * A grid covering `box` ([minLon, minLat, maxLon, maxLat]) with cells of about `cellMeters`.
 * Unlike LM-TAD's constant, the lon step uses cos(mid-latitude) so cells are square on the ground.
 */
export function gridFromBox(box: BBox, cellMeters = 100): GridSpec {
  const km = cellMeters / 1000;
  const latStep = km / KM_PER_DEG_LAT;
  const midLat = (box[1] + box[3]) / 2;
  return gridOver(box, km / (KM_PER_DEG_LON * Math.cos((midLat * Math.PI) / 180)), latStep);
}

/** A cell's size on the ground in km: north–south, and east–west at the grid's middle latitude. */
export function cellSizeKm(g: GridSpec): { ns: number; ew: number } {
  const midLat = g.minLat + (g.nRows * g.latStep) / 2;
  return { ns: KM_PER_DEG_LAT * g.latStep, ew: KM_PER_DEG_LON * g.lonStep * Math.cos((midLat * Math.PI) / 180) };
}

function clampIndex(x: number, n: number): number {
  if (!(x >= 0)) return 0; // also catches NaN
  return x >= n ? n - 1 : x;
}

/** Cell token of a point, row·nCols + col, with row/col clamped into the grid. */
export function cellOf(spec: GridSpec, lon: number, lat: number): number {
  const i = clampIndex(Math.floor((lat - spec.minLat) / spec.latStep), spec.nRows);
  const j = clampIndex(Math.floor((lon - spec.minLon) / spec.lonStep), spec.nCols);
  return i * spec.nCols + j;
}

/** Centre of a cell token. */
export function cellCenter(spec: GridSpec, cell: number): LonLat {
  const i = Math.floor(cell / spec.nCols);
  const j = cell - i * spec.nCols;
  return [spec.minLon + (j + 0.5) * spec.lonStep, spec.minLat + (i + 0.5) * spec.latStep];
}

export function buildGridVocab(spec: GridSpec, features: RoadFeatures): GridVocab {
  const nCells = spec.nRows * spec.nCols;
  const roadCell = new Int32Array(features.n);
  const roadEndCell = new Int32Array(features.n);
  for (let r = 0; r < features.n; r++) {
    roadCell[r] = cellOf(spec, features.centroid[2 * r], features.centroid[2 * r + 1]);
    roadEndCell[r] = cellOf(spec, features.end[2 * r], features.end[2 * r + 1]);
  }
  return {
    spec,
    nCells,
    pad: nCells,
    eot: nCells + 1,
    sot: nCells + 2,
    vocabSize: nCells + 3,
    roadCell,
    roadEndCell,
  };
}
