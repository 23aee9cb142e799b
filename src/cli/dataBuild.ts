// `data build --src <dir> --out <dir>`: raw Porto inputs → the embedded HOSER dataset (issue 2, item 6).
// OSM Overpass JSON (<src>/osm/*.tgz) → road network cropped to the LM-TAD box; ECML/PKDD GPS
// traces (<src>/gps/*.csv) fully inside the box → HMM map matching → OD-disjoint 7:1:2 split →
// roadmap.geo/.rel + train/val/test.csv, DATA_CARD.md and build-report.json in <out>.
// The CSVs are deterministic (same bytes on every run); only the card and report carry the build time.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { flagNumber, flagString, parseArgs } from './args';
import { importOsm } from '../lib/data/osmImport';
import type { OsmImportReport, OverpassResponse } from '../lib/data/osmImport';
import { mergeGpsResults, parseGpsCsv } from '../lib/data/gpsTraces';
import type { GpsParseResult } from '../lib/data/gpsTraces';
import { addCounters, createMapMatcher, DEFAULT_MATCH_OPTIONS, emptyCounters } from '../lib/data/mapMatch';
import type { MatchCounters, MatchOptions } from '../lib/data/mapMatch';
import { odSplit } from '../lib/data/odSplit';
import { writeHoserDataset } from '../lib/data/hoserWriter';
import { datasetStats } from '../lib/data/stats';
import type { DatasetStats } from '../lib/data/stats';
import type { Dataset, Trajectory } from '../lib/data/types';
import { SPLITS } from '../lib/data/types';
import { PORTO_BOX, inBox } from '../lib/geo';

/** Matched pieces shorter than this many roads are dropped. */
const MIN_ROADS = 5;

const USAGE = `usage: data build --src <dir> --out <dir> [--seed 42] [--min-roads ${MIN_ROADS}]
  <src>/osm/*.tgz   Overpass JSON responses (tar.gz)
  <src>/gps/*.csv   ECML/PKDD Porto CSV (POLYLINE) or WKT (shape + timestamps)`;

