// OpenStreetMap Overpass JSON → directed road network (HOSER roadmap.geo/.rel).
//
// Choices (documented in the data card):
// - Drivable classes are those of osmnx's "drive" network, which HOSER-style city networks are built
//   with: motorway, trunk, primary, secondary, tertiary (and their *_link), unclassified,
//   residential, living_street and road. `service` roads (parking aisles, driveways) are left out, as
//   osmnx does; so are ways with access/motor_vehicle/motorcar = no|private.
// - Ways are split at intersections (nodes used by ≥ 2 drivable way positions) and at their ends.
// - Each segment gives one road per allowed direction: both unless oneway=yes|true|1 (forward) or
//   -1|reverse (backward). Roundabouts (junction=roundabout|circular) and motorways are oneway
//   forward unless tagged oneway=no.
// - Crop: a segment is kept only when every point lies inside the box (no clipping, so each road is
//   a real OSM segment ending at a real intersection).
// - rel: a → b when a ends where b starts, except the U-turn onto a's own reverse twin.
// - Only the largest strongly connected component is kept, so that every road can reach every other.
import type { LonLat, Road, RoadNetwork } from './types';
import type { BBox } from '../geo';
import { inBox, polylineLengthM } from '../geo';
import { buildOut } from './hoserWriter';

export interface OsmNode {
  type: 'node';
  id: number;
  lat: number;
  lon: number;
  tags?: Record<string, string>;
}
export interface OsmWay {
  type: 'way';
  id: number;
  nodes: number[];
  tags?: Record<string, string>;
}
export interface OsmOther {
  type: string;
  id: number;
}
export type OsmElement = OsmNode | OsmWay | OsmOther;
export interface OverpassResponse {
  elements?: OsmElement[];
}

/**
 * The OSM highway classes the import keeps, in a fixed order: the id-free student (models/student.ts)
 * reads a road's class as its index here, so appending is safe and reordering is not.
 */
export const DRIVABLE_HIGHWAY_CLASSES = [
  'motorway',
  'motorway_link',
  'trunk',
  'trunk_link',
  'primary',
  'primary_link',
  'secondary',
  'secondary_link',
  'tertiary',
  'tertiary_link',
  'unclassified',
  'residential',
  'living_street',
  'road',
] as const;

export const DRIVABLE_HIGHWAYS: ReadonlySet<string> = new Set(DRIVABLE_HIGHWAY_CLASSES);

const NO_ACCESS = new Set(['no', 'private']);

export interface OsmImportReport {
  responses: number;
  nodesRead: number;
  waysRead: number;
  drivableWays: number;
  /** Drivable class but access/motor_vehicle/motorcar = no|private. */
  excludedByAccess: number;
  /** Drivable ways referring to a node absent from the input (those ways are skipped). */
  waysWithMissingNodes: number;
  segments: number;
  segmentsInBox: number;
  roadsBeforeScc: number;
  relsBeforeScc: number;
  components: number;
  largestComponent: number;
  roadsDropped: number;
  roads: number;
  rels: number;
}

export interface OsmImportOptions {
  /** Crop box [minLon, minLat, maxLon, maxLat]; none = keep all. */
  box?: BBox;
}

/** Internal directed road before id assignment. */
interface DraftRoad {
  wayId: number;
  seg: number;
  reverse: boolean;
  startNode: number;
  endNode: number;
  coords: LonLat[];
  highway: string;
}

type Direction = 'both' | 'forward' | 'backward';

export function wayDirection(tags: Record<string, string>): Direction {
  const ow = (tags.oneway ?? '').toLowerCase();
  if (ow === 'yes' || ow === 'true' || ow === '1') return 'forward';
  if (ow === '-1' || ow === 'reverse') return 'backward';
  if (ow === 'no' || ow === 'false' || ow === '0') return 'both';
  const j = tags.junction;
  if (j === 'roundabout' || j === 'circular') return 'forward';
  if (tags.highway === 'motorway') return 'forward';
  return 'both';
}

