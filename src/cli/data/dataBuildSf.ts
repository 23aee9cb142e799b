// `data build --city sf` (npm run data:build:sf): the San Francisco dataset, built locally from
// ../shared/data/sf/ and never committed. The trips are CRAWDAD cabspotting data, whose terms do not
// allow redistribution: public/data/sf/ is git-ignored, and only aggregates go into the README.
//
// OSM XML → road network cropped to the extract's box; cabspotting taxi files → occupied trips
// (cabspotting.ts) wholly inside the box → HMM map matching with the sparse-fix options
// (matchTraces.ts, chosen from the median fix interval) → OD-disjoint 7:1:2 split → the HOSER files,
// DATA_CARD.md and build-report.json. Every 8th taxi (alphabetical) is held out of the build, so
// that `data match` can be measured on taxis the dataset has never seen. The CSVs are deterministic.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeDatasetFiles } from '../common/fsDataset';
import { contentsTable, countBy, countList, fmtCount, fmtShare, type BuildFacts, type MatchingFacts } from './dataCard';
import { parseOsmXml } from '../../lib/data/osmXml';
import { importOsm, isDrivable, wayDirection } from '../../lib/data/osmImport';
import type { OsmImportReport, OsmWay } from '../../lib/data/osmImport';
import { parseCabspotting, cabName } from '../../lib/data/cabspotting';
import { parseGpsCsv } from '../../lib/data/gpsTraces';
import type { GpsTrace } from '../../lib/data/gpsTraces';
import { createMapMatcher } from '../../lib/data/mapMatch';
import { matchTraces, quantile } from '../../lib/data/matchTraces';
import type { TraceMatchReport } from '../../lib/data/matchTraces';
import { odSplit } from '../../lib/data/odSplit';
import { gridForBox } from '../../lib/data/grid';
import { networkBox } from '../../lib/data/matchTraces';
import type { GridSpec } from '../../lib/data/derivedTypes';
import { datasetStats } from '../../lib/data/stats';
import type { Dataset } from '../../lib/data/types';
import { SPLITS } from '../../lib/data/types';
import { SF_BOX, inBox } from '../../lib/geo';

const OSM_FILE = 'osm/SanFranciscoFiltered.osm';
const DERIVED_CSV = 'derived/sf-cabspotting-occupied-trips-in-osm-box.csv.gz';
/** Every HOLD_OUT_EVERY-th taxi file in alphabetical order stays out of the build. */
export const HOLD_OUT_EVERY = 8;

/** Whether the taxi at `index` (0-based, files sorted by name) is held out of the build. */
export function isHeldOutTaxi(index: number): boolean {
  return index % HOLD_OUT_EVERY === HOLD_OUT_EVERY - 1;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export interface SfBuildReport extends BuildFacts {
  city: 'sf';
  inputs: {
    osmFile: string;
    taxiFiles: number;
    buildTaxis: number;
    /** Cab names held out of the build (every 8th file by name), for `data match` on unseen taxis. */
    heldOutTaxis: string[];
    heldOutRule: string;
  };
  osm: OsmImportReport & {
    bounds: [number, number, number, number] | null;
    /** Drivable ways by direction rule (oneway tag or roundabout). */
    drivableByDirection: Record<string, number>;
    onewayTags: Record<string, number>;
  };
  gps: {
    fixes: number;
    /** Occupied runs of ≥ 3 fixes, gaps ≤ 300 s: all taxis, then the build's. */
    tripsAllTaxis: number;
    tripsInBoxAllTaxis: number;
    tripsBuildTaxis: number;
    shortRuns: number;
    skippedLines: Record<string, number>;
    insideBox: number;
    outsideBox: number;
    heldOutInsideBox: number;
    medianFixesPerTrip: number;
    /** The derived CSV's in-box trips against ours (all taxis): the trip rule cross-checked. */
    derivedCsv: { file: string; trips: number; sameTripIds: boolean; onlyOurs: number; onlyCsv: number } | null;
  };
  /** Distance from each in-box fix of the build's trips to its nearest road. */
  nearestRoad: {
    fixes: number;
    medianM: number;
    p90M: number;
    p95M: number;
    p99M: number;
    within20m: number;
    within50m: number;
    within80m: number;
  };
  matching: MatchingFacts & {
    medianIntervalS: number;
    routeGapMedianM: number;
    betaEstimateM: number;
    lengthRatio: TraceMatchReport['lengthRatio'];
  };
  grid: GridSpec;
}

/** The taxi files under <src>/gps (one folder level), sorted by file name. */
async function taxiFiles(gpsDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(gpsDir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      for (const f of await readdir(join(gpsDir, e.name))) if (/^new_.+\.txt$/.test(f)) out.push(join(e.name, f));
    } else if (/^new_.+\.txt$/.test(e.name)) out.push(e.name);
  }
  const base = (p: string): string => p.split('/').pop() ?? p;
  return out.sort((a, b) => (base(a) < base(b) ? -1 : base(a) > base(b) ? 1 : 0));
}

