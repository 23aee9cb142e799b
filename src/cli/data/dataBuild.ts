// `data build --src <dir> --out <dir>`: raw Porto inputs → the embedded HOSER dataset.
// OSM Overpass JSON (<src>/osm/*.tgz) → road network cropped to the LM-TAD box; ECML/PKDD GPS
// traces (<src>/gps/*.csv) fully inside the box → HMM map matching → OD-disjoint 7:1:2 split →
// roadmap.geo/.rel + train/val/test.csv, DATA_CARD.md and build-report.json in <out>.
// The CSVs are deterministic (same bytes on every run); only the card and report carry the build time.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { flagNumber, flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { writeDatasetFiles } from '../common/fsDataset';
import { contentsTable, countBy, countList, type BuildFacts, type MatchingFacts } from './dataCard';
import { importOsm } from '../../lib/data/osmImport';
import type { OsmImportReport, OverpassResponse } from '../../lib/data/osmImport';
import { mergeGpsResults, parseGpsCsv, parseRnTrajRec } from '../../lib/data/gpsTraces';
import { dedupeTraces } from '../../lib/data/dedupeTraces';
import {
  DEFAULT_ROUTE_MATCH,
  dropLeakingRoutes,
  matchRoutePolylines,
  parseRoutePolylines,
  type LeakageReport,
  type RouteMatchOptions,
  type RouteRecovery,
} from '../../lib/data/routeCorpus';
import type { GpsParseResult } from '../../lib/data/gpsTraces';
import { createMapMatcher } from '../../lib/data/mapMatch';
import type { MatchOptions } from '../../lib/data/mapMatch';
import { matchTraces, type TraceMatchReport } from '../../lib/data/matchTraces';
import { odSplit } from '../../lib/data/odSplit';
import { datasetStats } from '../../lib/data/stats';
import type { Dataset, Route } from '../../lib/data/types';
import { SPLITS } from '../../lib/data/types';
import { PORTO_BOX, inBox } from '../../lib/geo';

/** Matched pieces shorter than this many roads are dropped. */
const MIN_ROADS = 5;
/** The extra timed GPS trips (gps-extra/derived), and RNTrajRec's dense matched test trips. */
const EXTRA_GPS_FILE = 'porto-gps-new-distinct.csv.gz';
const RNTRAJREC_DENSE = 'chenyuqi990215_RNTrajRec/data/Porto/test/test_output.txt';
/** The untimed route corpus (gps-extra/derived). */
const ROUTE_CORPUS_FILE = 'tstrajgen-porto-10k-routes-decoded.csv.gz';
const ROUTE_SOURCE = 'ucdrubinet/MobilityGPT TS-TrajGen_Porto.txt';
/**
 * Route polylines are road geometry of another OSM build: a few metres off ours, not GPS noise, and
 * their resampled points are only metres apart. So: a tight σ and radius, few candidates, and short
 * detours (a wide detour bound makes every unreachable candidate cost a 1.5 km Dijkstra).
 */
const ROUTE_MATCH: Partial<MatchOptions> = { sigmaM: 5, radiusM: 40, maxCandidates: 6, maxDetourM: 300 };