export function isDrivable(tags: Record<string, string> | undefined): 'yes' | 'class' | 'access' {
  if (!tags || !DRIVABLE_HIGHWAYS.has(tags.highway ?? '')) return 'class';
  if (tags.area === 'yes') return 'class';
  for (const k of ['access', 'motor_vehicle', 'motorcar']) {
    if (NO_ACCESS.has(tags[k] ?? '')) return 'access';
  }
  return 'yes';
}

/** Merges responses by element id (a later response overrides an earlier one). */
function mergeElements(responses: OverpassResponse[]): { nodes: Map<number, OsmNode>; ways: Map<number, OsmWay> } {
  const nodes = new Map<number, OsmNode>();
  const ways = new Map<number, OsmWay>();
  for (const r of responses) {
    for (const e of r.elements ?? []) {
      if (e.type === 'node') nodes.set(e.id, e as OsmNode);
      else if (e.type === 'way') ways.set(e.id, e as OsmWay);
    }
  }
  return { nodes, ways };
}

/**
 * Strongly connected components, iterative Tarjan (no recursion: the graph has 10⁴–10⁵ roads).
 * Returns the component index of every vertex.
 */
export function stronglyConnectedComponents(n: number, out: number[][]): { comp: Int32Array; count: number } {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const callV: number[] = [];
  const callI: number[] = [];
  let next = 0;
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    callV.push(s);
    callI.push(0);
    index[s] = low[s] = next++;
    stack.push(s);
    onStack[s] = 1;
    while (callV.length > 0) {
      const top = callV.length - 1;
      const v = callV[top];
      const i = callI[top];
      if (i < out[v].length) {
        callI[top] = i + 1;
        const w = out[v][i];
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          callV.push(w);
          callI.push(0);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      // v finished: pop its component if it is a root, then propagate low to the caller.
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          comp[w] = count;
        } while (w !== v);
        count++;
      }
      callV.pop();
      callI.pop();
      if (callV.length > 0) {
        const u = callV[callV.length - 1];
        low[u] = Math.min(low[u], low[v]);
      }
    }
  }
  return { comp, count };
}

