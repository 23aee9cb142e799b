// `data match --network <dir> --gps <file> --out <dir>`: map-matches raw GPS traces onto the road
// network of an existing dataset. The output folder is a HOSER dataset with the same roadmap files
// (byte for byte, so the same network fingerprint), every matched trip in test.csv, and the network
// folder's own train and val trips: a student's zone-transition graph and hop-time statistics are
// built from the train split (src/lib/data/derived.ts), so without them `eval steps` on the
// output would score the model with inputs it was never trained with. Ready for `eval steps`,
// `generate` or the app.
//
// Any size (src/lib/data/matchStream.ts): the GPS files are read as streams, matched in batches on
// a pool of threads (--workers, matchPool.ts) and test.csv is written as the batches come back, in
// input order. After each batch written, <out>/.match-state.json records how far the run got; a
// run stopped part-way (Ctrl-C, a kill) continues with --resume and writes the same bytes as a run
// never stopped.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { flagNumber, flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { datasetDirFiles, fsStreamFile, loadRoadmap } from '../common/fsDataset';
import { parseWorkers } from '../generate/generatePool';
import { MatchPool } from './matchPool';
import { datasetFileRole } from '../../lib/data/hoserReader';
import { writeTrajectories } from '../../lib/data/hoserWriter';
import { formatMatchSummary } from '../../lib/data/matchTraces';
import type { GpsFormat } from '../../lib/data/matchTraces';
import { matchGpsStream, type MatchProgress, type MatchTally } from '../../lib/data/matchStream';
import { GPS_BATCH_LINES } from '../../lib/data/gpsTraces';
import { networkFingerprint } from '../../lib/data/fingerprint';
import { DatasetError, formatIssue } from '../../lib/data/types';

const USAGE = `usage: data match --network <dataset dir> --gps <file> [<file> …] --out <dir> [--format auto|csv|cabspotting] [--min-roads 5]
                  [--workers N|auto] [--resume] [--json]
  <file>     ECML/PKDD 2015 CSV (POLYLINE + TIMESTAMP), the WKT variant (shape + timestamps), the
             derived multi-source CSV (POLYLINE + TIMESTAMPS), or a cabspotting taxi file
             (new_<cab>.txt: "lat lon occupied unix_time" per line, cut into occupied trips);
             .gz is read as gzip. Several files (--gps a,b or --gps a b …) are matched together.
             Files of any size are read as streams, in bounded memory.
  --format   auto (default) reads a file as cabspotting when its first line is "lat lon 0|1 time"
  --workers  matching threads (default: one per core); the output is the same for any number
  --resume   continue a run that was stopped, from <out>/.match-state.json; same files as one run
  --json     the summary as one JSON line: counts and reasons, never a dropped trace's name
  Progress (rows read, trips kept and dropped, rate, ETA) goes to stderr.`;

const FORMATS: readonly GpsFormat[] = ['auto', 'csv', 'cabspotting'];

/** Where a run got to: saved after each batch written (see the header). */
interface MatchState {
  version: 1;
  /** The run's inputs: a resume with other inputs is refused. */
  inputs: { gps: { name: string; bytes: number }[]; network: string; minRoads: number; format: GpsFormat; batchLines: number };
  /** Bytes of test.csv written so far (a kill after them and before the state is cut back). */
  testBytes: number;
  tally: MatchTally;
}

const STATE = '.match-state.json';