/** Provenance of every trip source, for the data card (from gps/README.md and gps-extra/README.md). */
const SOURCE_INFO: Record<string, { repo: string; path: string; commit: string; licence: string; note: string }> = {
  'gps/ecml-train-first1000.csv': {
    repo: 'ECML/PKDD 2015 (UCI / Kaggle)',
    path: 'train.csv, first 1,000 rows',
    commit: '–',
    licence: 'CC BY 4.0',
    note: '2013-07-01',
  },
  'gps/ecml-train-2014-05-04-subset.csv': {
    repo: 'ECML/PKDD 2015 (UCI / Kaggle)',
    path: 'train.csv, 2014-05-04 subset',
    commit: '–',
    licence: 'CC BY 4.0',
    note: '',
  },
  'gps/ecml-train-2014-05-06-subset.csv': {
    repo: 'ECML/PKDD 2015 (UCI / Kaggle)',
    path: 'train.csv, 2014-05-06 subset',
    commit: '–',
    licence: 'CC BY 4.0',
    note: '',
  },
  'gps/ecml-test-318-linestring.csv': {
    repo: 'ECML/PKDD 2015 (UCI / Kaggle)',
    path: 'test.csv (WKT + timestamps)',
    commit: '–',
    licence: 'CC BY 4.0',
    note: 'the competition test trips',
  },
  'slzhou-xy/GREEN': {
    repo: 'slzhou-xy/GREEN',
    path: 'data/porto/traj_1000_sample.csv',
    commit: 'ed042c9f418d2e2ce045d8537cc9d3ae947111e1',
    licence: 'no licence file; data ECML CC BY 4.0',
    note: 'times stored +8 h, corrected',
  },
  'slzhou-xy/BLUE': {
    repo: 'slzhou-xy/BLUE',
    path: 'data/porto/sample_traj.parquet',
    commit: '5b6104057ae53c4bc1ae90485785242018816ce9',
    licence: 'no licence file; data ECML CC BY 4.0',
    note: 'across the year; times +8 h, corrected',
  },
  'lucavenir/DataMiningProject_PortoTaxiClustering': {
    repo: 'lucavenir/DataMiningProject_PortoTaxiClustering',
    path: 'data/data_sample.csv',
    commit: 'ccd45ab831305be2d1fcb0c6e10b62fff533d639',
    licence: 'no licence file; data ECML CC BY 4.0',
    note: '',
  },
  'chenyuqi990215/RNTrajRec': {
    repo: 'chenyuqi990215/RNTrajRec',
    path: 'data/Porto/{valid,test}/*',
    commit: '64d9d64f5bf62bcfa4bafc4125fe8a6497fb2cb8',
    licence: 'MIT; data ECML CC BY 4.0',
    note: 'sparse test inputs replaced by the dense matched output',
  },
  'christophertull/taxi-trajectory-prediction': {
    repo: 'christophertull/taxi-trajectory-prediction',
    path: 'validation.csv',
    commit: 'a9cfded9e321003f91197ba52e9bcb89e99bc4d2',
    licence: 'no licence file; data ECML CC BY 4.0',
    note: 'partial trips (cut part-way), kept as real driven paths',
  },
};

/**
 * The derived multi-source GPS file, with RNTrajRec's sparse test inputs swapped for the dense
 * map-matched points of the same trips (their README: use the dense output). Null when absent.
 */
async function readExtraGps(dir: string): Promise<{ file: string; parsed: GpsParseResult; sparseReplaced: number } | null> {
  const file = join('derived', EXTRA_GPS_FILE);
  const buf = await readFile(join(dir, file)).catch(() => null);
  if (!buf) return null;
  const parsed = parseGpsCsv(gunzipSync(buf).toString('utf8'), EXTRA_GPS_FILE);
  let sparseReplaced = 0;
  const denseText = await readFile(join(dir, RNTRAJREC_DENSE), 'utf8').catch(() => null);
  if (denseText) {
    const dense = new Map(parseRnTrajRec(denseText, 'test', 'RNTrajRec').traces.map((t) => [`RNTrajRec:${t.id}`, t]));
    parsed.traces = parsed.traces.map((t) => {
      const d = t.sparse ? dense.get(t.id) : undefined;
      // Same trip only if it starts at the same second; otherwise keep the sparse input.
      if (!d || d.times[0] !== t.times[0]) return t;
      sparseReplaced++;
      return { ...t, points: d.points, times: d.times, sparse: false };
    });
  }
  return { file: `gps-extra/${file}`, parsed, sparseReplaced };
}

const USAGE = `usage: data build --src <dir> --out <dir> [--city porto|sf] [--seed 42] [--min-roads ${MIN_ROADS}]
  porto (default, npm run data:build):
    <src>/osm/*.tgz   Overpass JSON responses (tar.gz)
    <src>/gps/*.csv   ECML/PKDD Porto CSV (POLYLINE) or WKT (shape + timestamps)
  sf (npm run data:build:sf; the output holds CRAWDAD trips: never commit it):
    <src>/osm/SanFranciscoFiltered.osm      OSM XML
    <src>/gps/*/new_<cab>.txt               cabspotting taxi files (every 8th taxi held out)`;

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

const r2 = (x: number): number => Math.round(x * 100) / 100;

