// Writes a Dataset in the HOSER/LibCity text format. The reader in hoserReader.ts
// accepts everything written here; a round-trip test guards that.
import Papa from 'papaparse';
import type { Dataset, RoadNetwork, Route, Trajectory, TextFile } from './types';
import { SPLITS } from './types';

/** ISO-8601 UTC without milliseconds, the HOSER time_list format: 2013-07-01T00:00:58Z. */
export function formatHoserTime(unixSeconds: number): string {
  return new Date(Math.round(unixSeconds) * 1000).toISOString().replace('.000Z', 'Z');
}

function coordsJson(coords: [number, number][]): string {
  // 7 decimals ≈ 1 cm: lossless for OSM coordinates and compact.
  return '[' + coords.map((c) => `[${+c[0].toFixed(7)},${+c[1].toFixed(7)}]`).join(',') + ']';
}

export function writeRoadmapGeo(net: RoadNetwork): string {
  const rows = net.roads.map((r) => [r.id, 'LineString', coordsJson(r.coords), r.highway, +r.lengthM.toFixed(3)]);
  return Papa.unparse({ fields: ['geo_id', 'type', 'coordinates', 'highway', 'length'], data: rows }, { newline: '\n' }) + '\n';
}

export function writeRoadmapRel(net: RoadNetwork): string {
  const rows: (string | number)[][] = [];
  for (let i = 0; i < net.relOrigin.length; i++) rows.push([i, 'geo', net.relOrigin[i], net.relDest[i]]);
  return Papa.unparse({ fields: ['rel_id', 'type', 'origin_id', 'destination_id'], data: rows }, { newline: '\n' }) + '\n';
}

export function writeTrajectories(trips: Trajectory[]): string {
  const rows = trips.map((t) => [t.id, t.roads.join(','), t.times.map(formatHoserTime).join(',')]);
  // Lists are always quoted; the header is written by hand because Papa applies `quotes` to it too.
  const body = Papa.unparse(rows, { newline: '\n', quotes: [false, true, true] });
  return 'traj_id,rid_list,time_list\n' + (body ? body + '\n' : '');
}

export function writeRoutes(routes: Route[]): string {
  const rows = routes.map((r) => [r.id, r.roads.join(','), r.source]);
  const body = Papa.unparse(rows, { newline: '\n', quotes: [false, true, false] });
  return 'route_id,rid_list,source\n' + (body ? body + '\n' : '');
}

/** All files of a dataset. Empty splits are omitted (a roadmap alone is a valid dataset). */
export function writeHoserDataset(ds: Dataset): TextFile[] {
  const files: TextFile[] = [
    { name: 'roadmap.geo', text: writeRoadmapGeo(ds.network) },
    { name: 'roadmap.rel', text: writeRoadmapRel(ds.network) },
  ];
  for (const s of SPLITS) {
    if (ds.splits[s].length > 0) files.push({ name: `${s}.csv`, text: writeTrajectories(ds.splits[s]) });
  }
  if (ds.routes && ds.routes.length > 0) files.push({ name: 'routes.csv', text: writeRoutes(ds.routes) });
  return files;
}

/** Builds the `out` adjacency from rel arrays (file order preserved). */
export function buildOut(nRoads: number, relOrigin: Int32Array, relDest: Int32Array): number[][] {
  const out: number[][] = Array.from({ length: nRoads }, () => []);
  for (let i = 0; i < relOrigin.length; i++) out[relOrigin[i]].push(relDest[i]);
  return out;
}
