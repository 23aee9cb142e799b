// A parsed Dataset as flat typed arrays, so that the data worker, which parses the HOSER files once,
// can hand the result to the model workers by transfer (postMessage's transfer list) instead of
// each of them downloading and parsing the CSV text again. unpackDataset(packDataset(d)) equals d.
//
// Roads in CSR form (coordinates, highway class as an index into a table of class names, length),
// roadmap.rel as its two id arrays plus the outgoing lists in CSR form, and each split's trips as
// PackedTrips do it (src/lib/sim/packedTrips.ts), but with exact timestamps (Float64) and the trips'
// own ids: strings travel as one UTF-8 buffer with end offsets. Packing copies: the packer keeps
// its Dataset usable after the buffers are transferred away.
//
// Framework-free: runs in workers, Node and tests.
import type { Dataset, DatasetSample, Road, RoadNetwork, Route, SplitName, Trajectory } from './types';
import { SPLITS } from './types';

/** Strings as one UTF-8 buffer; string i ends at `ends[i]` characters into the decoded text. */
export interface PackedStrings {
  utf8: Uint8Array;
  ends: Uint32Array;
}

export interface PackedRoads {
  count: number;
  /** Road i's vertices are lonLat[2·coordStarts[i] .. 2·coordStarts[i+1]). */
  coordStarts: Uint32Array;
  lonLat: Float64Array;
  /** Index into `highwayNames`. */
  highway: Uint32Array;
  highwayNames: PackedStrings;
  lengthM: Float64Array;
}

/** Trips (or untimed routes, without `times`) in CSR form. */
export interface PackedPaths {
  count: number;
  /** Path i's roads are roads[offsets[i] .. offsets[i+1]). */
  offsets: Uint32Array;
  roads: Int32Array;
  ids: PackedStrings;
}

export interface PackedTripSet extends PackedPaths {
  /** Entry time of every road, unix seconds, as read. */
  times: Float64Array;
}

export interface PackedRouteSet extends PackedPaths {
  sources: PackedStrings;
}

export interface PackedDataset {
  name: string;
  roads: PackedRoads;
  relOrigin: Int32Array;
  relDest: Int32Array;
  /** Outgoing neighbours in CSR form: road i's are outTargets[outStarts[i] .. outStarts[i+1]). */
  outStarts: Uint32Array;
  outTargets: Int32Array;
  splits: Record<SplitName, PackedTripSet>;
  routes?: PackedRouteSet;
  /** Dataset.sampledFrom: the splits are a seeded sample of a bigger set. */
  sampledFrom?: DatasetSample;
}

function packStrings(list: readonly string[]): PackedStrings {
  const ends = new Uint32Array(list.length);
  let n = 0;
  list.forEach((s, i) => (ends[i] = n += s.length));
  return { utf8: new TextEncoder().encode(list.join('')), ends };
}

function unpackStrings(p: PackedStrings): string[] {
  const text = new TextDecoder().decode(p.utf8);
  const out = new Array<string>(p.ends.length);
  let a = 0;
  p.ends.forEach((b, i) => {
    out[i] = text.slice(a, b);
    a = b;
  });
  return out;
}

function packRoads(roads: readonly Road[]): PackedRoads {
  let verts = 0;
  for (const r of roads) verts += r.coords.length;
  const coordStarts = new Uint32Array(roads.length + 1);
  const lonLat = new Float64Array(2 * verts);
  const highway = new Uint32Array(roads.length);
  const lengthM = new Float64Array(roads.length);
  const names = new Map<string, number>();
  let v = 0;
  roads.forEach((r, i) => {
    if (r.id !== i) throw new Error(`road ${i} has id ${r.id}: roads must be numbered 0..N-1 in order`);
    coordStarts[i] = v;
    for (const [lon, lat] of r.coords) {
      lonLat[2 * v] = lon;
      lonLat[2 * v + 1] = lat;
      v++;
    }
    let h = names.get(r.highway);
    if (h === undefined) names.set(r.highway, (h = names.size));
    highway[i] = h;
    lengthM[i] = r.lengthM;
  });
  coordStarts[roads.length] = v;
  return { count: roads.length, coordStarts, lonLat, highway, highwayNames: packStrings([...names.keys()]), lengthM };
}

function unpackRoads(p: PackedRoads): Road[] {
  const names = unpackStrings(p.highwayNames);
  const roads = new Array<Road>(p.count);
  for (let i = 0; i < p.count; i++) {
    const coords: [number, number][] = [];
    for (let v = p.coordStarts[i]; v < p.coordStarts[i + 1]; v++) coords.push([p.lonLat[2 * v], p.lonLat[2 * v + 1]]);
    roads[i] = { id: i, coords, highway: names[p.highway[i]], lengthM: p.lengthM[i] };
  }
  return roads;
}

