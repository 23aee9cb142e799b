// Grid cells ψ as map polygons (the teacher's tokens drawn where they are).
import type { GridSpec } from '../data/derivedTypes';

export type Ring = [number, number][];

/** Closed lon/lat ring of a cell token (row·nCols + col). */
export function cellPolygon(spec: GridSpec, cell: number): Ring {
  const row = Math.floor(cell / spec.nCols);
  const col = cell - row * spec.nCols;
  const w = spec.minLon + col * spec.lonStep;
  const s = spec.minLat + row * spec.latStep;
  const e = w + spec.lonStep;
  const n = s + spec.latStep;
  return [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ];
}