export async function buildSf(o: { src: string; out: string; seed: number; minRoads: number }): Promise<number> {
  const t0 = performance.now();
  const log = (s: string): void => console.error(`[data build sf ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

  // 1. OSM XML → road network.
  const xml = await readFile(join(o.src, OSM_FILE), 'utf8').catch(() => null);
  if (xml === null) {
    console.error(`${join(o.src, OSM_FILE)}: not found (the San Francisco inputs live in ../shared/data/sf; see its README.md)`);
    return 1;
  }
  const { response, bounds } = parseOsmXml(xml, OSM_FILE);
  const { network, report: osmReport } = importOsm([response], { box: SF_BOX });
  const ways = (response.elements ?? []).filter((e): e is OsmWay => e.type === 'way');
  const osm: SfBuildReport['osm'] = {
    ...osmReport,
    bounds,
    drivableByDirection: countBy(ways.filter((w) => isDrivable(w.tags) === 'yes').map((w) => wayDirection(w.tags ?? {}))),
    onewayTags: countBy(ways.filter((w) => w.tags?.oneway !== undefined).map((w) => w.tags?.oneway ?? '')),
  };
  log(
    `OSM: ${osm.waysRead} ways, ${osm.drivableWays} drivable → ${osm.roads} roads, ${osm.rels} rels (dropped ${osm.roadsDropped} outside the largest SCC)`,
  );

  // 2. Taxi files → occupied trips; the held-out taxis are read only to be counted.
  const gpsDir = join(o.src, 'gps');
  const files = await taxiFiles(gpsDir);
  if (files.length === 0) {
    console.error(`${gpsDir}: no cabspotting taxi files (new_<cab>.txt)`);
    return 1;
  }
  const heldOutTaxis: string[] = [];
  const inside: GpsTrace[] = [];
  const allInBoxIds = new Set<string>();
  let fixes = 0;
  let tripsAll = 0;
  let tripsBuild = 0;
  let shortRuns = 0;
  let outsideBox = 0;
  let heldOutInsideBox = 0;
  const skippedLines: Record<string, number> = {};
  for (let i = 0; i < files.length; i++) {
    const r = parseCabspotting(await readFile(join(gpsDir, files[i]), 'utf8'), files[i]);
    const held = isHeldOutTaxi(i);
    if (held) heldOutTaxis.push(cabName(files[i]));
    tripsAll += r.traces.length;
    for (const [k, v] of Object.entries(r.skipped)) skippedLines[k] = (skippedLines[k] ?? 0) + v;
    for (const t of r.traces) {
      const inBoxTrip = t.points.every((q) => inBox(q, SF_BOX));
      if (inBoxTrip) allInBoxIds.add(t.id);
      if (held) {
        if (inBoxTrip) heldOutInsideBox++;
        continue;
      }
      if (inBoxTrip) inside.push({ ...t, source: 'cabspotting' });
      else outsideBox++;
    }
    if (!held) {
      fixes += r.fixes;
      tripsBuild += r.traces.length;
      shortRuns += r.shortRuns;
    }
  }
  log(
    `GPS: ${files.length} taxis (${heldOutTaxis.length} held out: ${heldOutTaxis.join(', ')}), ${tripsAll} trips, ${allInBoxIds.size} inside the box; build: ${tripsBuild} trips, ${inside.length} inside`,
  );

  // The derived CSV holds the in-box trips of all taxis cut by the same rule: check we agree.
  let derivedCsv: SfBuildReport['gps']['derivedCsv'] = null;
  const csvBuf = await readFile(join(o.src, DERIVED_CSV)).catch(() => null);
  if (csvBuf) {
    const csv = parseGpsCsv(gunzipSync(csvBuf).toString('utf8'), DERIVED_CSV);
    const csvIds = new Set(csv.traces.map((t) => t.id));
    const onlyOurs = [...allInBoxIds].filter((id) => !csvIds.has(id)).length;
    const onlyCsv = [...csvIds].filter((id) => !allInBoxIds.has(id)).length;
    derivedCsv = { file: DERIVED_CSV, trips: csv.traces.length, sameTripIds: onlyOurs === 0 && onlyCsv === 0, onlyOurs, onlyCsv };
    log(`derived CSV: ${csv.traces.length} trips, ${onlyOurs} only in ours, ${onlyCsv} only in the CSV`);
  }

  // 3. How far the fixes lie from the roads: the basis of the candidate radius (matchTraces.ts).
  const probe = createMapMatcher(network, { radiusM: 500 });
  const near: number[] = [];
  for (const t of inside) for (const q of t.points) near.push(probe.nearestRoadDistM(q));
  const nearSorted = Float64Array.from(near).sort();
  const within = (m: number): number => r3(near.filter((d) => d <= m).length / Math.max(1, near.length));
  const nearestRoad: SfBuildReport['nearestRoad'] = {
    fixes: near.length,
    medianM: r2(quantile(nearSorted, 0.5)),
    p90M: r2(quantile(nearSorted, 0.9)),
    p95M: r2(quantile(nearSorted, 0.95)),
    p99M: r2(quantile(nearSorted, 0.99)),
    within20m: within(20),
    within50m: within(50),
    within80m: within(80),
  };

  // 4. Map matching (the sparse-fix options follow from the 60 s median interval), 5. split.
  const matched = matchTraces(network, inside, { minRoads: o.minRoads });
  const { trips } = matched;
  const m = matched.report;
  log(`matched ${m.tripsMatched}/${inside.length} trips → ${trips.length} trajectories in ${m.matchSeconds}s`);
  const splits = odSplit(trips, { seed: o.seed });

  // 6. Output.
  const ds: Dataset = { name: 'sf', network, splits };
  const fileInfo = await writeDatasetFiles(o.out, ds);
  let pathM = 0;
  for (const s of SPLITS) for (const t of splits[s]) for (const r of t.roads) pathM += network.roads[r].lengthM;
  const report: SfBuildReport = {
    city: 'sf',
    inputs: {
      osmFile: OSM_FILE,
      taxiFiles: files.length,
      buildTaxis: files.length - heldOutTaxis.length,
      heldOutTaxis,
      heldOutRule: `every ${HOLD_OUT_EVERY}th taxi file in alphabetical order (the ${HOLD_OUT_EVERY}th, ${2 * HOLD_OUT_EVERY}th, …)`,
    },
    osm,
    gps: {
      fixes,
      tripsAllTaxis: tripsAll,
      tripsInBoxAllTaxis: allInBoxIds.size,
      tripsBuildTaxis: tripsBuild,
      shortRuns,
      skippedLines,
      insideBox: inside.length,
      outsideBox,
      heldOutInsideBox,
      medianFixesPerTrip: quantile(Float64Array.from(inside.map((t) => t.points.length)).sort(), 0.5),
      derivedCsv,
    },
    nearestRoad,
    matching: {
      options: m.options,
      sigmaEstimateM: m.sigmaEstimateM,
      medianIntervalS: m.medianIntervalS,
      routeGapMedianM: m.routeGapMedianM,
      betaEstimateM: m.betaEstimateM,
      counters: m.counters,
      tripsMatched: m.tripsMatched,
      tripsSplit: m.tripsSplit,
      dropped: m.dropped,
      piecesDroppedShort: m.piecesDroppedShort,
      shareKeptOfInsideBox: r3(m.tripsMatched / Math.max(1, inside.length)),
      pointDistMedianM: m.pointDistMedianM,
      pointDistP95M: m.pointDistP95M,
      lengthRatio: m.lengthRatio,
      matchSeconds: m.matchSeconds,
    },
    grid: gridForBox(networkBox(network)),
    split: { seed: o.seed, odPairs: new Set(trips.map((t) => `${t.roads[0]}>${t.roads[t.roads.length - 1]}`)).size },
    stats: datasetStats(ds),
    avgPathKm: r2(pathM / 1000 / Math.max(1, trips.length)),
    files: fileInfo,
    buildSeconds: r2((performance.now() - t0) / 1000),
  };
  await writeFile(join(o.out, 'build-report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(o.out, 'DATA_CARD.md'), sfDataCard(report));
  log(`wrote ${Object.keys(fileInfo).join(', ')}, DATA_CARD.md, build-report.json to ${o.out} (${report.buildSeconds}s)`);
  return 0;
}

function sfDataCard(r: SfBuildReport): string {
  const n = fmtCount;
  const pct = fmtShare;
  const kv = countList;
  const s = r.stats;
  const m = r.matching;
  const c = m.counters;
  const g = r.gps;
  const nr = r.nearestRoad;
  const lr = m.lengthRatio;
  const d = g.derivedCsv;
  return `# San Francisco — local dataset (never commit it)

Built by \`npm run data:build:sf\` (\`src/cli/data/dataBuildSf.ts\`) from the raw inputs in \`../shared/data/sf/\`.
**The trips are CRAWDAD data whose terms do not allow redistribution: this folder is git-ignored, and nothing in
it but aggregate figures may leave this machine.** The CSV files are deterministic: a re-run writes the same bytes
(sha256 in \`build-report.json\`).

## Contents (HOSER format)

${contentsTable(s, false)}

- Trips: ${n(s.trajectories.train + s.trajectories.val + s.trajectories.test)} in all, ${s.avgRoadsPerTrip.toFixed(1)} roads per trip on average,
  ${s.avgDistanceKm.toFixed(2)} km (great-circle steps between road centroids; ${r.avgPathKm.toFixed(2)} km along the roads),
  ${s.avgDurationMin.toFixed(1)} minutes from first to last road entry. Times are UTC (local time is PDT, UTC−7).
- Split: OD-disjoint, about 7:1:2 (seed ${r.split.seed}), whole (first road, last road) groups per split (test OD pairs in
  train: ${s.odOverlapTrainTest}). ${n(r.split.odPairs)} distinct OD pairs.
- Trajectory ids: \`<cab>_<unix start>\` (\`-1\`, \`-2\` … when the matcher split a trip).
- Teacher grid (ψ): LM-TAD's cells (0.1 km of latitude × 0.1 km of longitude at LM-TAD's constant, ≈100 m × 79 m here)
  from the box's south-west corner: ${r.grid.nRows} rows × ${r.grid.nCols} columns (Porto: 51 × 158).

## Road network

OpenStreetMap XML \`${r.inputs.osmFile}\` (a drivable-roads extract of about 2019, from KrainskiL/SmartTransitionSim.jl,
commit e419c79d584f658e24982ca2eff2bf3529edcbc6), bounds lat ${r.osm.bounds?.[1]}–${r.osm.bounds?.[3]}, lon ${r.osm.bounds?.[0]} to ${r.osm.bounds?.[2]}:
${n(r.osm.nodesRead)} nodes, ${n(r.osm.waysRead)} ways, ${n(r.osm.drivableWays)} drivable (the same classes and access rules as Porto;
${n(r.osm.excludedByAccess)} ways excluded by access = no/private).
- Directions: both unless oneway=yes/true/1 (forward) or -1/reverse (against the drawn order); roundabouts and
  motorways are oneway. Drivable ways by rule: ${kv(r.osm.drivableByDirection)}. oneway tags as found: ${kv(r.osm.onewayTags)}.
- ${n(r.osm.segments)} segments, ${n(r.osm.segmentsInBox)} wholly inside the box; ${n(r.osm.roadsBeforeScc)} directed roads, ${n(r.osm.relsBeforeScc)} links.
- Largest strongly connected component kept: ${n(r.osm.largestComponent)} roads of ${n(r.osm.components)} components (${n(r.osm.roadsDropped)} dropped).

## Trips

Cabspotting San Francisco taxi GPS (CRAWDAD epfl/mobility, 2008-05-17 to 2008-06-10), the first ${r.inputs.taxiFiles} taxi files by name of
ynskoroglu/pmi_interview (commit ed540d0ad4fda949fdc7a1f07f321f6b90aa5545). A trip is a run of consecutive occupied = 1
fixes, split at gaps over 300 s, with ≥ 3 fixes.

- All ${r.inputs.taxiFiles} taxis: ${n(g.tripsAllTaxis)} trips, ${n(g.tripsInBoxAllTaxis)} wholly inside the box.${
    d
      ? ` The derived CSV (\`${d.file}\`) lists ${n(d.trips)} in-box trips: ${d.sameTripIds ? 'the very same trip ids' : `${n(d.onlyOurs)} trips only in ours, ${n(d.onlyCsv)} only in the CSV`}.`
      : ''
  }
- Held out of the build: ${r.inputs.heldOutTaxis.length} taxis, ${r.inputs.heldOutRule} (${n(g.heldOutInsideBox)} in-box trips), kept apart to measure
  \`data match\` on taxis the dataset has never seen.
- Build taxis (${r.inputs.buildTaxis}): ${n(g.fixes)} fixes, ${n(g.tripsBuildTaxis)} trips (${n(g.shortRuns)} occupied runs under 3 fixes not counted; unreadable
  lines: ${kv(g.skippedLines)}); ${n(g.insideBox)} wholly inside the box (${n(g.outsideBox)} not), median ${g.medianFixesPerTrip} fixes per trip.

## Map matching

Fixes are ${m.medianIntervalS} s apart (median), four times sparser than Porto's, so the matcher runs with its sparse-fix options
(\`SPARSE_MATCH_OPTIONS\` in \`src/lib/data/matchTraces.ts\`, where the measurements behind each value are given):
candidates within ${m.options.radiusM} m (at most ${m.options.maxCandidates}), σ = ${m.options.sigmaM} m (1.4826 × median distance to the nearest road
= ${m.sigmaEstimateM} m), β = ${m.options.betaM} m (Porto 25), detours ≤ ${m.options.maxDetourM} m (Porto 1,500), a trip split only at time gaps over
${m.options.maxGapS} s (Porto 120).

- Distance from the build's in-box fixes to the nearest road (${n(nr.fixes)} fixes): median ${nr.medianM} m, 90th percentile ${nr.p90M} m,
  95th ${nr.p95M} m, 99th ${nr.p99M} m; within 20 / 50 / 80 m: ${pct(nr.within20m)} / ${pct(nr.within50m)} / ${pct(nr.within80m)}.
- Kept: **${n(m.tripsMatched)} of ${n(g.insideBox)} trips inside the box (${pct(m.shareKeptOfInsideBox)})**, ${n(m.tripsSplit)} of them split into several trajectories.
- Dropped trips: ${kv(m.dropped)}; matched pieces shorter than 5 roads dropped: ${n(m.piecesDroppedShort)}.
- GPS-to-road distance of the matched points: median ${m.pointDistMedianM} m, 95th percentile ${m.pointDistP95M} m.
- Matched path length / GPS polyline length (straight hops between fixes), over the ${n(lr.traces)} trips matched in one piece:
  median ${lr.median} (10th–90th percentile ${lr.p10}–${lr.p90}; within ±10 % for ${pct(lr.within10pc)}). Above 1 because straight hops a
  minute apart cut the corners the roads take.
- |route − straight line| between consecutive matched fixes: median ${m.routeGapMedianM} m (Newson & Krumm's β estimate, median / ln 2: ${m.betaEstimateM} m;
  measured on the matcher's own output, which follows the β in use, so reported rather than used).
- GPS points: ${n(c.points)}; near-stationary dropped: ${n(c.stationaryDropped)}; isolated jumps dropped: ${n(c.jumpPointsDropped)}; splits at
  jumps: ${n(c.jumpSplits)}; at time gaps: ${n(c.gapSplits)}; points with no road within ${m.options.radiusM} m: ${n(c.noCandidatePoints)}; HMM breaks: ${n(c.hmmBreaks)}.
- Matching time: ${m.matchSeconds} s; whole build: ${r.buildSeconds} s.

## Attribution and licences

- Road network: © OpenStreetMap contributors, ODbL (Open Database License 1.0, https://www.openstreetmap.org/copyright).
- Taxi trips: M. Piorkowski, N. Sarafijanovic-Djukic, M. Grossglauser, "CRAWDAD dataset epfl/mobility (v. 2009-02-24)", 2009.
  Used under CRAWDAD's terms of use (citation required; redistribution most likely not
  allowed): never commit these trips, raw or map-matched.
`;
}