export function importOsm(responses: OverpassResponse[], opts: OsmImportOptions = {}): { network: RoadNetwork; report: OsmImportReport } {
  const { nodes, ways } = mergeElements(responses);
  const wayIds = [...ways.keys()].sort((a, b) => a - b);

  // 1. Drivable ways, with consecutive duplicate node refs removed.
  let excludedByAccess = 0;
  let waysWithMissingNodes = 0;
  const drivable: { way: OsmWay; refs: number[] }[] = [];
  for (const id of wayIds) {
    const w = ways.get(id) as OsmWay;
    const d = isDrivable(w.tags);
    if (d === 'access') excludedByAccess++;
    if (d !== 'yes') continue;
    const refs: number[] = [];
    for (const r of w.nodes ?? []) if (refs[refs.length - 1] !== r) refs.push(r);
    if (refs.some((r) => !nodes.has(r))) {
      waysWithMissingNodes++;
      continue;
    }
    if (refs.length >= 2) drivable.push({ way: w, refs });
  }

  // 2. Node use counts: a node used at ≥ 2 way positions is an intersection. The closing node of a
  // closed way is the same position as its first node, so it is counted once.
  const uses = new Map<number, number>();
  for (const { refs } of drivable) {
    const closed = refs[0] === refs[refs.length - 1];
    const last = closed ? refs.length - 1 : refs.length;
    for (let i = 0; i < last; i++) uses.set(refs[i], (uses.get(refs[i]) ?? 0) + 1);
  }

  // 3. Split into segments and make directed draft roads (way id, segment index, forward first).
  const drafts: DraftRoad[] = [];
  let segments = 0;
  let segmentsInBox = 0;
  for (const { way, refs } of drivable) {
    const tags = way.tags ?? {};
    const dir = wayDirection(tags);
    let start = 0;
    let seg = 0;
    for (let i = 1; i < refs.length; i++) {
      const isEnd = i === refs.length - 1 || (uses.get(refs[i]) ?? 0) >= 2;
      if (!isEnd) continue;
      const ids = refs.slice(start, i + 1);
      start = i;
      segments++;
      const coords = ids.map((r) => {
        const n = nodes.get(r) as OsmNode;
        return [n.lon, n.lat] as LonLat;
      });
      const segIndex = seg++;
      if (opts.box && !coords.every((c) => inBox(c, opts.box as BBox))) continue;
      segmentsInBox++;
      const base = { wayId: way.id, seg: segIndex, highway: tags.highway ?? '' };
      if (dir !== 'backward') {
        drafts.push({ ...base, reverse: false, startNode: ids[0], endNode: ids[ids.length - 1], coords });
      }
      if (dir !== 'forward') {
        drafts.push({
          ...base,
          reverse: true,
          startNode: ids[ids.length - 1],
          endNode: ids[0],
          coords: coords.slice().reverse(),
        });
      }
    }
  }

  // 4. Connectivity: a → b when a.end = b.start, no U-turn onto the twin (same way and segment).
  const byStart = new Map<number, number[]>();
  drafts.forEach((d, i) => {
    const l = byStart.get(d.startNode);
    if (l) l.push(i);
    else byStart.set(d.startNode, [i]);
  });
  const isTwin = (a: DraftRoad, b: DraftRoad): boolean => a.wayId === b.wayId && a.seg === b.seg;
  const draftOut: number[][] = drafts.map((a) => (byStart.get(a.endNode) ?? []).filter((bi) => !isTwin(a, drafts[bi])));
  const relsBeforeScc = draftOut.reduce((s, l) => s + l.length, 0);

  // 5. Keep the largest strongly connected component (ties: the one holding the lowest road).
  const { comp, count } = stronglyConnectedComponents(drafts.length, draftOut);
  const sizes = new Int32Array(count);
  for (let i = 0; i < drafts.length; i++) sizes[comp[i]]++;
  let best = -1;
  for (let i = 0; i < drafts.length; i++) {
    if (best === -1 || sizes[comp[i]] > sizes[best]) best = comp[i];
  }
  const newId = new Int32Array(drafts.length).fill(-1);
  const roads: Road[] = [];
  for (let i = 0; i < drafts.length; i++) {
    if (comp[i] !== best) continue;
    newId[i] = roads.length;
    const d = drafts[i];
    roads.push({ id: roads.length, coords: d.coords, highway: d.highway, lengthM: polylineLengthM(d.coords) });
  }
  const ro: number[] = [];
  const rd: number[] = [];
  for (let i = 0; i < drafts.length; i++) {
    if (newId[i] < 0) continue;
    const targets = draftOut[i]
      .filter((j) => newId[j] >= 0)
      .map((j) => newId[j])
      .sort((a, b) => a - b);
    for (const t of targets) {
      ro.push(newId[i]);
      rd.push(t);
    }
  }
  const relOrigin = Int32Array.from(ro);
  const relDest = Int32Array.from(rd);
  const network: RoadNetwork = { roads, relOrigin, relDest, out: buildOut(roads.length, relOrigin, relDest) };

  const report: OsmImportReport = {
    responses: responses.length,
    nodesRead: nodes.size,
    waysRead: ways.size,
    drivableWays: drivable.length,
    excludedByAccess,
    waysWithMissingNodes,
    segments,
    segmentsInBox,
    roadsBeforeScc: drafts.length,
    relsBeforeScc,
    components: count,
    largestComponent: best >= 0 ? sizes[best] : 0,
    roadsDropped: drafts.length - roads.length,
    roads: roads.length,
    rels: relOrigin.length,
  };
  return { network, report };
}