export interface BuildReport extends BuildFacts {
  inputs: { osmFiles: string[]; overpassResponses: number; otherJson: number; gpsFiles: string[] };
  osm: OsmImportReport;
  gps: {
    rows: number;
    parsed: number;
    skipped: Record<string, number>;
    /** Extra sources (gps-extra/): rows read, and RNTrajRec sparse inputs replaced by their dense matched output. */
    extra: { file: string; rows: number; sparseReplaced: number } | null;
    duplicates: number;
    duplicatesByRule: Record<string, number>;
    /** Duplicates by (dropped source ← kept source). */
    duplicatesBySource: Record<string, number>;
    outsideBox: number;
    insideBox: number;
    partialInsideBox: number;
  };
  /** Per source: distinct trips fully inside the box, trips matched, trajectories written. */
  perSource: TraceMatchReport['perSource'];
  routes: {
    file: string;
    rows: number;
    skipped: Record<string, number>;
    options: RouteMatchOptions & Partial<MatchOptions>;
    recovery: RouteRecovery;
    leakage: LeakageReport;
    matchSeconds: number;
  } | null;
  matching: MatchingFacts & { shareKeptOfRows: number };
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('data build', USAGE));
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
  const city = flagString(p, 'city', 'porto');
  if (city === 'sf') return (await import('./dataBuildSf')).buildSf({ src, out, seed, minRoads });
  if (city !== 'porto') {
    console.error(`--city must be porto or sf, got "${city}"\n\n${USAGE}`);
    return 2;
  }
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
  log(
    `OSM: ${responses.length} responses, ${osm.waysRead} ways, ${osm.drivableWays} drivable → ${osm.roads} roads, ${osm.rels} rels (dropped ${osm.roadsDropped} outside the largest SCC)`,
  );

  // 2. GPS traces: gps/ first, then the extra sources (gps-extra/), deduplicated across all of them.
  const gpsDir = join(src, 'gps');
  const gpsFiles = (await readdir(gpsDir)).filter((f) => f.endsWith('.csv')).sort();
  const parsedFiles: GpsParseResult[] = [];
  for (const f of gpsFiles) {
    const r = parseGpsCsv(await readFile(join(gpsDir, f), 'utf8'), f);
    for (const t of r.traces) t.source = `gps/${f}`;
    parsedFiles.push(r);
  }
  const extra = await readExtraGps(join(src, 'gps-extra'));
  if (extra) parsedFiles.push(extra.parsed);
  const gps = mergeGpsResults(parsedFiles);
  const dedupe = dedupeTraces(gps.traces);
  const inside = dedupe.kept.filter((t) => t.points.every((q) => inBox(q, PORTO_BOX)));
  log(
    `GPS: ${gps.rows} rows, ${gps.traces.length} traces, ${dedupe.dropped.length} duplicates across sources, ${inside.length} distinct fully inside the box`,
  );

  // 3. Map matching.
  const matched = matchTraces(network, inside, { minRoads });
  const { trips } = matched;
  const m = matched.report;
  const options = m.options;
  log(`matched ${m.tripsMatched}/${inside.length} trips → ${trips.length} trajectories in ${m.matchSeconds}s`);

  // 4. OD-disjoint split.
  const splits = odSplit(trips, { seed });

  // 5. The untimed route corpus, matched onto our network, minus every route that could leak val or
  // test trips into training.
  let corpus: BuildReport['routes'] = null;
  let routes: Route[] = [];
  const corpusFile = join(src, 'gps-extra', 'derived', ROUTE_CORPUS_FILE);
  const corpusBuf = await readFile(corpusFile).catch(() => null);
  if (corpusBuf) {
    const tr = performance.now();
    const parsedRoutes = parseRoutePolylines(gunzipSync(corpusBuf).toString('utf8'), ROUTE_CORPUS_FILE);
    const routeMatcher = createMapMatcher(network, { ...options, ...ROUTE_MATCH });
    const { routes: matchedRoutes, recovery } = matchRoutePolylines(network, routeMatcher, parsedRoutes.routes, ROUTE_SOURCE);
    const leak = dropLeakingRoutes(matchedRoutes, [...splits.val, ...splits.test]);
    routes = leak.routes;
    corpus = {
      file: `gps-extra/derived/${ROUTE_CORPUS_FILE}`,
      rows: parsedRoutes.rows,
      skipped: parsedRoutes.skipped,
      options: { ...DEFAULT_ROUTE_MATCH, ...ROUTE_MATCH },
      recovery,
      leakage: leak.report,
      matchSeconds: r2((performance.now() - tr) / 1000),
    };
    log(
      `routes: ${recovery.routesMatched}/${recovery.routesIn} matched → ${matchedRoutes.length} pieces; leakage drops ${leak.report.droppedOdPair} OD + ${leak.report.droppedNearCopy} near copies (the one-sided rule would drop ${leak.report.oneSidedOverlap}); ${routes.length} kept (${corpus.matchSeconds}s)`,
    );
  }

  // 6. Output.
  const ds: Dataset = { name: 'porto', network, splits, routes };
  const fileInfo = await writeDatasetFiles(out, ds);
  const stats = datasetStats(ds);
  const sourceOfId = new Map(gps.traces.map((t) => [t.id, t.source ?? '?']));
  let pathM = 0;
  for (const s of SPLITS) for (const t of splits[s]) for (const r of t.roads) pathM += network.roads[r].lengthM;

  const report: BuildReport = {
    inputs: { osmFiles, overpassResponses: responses.length, otherJson, gpsFiles },
    osm,
    gps: {
      rows: gps.rows,
      parsed: gps.traces.length,
      skipped: gps.skipped,
      extra: extra ? { file: extra.file, rows: extra.parsed.rows, sparseReplaced: extra.sparseReplaced } : null,
      duplicates: dedupe.dropped.length,
      duplicatesByRule: countBy(dedupe.dropped.map((d) => d.rule)),
      duplicatesBySource: countBy(dedupe.dropped.map((d) => `${d.source} ← ${sourceOfId.get(d.sameAs) ?? '?'}`)),
      outsideBox: dedupe.kept.length - inside.length,
      insideBox: inside.length,
      partialInsideBox: inside.filter((t) => t.partial).length,
    },
    perSource: m.perSource,
    routes: corpus,
    matching: {
      options,
      sigmaEstimateM: m.sigmaEstimateM,
      counters: m.counters,
      tripsMatched: m.tripsMatched,
      tripsSplit: m.tripsSplit,
      dropped: m.dropped,
      piecesDroppedShort: m.piecesDroppedShort,
      shareKeptOfInsideBox: r2((100 * m.tripsMatched) / Math.max(1, inside.length)) / 100,
      shareKeptOfRows: r2((100 * m.tripsMatched) / Math.max(1, gps.rows)) / 100,
      pointDistMedianM: m.pointDistMedianM,
      pointDistP95M: m.pointDistP95M,
      matchSeconds: m.matchSeconds,
    },
    split: { seed, odPairs: new Set(trips.map((t) => `${t.roads[0]}>${t.roads[t.roads.length - 1]}`)).size },
    stats,
    avgPathKm: r2(pathM / 1000 / Math.max(1, trips.length)),
    files: fileInfo,
    buildSeconds: r2((performance.now() - t0) / 1000),
  };
  await writeFile(join(out, 'build-report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(out, 'DATA_CARD.md'), dataCard(report));
  log(`wrote ${Object.keys(fileInfo).join(', ')}, DATA_CARD.md, build-report.json to ${out} (${report.buildSeconds}s)`);
  return 0;
}

function routesSection(r: BuildReport): string {
  const c = r.routes;
  if (!c) return '## Untimed route corpus\n\nAbsent (no gps-extra/derived route file).';
  const n = (x: number): string => x.toLocaleString('en-US');
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const v = c.recovery;
  return `## Untimed route corpus (routes.csv; training only, never evaluation)

Source: ucdrubinet/MobilityGPT \`TS-TrajGen_Porto.txt\` (commit 0d368dd775ee1eedae3e16f4a8765be406551040; MIT; data ECML CC BY 4.0,
map-matched by the TS-TrajGen / LibCity authors onto the LibCity Porto network), decoded to polylines with
dbxminer/sigspatial2025 \`porto_roads.csv\` (commit c2e306a807f76ca057f37f0432f368ebe2b7a51d; OSM, ODbL). No timestamps.

- Read: ${n(c.rows)} routes; skipped ${
    Object.entries(c.skipped)
      .map(([k, x]) => `${k}: ${n(x)}`)
      .join('; ') || 'none'
  }.
- Re-matched onto this network: each polyline resampled every ${c.options.stepM} m, HMM with σ = ${c.options.sigmaM} m, radius ${c.options.radiusM} m,
  at most ${c.options.maxCandidates} candidates, detours ≤ ${c.options.maxDetourM} m, synthetic constant-speed times (so only distances matter).
- Recovery: ${n(v.routesMatched)} of ${n(v.routesIn)} routes matched, ${n(v.routesWhole)} (${pct(v.routesWhole / Math.max(1, v.routesIn))}) as one piece; the others break where
  this network cannot follow (a turn or a road it lacks) into ${n(v.piecesKept)} pieces of ≥ 5 roads (${n(v.piecesDroppedShort)} shorter pieces dropped).
  ${pct(v.pointsWithin15m)} of the resampled points lie within 15 m of their matched road (median ${v.pointDistMedianM} m, 95th percentile ${v.pointDistP95M} m);
  matched length / polyline length: median ${v.lengthRatioMedian}, within ±10 % for ${pct(v.lengthWithin10pc)} of the routes.
- Leakage guard: dropped ${n(c.leakage.droppedOdPair)} pieces whose (first road, last road) is a val or test OD pair, and ${n(c.leakage.droppedNearCopy)} near copies
  of a val or test trip (≥ 80 % of the piece's distinct roads lie on one held-out trip and ≥ 80 % of that trip's roads lie on the piece).
  Kept: **${n(c.leakage.kept)}**. The earlier one-sided rule (≥ 80 % of the piece on one held-out trip, whatever share of the trip) would
  have dropped ${n(c.leakage.oneSidedOverlap)}: taxi routes in central Porto share their main corridors, and a short piece along a long
  held-out trip shares a corridor without giving the trip away.
- Matching time: ${c.matchSeconds} s.`;
}

function dataCard(r: BuildReport): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const s = r.stats;
  const m = r.matching;
  const c = m.counters;
  const kv = countList;
  return `# Porto — embedded default dataset

Built by \`npm run data:build\` (\`src/cli/data/dataBuild.ts\`) from the raw inputs in \`../shared/data/porto/\`.
The CSV files are deterministic: a re-run writes the same bytes (sha256 in \`build-report.json\`).

## Contents (HOSER format)

${contentsTable(s, true)}

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

## Trip sources

Every timed trip is a real ECML/PKDD 2015 Porto taxi trip. They come from the original files in \`gps/\` and from five
public repositories (\`gps-extra/\`, via \`${r.gps.extra?.file ?? 'absent'}\`: ${n(r.gps.extra?.rows ?? 0)} rows; RNTrajRec sparse inputs
replaced by dense matched points: ${n(r.gps.extra?.sparseReplaced ?? 0)}).

| source | file | commit | licence | distinct in box | matched (share) | trajectories | note |
|---|---|---|---|---:|---:|---:|---|
${Object.entries(r.perSource)
  .map(([k, v]) => {
    const info = SOURCE_INFO[k] ?? { repo: k, path: '', commit: '', licence: '', note: '' };
    return `| ${info.repo} | ${info.path} | ${info.commit ? info.commit.slice(0, 12) : ''} | ${info.licence} | ${n(v.in)} | ${n(v.matched)} (${pct(v.matched / Math.max(1, v.in))}) | ${n(v.trajectories)} | ${info.note} |`;
  })
  .join('\n')}

Duplicates across sources: ${n(r.gps.duplicates)} dropped (${kv(r.gps.duplicatesByRule)}): a trip is the same as an earlier one when it
starts within 60 s and 300 m of it in another source ("start"), or has the same points at 4 decimals ("points"). Within one
source every trip has its own key: taxis leaving one stand in the same minute are different trips. By pair (dropped ← kept):
${kv(r.gps.duplicatesBySource)}. Sources are read in the order of the table, so the original files win.

## Map matching of the timed trips

GPS: ${n(r.gps.rows)} rows; ${n(r.gps.parsed)} parsed (skipped: ${kv(r.gps.skipped)}); after deduplication ${n(r.gps.insideBox)} lie fully
inside the box (${n(r.gps.outsideBox)} do not), ${n(r.gps.partialInsideBox)} of them partial trips.

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

${routesSection(r)}

## Attribution and licences

- Road network: © OpenStreetMap contributors, ODbL (Open Database License 1.0, https://www.openstreetmap.org/copyright).
- Extra trips and routes: the repositories named above, which redistribute ECML/PKDD 2015 data; their own code and
  packaging are theirs (RNTrajRec: MIT © 2023 chenyuqi990215; MobilityGPT: MIT © 2025 Ammar Haydari; the others carry no
  licence file). Only the trip data, CC BY 4.0, is used here, re-matched by this project.
- Taxi trips: ECML/PKDD 2015 Porto taxi data — L. Moreira-Matias, J. Gama, M. Ferreira, J. Mendes-Moreira, L. Damas,
  "Predicting Taxi–Passenger Demand Using Streaming Data", IEEE Transactions on Intelligent Transportation Systems
  14(3), 2013; the ECML/PKDD 2015 Discovery Challenge (Kaggle); UCI Machine Learning Repository, "Taxi Service
  Trajectory - Prediction Challenge, ECML PKDD 2015", CC BY 4.0.
`;
}