/** Progress on stderr, at most once every 2 s: rows read, kept and dropped, rate and ETA by bytes. */
function progressLine(totalBytes: number, firstRows: number): (p: MatchProgress, final?: boolean) => void {
  const t0 = Date.now();
  let last = 0;
  return (p, final = false) => {
    const now = Date.now();
    if (!final && now - last < 2000) return;
    last = now;
    const s = (now - t0) / 1000;
    const rate = s > 0 ? (p.rows - firstRows) / s : 0;
    const share = totalBytes > 0 ? Math.min(1, p.bytes / totalBytes) : 0;
    const eta = share > 0 && share < 1 ? ` · ETA ${Math.round((s * (1 - share)) / share)} s` : '';
    process.stderr.write(
      `data match: ${p.rows.toLocaleString('en-US')} rows read (${(100 * share).toFixed(1)} %), ${p.kept.toLocaleString('en-US')} kept, ` +
        `${p.dropped.toLocaleString('en-US')} dropped · ${rate.toFixed(0)} rows/s${eta}\n`,
    );
  };
}

/** Copies a file, gunzipping a .gz one as it streams. */
async function copyPlain(from: string, to: string): Promise<void> {
  if (from.endsWith('.gz')) await pipeline(createReadStream(from), createGunzip(), createWriteStream(to));
  else await copyFile(from, to);
}

export interface MatchRunHooks {
  /** Stops the run between batches (as Ctrl-C does): exit code 130, resumable. */
  signal?: AbortSignal;
  /** Called after each batch written, with the number written (tests stop a run part-way). */
  onBatch?: (batches: number) => void;
  /** Lines per batch (default GPS_BATCH_LINES; tests use a few). */
  batchLines?: number;
}

