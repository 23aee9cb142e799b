// The 300 Porto trips kept apart from this repository, as a GPS file for `data match`.
//
// slzhou-xy/BLUE's `data/porto/sample_traj.parquet` holds 1,000 real Porto taxi trips sampled across
// 2013-14. 699 of its 999 new trips went into the project's raw inputs (the derived multi-source
// file, `porto-gps-new-distinct.csv.gz`); the other 300 (all wholly inside the Porto box) were kept
// apart, unseen, to check the shipped models on real trips nobody tuned to
// (`../shared/data/porto/gps-extra/README.md`). This script picks those 300 out of the parquet file
// (`fetch` a copy of the repository; the file is not committed here), corrects BLUE's +8 h
// timestamps, drops a trip that starts at the same second as a trip of the derived file (the one
// duplicate that file's README names), and writes the rest in the derived file's CSV layout
// (POLYLINE + TIMESTAMPS), outside the repository's tracked files.
//
// Usage: npx tsx scripts/heldout-blue.ts --parquet <sample_traj.parquet> --derived <porto-gps-new-distinct.csv.gz> --out <file.csv>
// Then:  npm run cli -- data match --network public/data/porto --gps <file.csv> --out runs/heldout/porto-blue
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { flagString, parseArgs } from '../src/cli/common/args';

/** BLUE stores every time 8 h late (checked against an RNTrajRec trip with original ECML times). */
const BLUE_SHIFT_S = 28_800;
/** The Porto box of the app and LM-TAD: a trip counts only if every point lies inside. */
const BOX = { latMin: 41.140092, latMax: 41.185969, lonMin: -8.690261, lonMax: -8.549155 };

const toNumbers = (v: unknown): number[] => Array.from((typeof v === 'string' ? JSON.parse(v) : v) as ArrayLike<unknown>, Number);
const toPoints = (v: unknown): [number, number][] =>
  Array.from((typeof v === 'string' ? JSON.parse(v) : v) as ArrayLike<ArrayLike<unknown>>, (p) => [Number(p[0]), Number(p[1])]);

const inBox = ([lon, lat]: [number, number]): boolean => lat >= BOX.latMin && lat <= BOX.latMax && lon >= BOX.lonMin && lon <= BOX.lonMax;

async function main(): Promise<void> {
  const p = parseArgs(process.argv.slice(2));
  const parquet = flagString(p, 'parquet', '');
  const derived = flagString(p, 'derived', '');
  const out = flagString(p, 'out', '');
  if (!parquet || !derived || !out)
    throw new Error('usage: --parquet <sample_traj.parquet> --derived <porto-gps-new-distinct.csv.gz> --out <file.csv>');

  const rows = Papa.parse<Record<string, string>>(gunzipSync(await readFile(derived)).toString('utf8'), {
    header: true,
    skipEmptyLines: true,
  }).data;
  const taken = new Set(rows.filter((r) => r.SOURCE_REPO === 'slzhou-xy/BLUE').map((r) => r.SOURCE_ID));
  const startsElsewhere = new Set(rows.filter((r) => r.SOURCE_REPO !== 'slzhou-xy/BLUE').map((r) => Number(r.TIMESTAMP)));

  const trips = (await parquetReadObjects({ file: await asyncBufferFromFile(parquet) })) as Record<string, unknown>[];
  const counts = { read: trips.length, inDerived: 0, outsideBox: 0, duplicate: 0, kept: 0 };
  const lines = ['TRIP_ID,TAXI_ID,TIMESTAMP,MISSING_DATA,POLYLINE,TIMESTAMPS'];
  for (const t of trips) {
    const id = String(t.traj_id);
    if (taken.has(id)) {
      counts.inDerived++;
      continue;
    }
    const points = toPoints(t.gps_seq);
    if (!points.every(inBox)) {
      counts.outsideBox++;
      continue;
    }
    const times = toNumbers(t.time_seq).map((s) => s - BLUE_SHIFT_S);
    if (startsElsewhere.has(times[0])) {
      counts.duplicate++;
      continue;
    }
    lines.push(`BLUE-${id},${String(t.user_id)},${times[0]},False,"${JSON.stringify(points)}","${JSON.stringify(times)}"`);
    counts.kept++;
  }
  if (counts.inDerived !== taken.size)
    throw new Error(
      `the derived file names ${taken.size} BLUE trips, the parquet file holds ${counts.inDerived} of them: not the files this script expects`,
    );
  await writeFile(out, lines.join('\n') + '\n');
  console.log(JSON.stringify(counts));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
