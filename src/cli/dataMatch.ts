// `data match --network <dir> --gps <file> --out <dir>`: map-matches raw GPS traces onto the road
// network of an existing dataset. The output folder is a HOSER dataset with the same roadmap files
// (byte for byte, so the same network fingerprint), every matched trip in test.csv, and the network
// folder's own train and val trips: a student's zone-transition graph and hop-time statistics are
// built from the train split (src/lib/data/derived.ts), so without them `eval steps` on the
// output would score the model with inputs it was never trained with. Ready for `eval steps`,
// `generate` or the app.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { flagNumber, flagString, parseArgs } from './args';
import { commandDecl } from './commandFlags';
import { readDatasetDir } from './fsDataset';
import { readHoserDataset, datasetFileRole } from '../lib/data/hoserReader';
import { writeTrajectories } from '../lib/data/hoserWriter';
import { formatMatchSummary, matchGpsFiles } from '../lib/data/matchTraces';
import type { GpsFormat } from '../lib/data/matchTraces';
import { networkFingerprint } from '../lib/data/fingerprint';
import { DatasetError, formatIssue } from '../lib/data/types';

const USAGE = `usage: data match --network <dataset dir> --gps <file> [<file> …] --out <dir> [--format auto|csv|cabspotting] [--min-roads 5] [--json]
  <file>  ECML/PKDD 2015 CSV (POLYLINE + TIMESTAMP), the WKT variant (shape + timestamps), the
          derived multi-source CSV (POLYLINE + TIMESTAMPS), or a cabspotting taxi file
          (new_<cab>.txt: "lat lon occupied unix_time" per line, cut into occupied trips);
          .gz is read as gzip. Several files (--gps a,b or --gps a b …) are matched together.
  --format  auto (default) reads a file as cabspotting when its first line is "lat lon 0|1 time"`;

const FORMATS: readonly GpsFormat[] = ['auto', 'csv', 'cabspotting'];

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('data match', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let netDir: string, gpsFiles: string[], out: string, format: GpsFormat;
  try {
    netDir = flagString(p, 'network');
    // Extra positionals are more GPS files, so a shell glob after --gps works.
    gpsFiles = [...flagString(p, 'gps').split(','), ...p.positional].filter((f) => f !== '');
    out = flagString(p, 'out');
    format = flagString(p, 'format', 'auto') as GpsFormat;
    if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const minRoads = flagNumber(p, 'min-roads', 5);

  // The network: only the roadmap files of the folder are parsed (its trips are copied as they are).
  let dirFiles;
  let network;
  try {
    dirFiles = await readDatasetDir(netDir);
    const roadmapFiles = dirFiles.filter((f) => {
      const role = datasetFileRole(f.name);
      return role === 'geo' || role === 'rel';
    });
    network = readHoserDataset(roadmapFiles, basename(netDir)).network;
  } catch (e) {
    if (e instanceof DatasetError) for (const i of e.issues) console.error(formatIssue(i));
    else console.error(`error: ${(e as Error).message}`);
    return 1;
  }

  const texts: { name: string; text: string }[] = [];
  for (const gpsFile of gpsFiles) {
    try {
      const buf = await readFile(gpsFile);
      texts.push({ name: basename(gpsFile), text: (gpsFile.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8') });
    } catch (e) {
      console.error(`${gpsFile}:0: (file): cannot read: ${(e as Error).message}`);
      return 1;
    }
  }
  let trips, summary;
  try {
    ({ trips, summary } = matchGpsFiles(network, texts, { minRoads, format }));
  } catch (e) {
    if (e instanceof DatasetError) for (const i of e.issues) console.error(formatIssue(i));
    else console.error((e as Error).message);
    return 1;
  }
  // Lines that could not be read were skipped (each ends the trip it fell in): list them, and the
  // traces read but dropped at matching, each at the line it starts on.
  for (const i of summary.problems ?? []) console.error(formatIssue(i));
  for (const i of summary.unmatched ?? []) console.error(formatIssue(i));

  await mkdir(out, { recursive: true });
  // Carried over from the network folder: its roadmap and its train and val trips (see the header).
  const kept: string[] = [];
  for (const f of dirFiles) {
    const role = datasetFileRole(f.name);
    const target = role === 'geo' || role === 'rel' ? `roadmap.${role}` : role === 'train' || role === 'val' ? `${role}.csv` : null;
    if (target === null) continue;
    // Same bytes as the source (a .gz source is written out plain).
    if (f.name.endsWith('.gz')) await writeFile(join(out, target), f.text);
    else await copyFile(join(netDir, f.name), join(out, target));
    if (role === 'train' || role === 'val') kept.push(target);
  }
  await writeFile(join(out, 'test.csv'), writeTrajectories(trips));

  if (p.flags.json) console.log(JSON.stringify({ ...summary, networkFingerprint: networkFingerprint(network), out, copied: kept }));
  else
    console.log(
      `data match: ${formatMatchSummary(summary)} → ${join(out, 'test.csv')}` +
        (kept.length ? ` (with ${kept.join(' and ')} of ${netDir}, which the models' derived inputs are built from)` : ''),
    );
  return 0;
}