export async function run(args: string[], hooks: MatchRunHooks = {}): Promise<number> {
  const p = parseArgs(args, commandDecl('data match', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let netDir: string, gpsFiles: string[], out: string, format: GpsFormat, workers: number;
  try {
    netDir = flagString(p, 'network');
    // Extra positionals are more GPS files, so a shell glob after --gps works.
    gpsFiles = [...flagString(p, 'gps').split(','), ...p.positional].filter((f) => f !== '');
    out = flagString(p, 'out');
    format = flagString(p, 'format', 'auto') as GpsFormat;
    if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    workers = p.flags.workers === undefined ? availableParallelism() : parseWorkers(p.flags.workers as string);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const minRoads = flagNumber(p, 'min-roads', 5);
  const resume = p.flags.resume === true;
  const batchLines = hooks.batchLines ?? GPS_BATCH_LINES;

  // The network: only the roadmap files of the folder are parsed (its trips are copied as they are).
  let network;
  let dirFiles;
  try {
    dirFiles = await datasetDirFiles(netDir);
    network = await loadRoadmap(netDir);
  } catch (e) {
    if (e instanceof DatasetError) for (const i of e.issues) console.error(formatIssue(i));
    else console.error(`error: ${(e as Error).message}`);
    return 1;
  }

  const gpsInputs: { name: string; bytes: number }[] = [];
  for (const f of gpsFiles) {
    const st = await stat(f).catch((e: Error) => e);
    if (st instanceof Error || !st.isFile()) {
      console.error(`${f}:0: (file): cannot read: ${st instanceof Error ? st.message : 'not a file'}`);
      return 1;
    }
    gpsInputs.push({ name: basename(f), bytes: st.size });
  }
  const inputs: MatchState['inputs'] = { gps: gpsInputs, network: networkFingerprint(network), minRoads, format, batchLines };
  const totalBytes = gpsInputs.reduce((a, g) => a + g.bytes, 0);
  // Threads pay off on large inputs only: by default, one per 8 MB of GPS, up to one per core.
  if (p.flags.workers === undefined) workers = Math.min(workers, Math.ceil(totalBytes / (8 << 20)));

  await mkdir(out, { recursive: true });
  const testPath = join(out, 'test.csv');
  const statePath = join(out, STATE);
  let state: MatchState | null = null;
  if (resume) {
    try {
      state = JSON.parse(await readFile(statePath, 'utf8')) as MatchState;
    } catch {
      console.error(`${statePath}:0: (file): nothing to resume: no state of an earlier run in ${out}`);
      return 1;
    }
    if (JSON.stringify(state.inputs) !== JSON.stringify(inputs)) {
      console.error(
        `${statePath}:0: (file): the stopped run had other inputs (GPS files, network, --min-roads or --format): run without --resume`,
      );
      return 1;
    }
  }
  // test.csv: cut back to what the state counts (a kill may have come between the two writes).
  const header = writeTrajectories([]);
  const fh = await open(testPath, state ? 'r+' : 'w');
  let testBytes: number;
  if (state) {
    await fh.truncate(state.testBytes);
    testBytes = state.testBytes;
  } else {
    await fh.write(header);
    testBytes = Buffer.byteLength(header);
  }

  const pool =
    workers > 1
      ? await MatchPool.start(workers, {
          networkDir: netDir,
          minRoads,
          fileLabel: gpsInputs.length === 1 ? gpsInputs[0].name : `${gpsInputs.length} files`,
        })
      : null;
  const show = progressLine(totalBytes, state?.tally.rows ?? 0);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  hooks.signal?.addEventListener('abort', () => controller.abort(hooks.signal?.reason));
  let summary;
  let last: MatchProgress | null = null;
  try {
    ({ summary } = await matchGpsStream(
      network,
      gpsFiles.map((f) => fsStreamFile(f)),
      {
        minRoads,
        format,
        batchLines,
        resume: state?.tally,
        concurrency: pool ? 2 * pool.size : 1,
        runner: pool ? (b, cal) => pool.match(b, cal) : undefined,
        signal: controller.signal,
        onBatch: async (trips, tally) => {
          const text = writeTrajectories(trips).slice(header.length);
          if (text) {
            await fh.write(text, testBytes);
            testBytes += Buffer.byteLength(text);
          }
          const next: MatchState = { version: 1, inputs, testBytes, tally };
          await writeFile(`${statePath}.tmp`, JSON.stringify(next));
          await rename(`${statePath}.tmp`, statePath);
          hooks.onBatch?.(tally.batches);
        },
        onProgress: (pr) => {
          last = pr;
          show(pr);
        },
      },
    ));
  } catch (e) {
    await fh.close();
    if (controller.signal.aborted) {
      console.error(`data match: stopped; the matched batches are saved in ${out}: run the same command with --resume to continue`);
      return 130;
    }
    if (e instanceof DatasetError) for (const i of e.issues) console.error(formatIssue(i));
    else console.error((e as Error).message);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await pool?.close();
  }
  await fh.close();
  if (last) show(last, true);
  // Lines that could not be read were skipped (each ends the trip it fell in): list them, and the
  // traces read but dropped at matching, each at the line it starts on.
  for (const i of summary.problems ?? []) console.error(formatIssue(i));
  for (const i of summary.unmatched ?? []) console.error(formatIssue(i));

  // Carried over from the network folder: its roadmap and its train and val trips (see the header).
  const kept: string[] = [];
  for (const f of dirFiles) {
    const role = datasetFileRole(f.name);
    const target = role === 'geo' || role === 'rel' ? `roadmap.${role}` : role === 'train' || role === 'val' ? `${role}.csv` : null;
    if (target === null) continue;
    // Same bytes as the source (a .gz source is written out plain).
    await copyPlain(join(netDir, f.name), join(out, target));
    if (role === 'train' || role === 'val') kept.push(target);
  }
  await rm(statePath, { force: true });

  // The JSON summary carries counts only: the dropped traces, each named by its file, line and trace,
  // went to stderr above. A summary is what a study commits, and a trace's name can identify trips
  // whose licence forbids redistributing them (San Francisco's cabspotting taxis).
  if (p.flags.json)
    console.log(
      JSON.stringify({ ...summary, unmatched: undefined, networkFingerprint: networkFingerprint(network), out, copied: kept, workers }),
    );
  else
    console.log(
      `data match: ${formatMatchSummary(summary)} → ${testPath}` +
        (kept.length ? ` (with ${kept.join(' and ')} of ${netDir}, which the models' derived inputs are built from)` : ''),
    );
  return 0;
}