function packPaths(list: readonly { id: string; roads: readonly number[] }[]): PackedPaths {
  let total = 0;
  for (const t of list) total += t.roads.length;
  const offsets = new Uint32Array(list.length + 1);
  const roads = new Int32Array(total);
  let k = 0;
  list.forEach((t, i) => {
    offsets[i] = k;
    roads.set(t.roads, k);
    k += t.roads.length;
  });
  offsets[list.length] = k;
  return { count: list.length, offsets, roads, ids: packStrings(list.map((t) => t.id)) };
}

function packTripSet(trips: readonly Trajectory[]): PackedTripSet {
  const paths = packPaths(trips);
  const times = new Float64Array(paths.roads.length);
  trips.forEach((t, i) => times.set(t.times, paths.offsets[i]));
  return { ...paths, times };
}

function unpackTripSet(p: PackedTripSet): Trajectory[] {
  const ids = unpackStrings(p.ids);
  const out = new Array<Trajectory>(p.count);
  for (let i = 0; i < p.count; i++) {
    const a = p.offsets[i];
    const b = p.offsets[i + 1];
    out[i] = { id: ids[i], roads: Array.from(p.roads.subarray(a, b)), times: Array.from(p.times.subarray(a, b)) };
  }
  return out;
}

function unpackRouteSet(p: PackedRouteSet): Route[] {
  const ids = unpackStrings(p.ids);
  const sources = unpackStrings(p.sources);
  const out = new Array<Route>(p.count);
  for (let i = 0; i < p.count; i++)
    out[i] = { id: ids[i], roads: Array.from(p.roads.subarray(p.offsets[i], p.offsets[i + 1])), source: sources[i] };
  return out;
}

function packOut(out: readonly (readonly number[])[]): { outStarts: Uint32Array; outTargets: Int32Array } {
  const outStarts = new Uint32Array(out.length + 1);
  let n = 0;
  out.forEach((o, i) => {
    outStarts[i] = n;
    n += o.length;
  });
  outStarts[out.length] = n;
  const outTargets = new Int32Array(n);
  out.forEach((o, i) => outTargets.set(o, outStarts[i]));
  return { outStarts, outTargets };
}

/** The dataset as typed arrays (copies: `d` stays usable when they are transferred away). */
export function packDataset(d: Dataset): PackedDataset {
  const net = d.network;
  const splits = {} as Record<SplitName, PackedTripSet>;
  for (const s of SPLITS) splits[s] = packTripSet(d.splits[s]);
  return {
    name: d.name,
    roads: packRoads(net.roads),
    relOrigin: net.relOrigin.slice(),
    relDest: net.relDest.slice(),
    ...packOut(net.out),
    splits,
    ...(d.routes ? { routes: { ...packPaths(d.routes), sources: packStrings(d.routes.map((r) => r.source)) } } : {}),
    ...(d.sampledFrom ? { sampledFrom: { ...d.sampledFrom, total: { ...d.sampledFrom.total } } } : {}),
  };
}

export function unpackDataset(p: PackedDataset): Dataset {
  const out: number[][] = [];
  for (let i = 0; i < p.roads.count; i++) out.push(Array.from(p.outTargets.subarray(p.outStarts[i], p.outStarts[i + 1])));
  const network: RoadNetwork = { roads: unpackRoads(p.roads), relOrigin: p.relOrigin, relDest: p.relDest, out };
  const splits = {} as Record<SplitName, Trajectory[]>;
  for (const s of SPLITS) splits[s] = unpackTripSet(p.splits[s]);
  return {
    name: p.name,
    network,
    splits,
    ...(p.routes ? { routes: unpackRouteSet(p.routes) } : {}),
    ...(p.sampledFrom ? { sampledFrom: p.sampledFrom } : {}),
  };
}

/** Every buffer of a packed dataset, for a postMessage transfer list. */
export function packedDatasetTransferables(p: PackedDataset): ArrayBuffer[] {
  const strings = (s: PackedStrings) => [s.utf8, s.ends];
  const paths = (t: PackedPaths) => [t.offsets, t.roads, ...strings(t.ids)];
  const arrays = [
    p.roads.coordStarts,
    p.roads.lonLat,
    p.roads.highway,
    p.roads.lengthM,
    ...strings(p.roads.highwayNames),
    p.relOrigin,
    p.relDest,
    p.outStarts,
    p.outTargets,
    ...SPLITS.flatMap((s) => [...paths(p.splits[s]), p.splits[s].times]),
    ...(p.routes ? [...paths(p.routes), ...strings(p.routes.sources)] : []),
  ];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