/** Regular files of a .tar.gz as (name, bytes), in archive order. Handles ustar prefix, pax and GNU long names. */
export function readTarGz(buf: Buffer): { name: string; data: Buffer }[] {
  const tar = gunzipSync(buf);
  const files: { name: string; data: Buffer }[] = [];
  const str = (b: Buffer): string => {
    const z = b.indexOf(0);
    return b.subarray(0, z >= 0 ? z : b.length).toString('utf8');
  };
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = parseInt(str(h.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(h.subarray(345, 500));
    let name = str(h.subarray(0, 100));
    if (prefix) name = `${prefix}/${name}`;
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = str(data);
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (type === '0' || type === '7') files.push({ name: longName ?? name, data: Buffer.from(data) });
    longName = null;
  }
  return files;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

export interface BuildReport {
  inputs: { osmFiles: string[]; overpassResponses: number; otherJson: number; gpsFiles: string[] };
  osm: OsmImportReport;
  gps: { rows: number; parsed: number; skipped: Record<string, number>; outsideBox: number; insideBox: number };
  matching: {
    options: MatchOptions;
    sigmaEstimateM: number;
    counters: MatchCounters;
    tripsMatched: number;
    tripsSplit: number;
    dropped: Record<string, number>;
    piecesDroppedShort: number;
    shareKeptOfInsideBox: number;
    shareKeptOfRows: number;
    pointDistMedianM: number;
    pointDistP95M: number;
    matchSeconds: number;
  };
  split: { seed: number; odPairs: number };
  stats: DatasetStats;
  avgPathKm: number;
  files: Record<string, { bytes: number; sha256: string }>;
  buildSeconds: number;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args);
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let src: string;
  let out: string;
  try {
    src = flagString(p, 'src');
    out = flagString(p, 'out');
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const seed = flagNumber(p, 'seed', 42);
  const minRoads = flagNumber(p, 'min-roads', MIN_ROADS);
  const t0 = performance.now();
  const log = (s: string): void => console.error(`[data build ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

  // 1. OSM → road network.
  const osmDir = join(src, 'osm');
  const osmFiles = (await readdir(osmDir)).filter((f) => f.endsWith('.tgz') || f.endsWith('.tar.gz')).sort();
  if (osmFiles.length === 0) throw new Error(`no .tgz in ${osmDir}`);
  const responses: OverpassResponse[] = [];
  let otherJson = 0;
  for (const f of osmFiles) {
    const entries = readTarGz(await readFile(join(osmDir, f)))
      .filter((e) => e.name.endsWith('.json'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const j: unknown = JSON.parse(e.data.toString('utf8'));
      // The osmnx cache also holds Nominatim answers (plain arrays): not Overpass, skip them.
      if (j && typeof j === 'object' && Array.isArray((j as OverpassResponse).elements)) responses.push(j as OverpassResponse);
      else otherJson++;
    }
  }
  const { network, report: osm } = importOsm(responses, { box: PORTO_BOX });
  log(`OSM: ${responses.length} responses, ${osm.waysRead} ways, ${osm.drivableWays} drivable → ${osm.roads} roads, ${osm.rels} rels (dropped ${osm.roadsDropped} outside the largest SCC)`);

  // 2. GPS traces.
  const gpsDir = join(src, 'gps');
  const gpsFiles = (await readdir(gpsDir)).filter((f) => f.endsWith('.csv')).sort();
  const parsedFiles: GpsParseResult[] = [];
  for (const f of gpsFiles) parsedFiles.push(parseGpsCsv(await readFile(join(gpsDir, f), 'utf8'), f));
  const gps = mergeGpsResults(parsedFiles);
  const inside = gps.traces.filter((t) => t.points.every((q) => inBox(q, PORTO_BOX)));
  log(`GPS: ${gps.rows} rows, ${gps.traces.length} traces, ${inside.length} fully inside the box`);

  // 3. Map matching. σ from the data as Newson & Krumm do (1.4826 × median distance to the nearest
  // road, a robust std estimate), kept within 4–10 m.
  const probe = createMapMatcher(network);
  const nearest: number[] = [];
  for (const t of inside) for (const q of t.points) {
    const d = probe.nearestRoadDistM(q);
    if (d < Infinity) nearest.push(d);
  }
  nearest.sort((a, b) => a - b);
  const sigmaEstimateM = 1.4826 * quantile(nearest, 0.5);
  const options: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, sigmaM: r2(Math.min(10, Math.max(4, sigmaEstimateM))) };
  const matcher = createMapMatcher(network, options);
  const tm = performance.now();
  const counters = emptyCounters();
  const dropped: Record<string, number> = {};
  const trips: Trajectory[] = [];
  const dists: number[] = [];
  let tripsSplit = 0;
  let piecesDroppedShort = 0;
  let tripsMatched = 0;
  for (const t of inside) {
    const res = matcher.match(t.points, t.times);
    addCounters(counters, res.counters);
    const good = res.pieces.filter((pc) => pc.roads.length >= minRoads);
    piecesDroppedShort += res.pieces.length - good.length;
    if (good.length === 0) {
      const why = res.pieces.length === 0 ? 'no road near any point' : `fewer than ${minRoads} roads matched`;
      dropped[why] = (dropped[why] ?? 0) + 1;
      continue;
    }
    tripsMatched++;
    if (good.length > 1) tripsSplit++;
    good.forEach((pc, i) => {
      trips.push({
        id: good.length > 1 ? `${t.id}-${i + 1}` : t.id,
        roads: pc.roads,
        times: pc.times.map((x) => Math.round(x)),
      });
      dists.push(...pc.pointDistM);
    });
  }
  const matchSeconds = (performance.now() - tm) / 1000;
  dists.sort((a, b) => a - b);
  log(`matched ${tripsMatched}/${inside.length} trips → ${trips.length} trajectories in ${matchSeconds.toFixed(1)}s`);

  // 4. OD-disjoint split and output.
  const splits = odSplit(trips, { seed });
  const ds: Dataset = { name: 'porto', network, splits };
  const files = writeHoserDataset(ds);
  await mkdir(out, { recursive: true });
  const fileInfo: Record<string, { bytes: number; sha256: string }> = {};
  for (const f of files) {
    await writeFile(join(out, f.name), f.text);
    fileInfo[f.name] = {
      bytes: Buffer.byteLength(f.text),
      sha256: createHash('sha256').update(f.text).digest('hex'),
    };
  }
  const stats = datasetStats(ds);
  let pathM = 0;
  for (const s of SPLITS) for (const t of splits[s]) for (const r of t.roads) pathM += network.roads[r].lengthM;

  const report: BuildReport = {
    inputs: { osmFiles, overpassResponses: responses.length, otherJson, gpsFiles },
    osm,
    gps: {
      rows: gps.rows,
      parsed: gps.traces.length,
      skipped: gps.skipped,
      outsideBox: gps.traces.length - inside.length,
      insideBox: inside.length,
    },
    matching: {
      options,
      sigmaEstimateM: r2(sigmaEstimateM),
      counters,
      tripsMatched,
      tripsSplit,
      dropped,
      piecesDroppedShort,
      shareKeptOfInsideBox: r2((100 * tripsMatched) / Math.max(1, inside.length)) / 100,
      shareKeptOfRows: r2((100 * tripsMatched) / Math.max(1, gps.rows)) / 100,
      pointDistMedianM: r2(quantile(dists, 0.5)),
      pointDistP95M: r2(quantile(dists, 0.95)),
      matchSeconds: r2(matchSeconds),
    },
    split: { seed, odPairs: new Set(trips.map((t) => `${t.roads[0]}>${t.roads[t.roads.length - 1]}`)).size },
    stats,
    avgPathKm: r2(pathM / 1000 / Math.max(1, trips.length)),
    files: fileInfo,
    buildSeconds: r2((performance.now() - t0) / 1000),
  };
  await writeFile(join(out, 'build-report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(out, 'DATA_CARD.md'), dataCard(report));
  log(`wrote ${files.map((f) => f.name).join(', ')}, DATA_CARD.md, build-report.json to ${out} (${report.buildSeconds}s)`);
  return 0;
}

function dataCard(r: BuildReport): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const s = r.stats;
  const m = r.matching;
  const c = m.counters;
  const kv = (o: Record<string, number>): string =>
    Object.keys(o).length === 0 ? 'none' : Object.entries(o).map(([k, v]) => `${k}: ${n(v)}`).join('; ');
  return `# Porto — embedded default dataset

Built by \`npm run data:build\` (\`src/cli/dataBuild.ts\`) from the raw inputs in \`../shared/data/porto/\`.
The CSV files are deterministic: a re-run writes the same bytes (sha256 in \`build-report.json\`).

## Contents (HOSER format)

| file | rows |
|---|---|
| roadmap.geo | ${n(s.roads)} directed roads |
| roadmap.rel | ${n(s.relations)} road → road links |
| train.csv | ${n(s.trajectories.train)} trips |
| val.csv | ${n(s.trajectories.val)} trips |
| test.csv | ${n(s.trajectories.test)} trips |

- Trips: ${n(s.trajectories.train + s.trajectories.val + s.trajectories.test)} in all, ${s.avgRoadsPerTrip.toFixed(1)} roads per trip on average,
  ${s.avgDistanceKm.toFixed(2)} km (sum of great-circle steps between road centroids; ${r.avgPathKm.toFixed(2)} km along the roads),
  ${s.avgDurationMin.toFixed(1)} minutes from first to last road entry.
- Split: OD-disjoint, about 7:1:2 (seed ${r.split.seed}). Trips are grouped by (first road, last road) and whole
  groups are assigned, so no OD pair occurs in two splits (test OD pairs in train: ${s.odOverlapTrainTest}). ${n(r.split.odPairs)} distinct OD pairs.
- Trajectory ids are the ECML/PKDD TRIP_ID (\`-1\`, \`-2\` … when a trace was split at a GPS jump, a time gap or an HMM break).

## Road network

OpenStreetMap Overpass JSON (${r.inputs.overpassResponses} responses, OSM of November 2022), merged by element id:
${n(r.osm.nodesRead)} nodes, ${n(r.osm.waysRead)} ways, ${n(r.osm.drivableWays)} drivable.
- Drivable classes (as osmnx's "drive" network): motorway, trunk, primary, secondary, tertiary and their \`_link\`s,
  unclassified, residential, living_street, road. Service roads are excluded, as are ways with
  access / motor_vehicle / motorcar = no or private (${n(r.osm.excludedByAccess)} ways).
- Ways are split at intersections into ${n(r.osm.segments)} segments; ${n(r.osm.segmentsInBox)} lie entirely inside the LM-TAD
  Porto box (lat 41.140092–41.185969, lon −8.690261 to −8.549155; segments crossing its edge are dropped, not clipped).
- Directions: both unless oneway=yes/true/1 (forward) or -1 (reverse); roundabouts and motorways are oneway.
  ${n(r.osm.roadsBeforeScc)} directed roads, ${n(r.osm.relsBeforeScc)} links (no U-turn onto the same segment's reverse twin).
- Only the largest strongly connected component is kept: ${n(r.osm.largestComponent)} roads of ${n(r.osm.components)} components;
  ${n(r.osm.roadsDropped)} roads dropped (mostly dead ends, which cannot be left without a U-turn, and stubs cut by the box).

## Trips and map matching

GPS: ${n(r.gps.rows)} rows in ${r.inputs.gpsFiles.join(', ')}; ${n(r.gps.parsed)} parsed
(skipped: ${kv(r.gps.skipped)}); ${n(r.gps.insideBox)} lie fully inside the box (${n(r.gps.outsideBox)} do not).

HMM matcher after Newson & Krumm (2009): candidates within ${m.options.radiusM} m (at most ${m.options.maxCandidates}), Gaussian
emission σ = ${m.options.sigmaM} m (1.4826 × median distance to the nearest road = ${m.sigmaEstimateM} m, kept within 4–10 m),
exponential transition on |route − great-circle distance| with β = ${m.options.betaM} m, routes by bounded Dijkstra on the
directed road graph (detour ≤ ${m.options.maxDetourM} m), Viterbi. Matched roads are joined by shortest paths; entry times are
interpolated from the GPS times along the path.

- Kept: ${n(m.tripsMatched)} of ${n(r.gps.insideBox)} trips inside the box (${pct(m.shareKeptOfInsideBox)}; ${pct(m.shareKeptOfRows)} of all ${n(r.gps.rows)} rows),
  ${n(m.tripsSplit)} of them split into several trajectories.
- Dropped trips: ${kv(m.dropped)}; matched pieces shorter than 5 roads dropped: ${n(m.piecesDroppedShort)}.
- GPS-to-road distance of the matched points: median ${m.pointDistMedianM} m, 95th percentile ${m.pointDistP95M} m.
- GPS points: ${n(c.points)}; near-stationary points dropped: ${n(c.stationaryDropped)}; isolated jump points dropped: ${n(c.jumpPointsDropped)};
  splits at jumps: ${n(c.jumpSplits)}; splits at time gaps > ${m.options.maxGapS} s: ${n(c.gapSplits)}; points with no road within ${m.options.radiusM} m: ${n(c.noCandidatePoints)};
  HMM breaks (no feasible route between two points, trace split): ${n(c.hmmBreaks)}.
- Matching time: ${m.matchSeconds} s; whole build: ${r.buildSeconds} s.

## Attribution and licences

- Road network: © OpenStreetMap contributors, ODbL (Open Database License 1.0, https://www.openstreetmap.org/copyright).
- Taxi trips: ECML/PKDD 2015 Porto taxi data — L. Moreira-Matias, J. Gama, M. Ferreira, J. Mendes-Moreira, L. Damas,
  "Predicting Taxi–Passenger Demand Using Streaming Data", IEEE Transactions on Intelligent Transportation Systems
  14(3), 2013; the ECML/PKDD 2015 Discovery Challenge (Kaggle); UCI Machine Learning Repository, "Taxi Service
  Trajectory - Prediction Challenge, ECML PKDD 2015", CC BY 4.0.
`;
}
