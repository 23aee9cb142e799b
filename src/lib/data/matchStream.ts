// Map matching a GPS input of any size (the full 1.8 GB ECML Porto file), shared by `data match`
// and the app's "Match GPS traces…": the files are read as streams (textStream.ts) and cut into
// batches of lines; each batch is parsed (gpsTraces.ts), matched by a runner (in this thread, or a
// pool of threads in the CLI) and handed on in input order, so the output does not depend on how
// many batches run at once. Memory holds the batches in flight, not the file.
//
// The matcher's σ and sampling profile are estimated once, from the first CALIBRATION_TRACES traces
// inside the network's area (a file with fewer is estimated from all of them, as a whole-file match
// always was), so every batch is matched with the same options.
//
// What the run has counted so far is one plain object (MatchTally), saved by the CLI after each
// batch it writes: a run stopped part-way resumes after its last written batch and writes the
// same bytes as a run never stopped.
//
// Framework-free: runs in Node, workers and tests.
import type { GpsParseResult, GpsTrace } from './gpsTraces';
import { GPS_BATCH_LINES, streamGpsCsv } from './gpsTraces';
import { looksLikeCabspotting, parseCabspotting } from './cabspotting';
import { decodeUtf8, fileBytes, textLines, type StreamFile } from './textStream';
import {
  calibrateMatch,
  droppedTraceIssue,
  matchTraces,
  MAX_LISTED_DROPS,
  networkBox,
  type GpsFormat,
  type GpsMatchSummary,
  type MatchCalibration,
} from './matchTraces';
import { inBox } from '../geo';
import { DatasetError } from './types';
import type { RoadNetwork, Trajectory, ValidationIssue } from './types';

/** Traces inside the network's area that the matcher's σ and sampling profile are estimated from. */
export const CALIBRATION_TRACES = 5000;

/** Problems listed by line (the rest counted), as the parsers list them. */
const MAX_LISTED = 200;

/** Point-to-road distances are counted in bins of 0.01 m (the summary's precision) up to this. */
const DIST_BINS = 20_000;

/** One batch's traces, to match. */
export interface TraceBatch {
  /** 0-based, in input order. */
  index: number;
  traces: GpsTrace[];
}

/** What matching one batch gave: plain data (it crosses to and from threads). */
export interface BatchMatch {
  trips: Trajectory[];
  tripsMatched: number;
  tripsSplit: number;
  /** Traces dropped at matching by reason, in order of first occurrence. */
  dropped: Record<string, number>;
  /** Each dropped trace at its line, in input order. */
  droppedIssues: ValidationIssue[];
  /** Every matched point's distance to its road (m). */
  pointDists: Float64Array;
}

/** Matches one batch with fixed options (the runner in one thread; each pool thread calls it too). */
export function matchBatch(
  network: RoadNetwork,
  traces: GpsTrace[],
  minRoads: number,
  calibrated: MatchCalibration,
  fileLabel: string,
): BatchMatch {
  const { trips, report, droppedTraces, pointDistsSorted } = matchTraces(network, traces, { minRoads, calibrated });
  return {
    trips,
    tripsMatched: report.tripsMatched,
    tripsSplit: report.tripsSplit,
    dropped: report.dropped,
    droppedIssues: droppedTraces.map((d) => droppedTraceIssue(d, fileLabel)),
    pointDists: pointDistsSorted,
  };
}

/** Everything counted so far, after `batches` batches (JSON-safe: the CLI saves it to resume). */
export interface MatchTally {
  batches: number;
  /** Traces read (data rows), and how many lay wholly inside the network's area. */
  rows: number;
  traces: number;
  inside: number;
  kept: number;
  split: number;
  trajectories: number;
  droppedMatch: Record<string, number>;
  skipped: Record<string, number>;
  problems: ValidationIssue[];
  unmatched: ValidationIssue[];
  /** Matched points' distances: counts per 0.01 m bin, and the few beyond the last bin. */
  distBins: number[];
  distOver: number[];
}

export function emptyTally(): MatchTally {
  return {
    batches: 0,
    rows: 0,
    traces: 0,
    inside: 0,
    kept: 0,
    split: 0,
    trajectories: 0,
    droppedMatch: {},
    skipped: {},
    problems: [],
    unmatched: [],
    distBins: new Array<number>(DIST_BINS + 1).fill(0),
    distOver: [],
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** The lower q-quantile (as matchTraces' quantile) of the tallied distances, to 0.01 m; NaN when none. */
function distQuantile(t: MatchTally, q: number): number {
  const n = t.distBins.reduce((a, b) => a + b, 0) + t.distOver.length;
  if (n === 0) return NaN;
  let k = Math.min(n - 1, Math.floor(q * n));
  for (let b = 0; b <= DIST_BINS; b++) {
    if (k < t.distBins[b]) return b / 100;
    k -= t.distBins[b];
  }
  const over = t.distOver.slice().sort((a, b) => a - b);
  return Math.round(over[k] * 100) / 100;
}

/** Progress of a run: rows read, trips kept and dropped, bytes read of the total. */
export interface MatchProgress {
  rows: number;
  kept: number;
  dropped: number;
  trajectories: number;
  bytes: number;
  /** Batches written (skipped ones of a resumed run included). */
  batches: number;
}

export interface MatchStreamOptions {
  minRoads?: number;
  format?: GpsFormat;
  /** Lines per batch (default GPS_BATCH_LINES). */
  batchLines?: number;
  /** Matches a batch: in this thread, or a pool's thread. */
  runner?: (batch: TraceBatch, calibrated: MatchCalibration) => Promise<BatchMatch>;
  /** Batches matched at once (a pool's size; 1 in one thread). */
  concurrency?: number;
  /** Called with each batch's trips in input order, after the tally counts it (write, then save the tally). */
  onBatch?: (trips: Trajectory[], tally: MatchTally) => Promise<void> | void;
  /** A saved tally: its batches are read again but neither matched nor handed on. */
  resume?: MatchTally;
  onProgress?: (p: MatchProgress) => void;
  /** Stops the run between batches (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** The network's area (default: its bounding box). */
  box?: [number, number, number, number];
}

/** A parsed batch of lines of one file. */
interface ParsedBatch {
  parsed: GpsParseResult;
  file: string;
}

/**
 * The files' traces in batches, in input order. Cabspotting taxi files (small, one per taxi) are
 * one batch each; CSV files are read line by line. With several files a trip id seen in an earlier
 * file is skipped as a duplicate (as mergeGpsResults does).
 */
async function* gpsBatches(
  files: StreamFile[],
  format: GpsFormat,
  batchLines: number,
  countBytes: (n: number) => void,
): AsyncIterable<ParsedBatch> {
  const seen = files.length > 1 ? new Set<string>() : null;
  for (const f of files) {
    const counted: StreamFile = {
      ...f,
      gzip: f.gzip ?? /\.gz$/i.test(f.name),
      open: async function* () {
        for await (const c of f.open()) {
          countBytes(c.byteLength);
          yield c;
        }
      },
    };
    const text = decodeUtf8(fileBytes(counted))[Symbol.asyncIterator]();
    const first = await text.next();
    const head = first.done ? '' : first.value;
    const rest: AsyncIterable<string> = {
      async *[Symbol.asyncIterator]() {
        if (!first.done) yield head;
        for (let r = await text.next(); !r.done; r = await text.next()) yield r.value;
      },
    };
    const cab = format === 'cabspotting' || (format === 'auto' && looksLikeCabspotting(head));
    let batches: AsyncIterable<GpsParseResult>;
    if (cab) {
      let all = '';
      for await (const s of rest) all += s;
      batches = (async function* () {
        yield parseCabspotting(all, f.name);
      })();
    } else batches = streamGpsCsv(textLines(rest), f.name, batchLines);
    for await (const parsed of batches) {
      if (seen) {
        parsed.traces = parsed.traces.filter((t) => {
          if (!seen.has(t.id)) return (seen.add(t.id), true);
          parsed.skipped['duplicate TRIP_ID'] = (parsed.skipped['duplicate TRIP_ID'] ?? 0) + 1;
          return false;
        });
      }
      yield { parsed, file: f.name };
    }
  }
}

/** The summary of a finished (or resumed and finished) run, as matchGpsFiles gives it. */
export function tallySummary(t: MatchTally, fileName: string, sigmaM: number): GpsMatchSummary {
  const outside = t.traces - t.inside;
  return {
    file: fileName,
    read: t.rows,
    inside: t.inside,
    kept: t.kept,
    split: t.split,
    trajectories: t.trajectories,
    droppedWhy: [
      ...(outside > 0 ? [`${outside} not inside the network's area`] : []),
      ...Object.entries(t.droppedMatch).map(([why, n]) => `${n} ${why}`),
      ...Object.entries(t.skipped).map(([why, n]) => `${n} unreadable (${why})`),
    ],
    pointDistMedianM: distQuantile(t, 0.5),
    pointDistP95M: distQuantile(t, 0.95),
    sigmaM,
    problems: t.problems,
    unmatched: t.unmatched,
  };
}

/**
 * Matches GPS files read as streams onto `network`. Trips reach `onBatch` in input order; the
 * promise gives the summary. Throws as matchGpsFiles does when not one trace can be read.
 */
export async function matchGpsStream(
  network: RoadNetwork,
  files: StreamFile[],
  opts: MatchStreamOptions = {},
): Promise<{ summary: GpsMatchSummary; tally: MatchTally; calibration: MatchCalibration }> {
  const minRoads = opts.minRoads ?? 5;
  const format = opts.format ?? 'auto';
  const batchLines = opts.batchLines ?? GPS_BATCH_LINES;
  const box = opts.box ?? networkBox(network);
  const fileName = files.length === 1 ? files[0].name : `${files.length} files`;
  const isInside = (t: GpsTrace): boolean => t.points.every((q) => inBox(q, box));
  const runner =
    opts.runner ?? ((b: TraceBatch, cal: MatchCalibration) => Promise.resolve(matchBatch(network, b.traces, minRoads, cal, fileName)));
  const concurrency = Math.max(1, opts.concurrency ?? 1);

  // 1. Calibration: the first CALIBRATION_TRACES traces inside the area (reading stops there).
  const sample: GpsTrace[] = [];
  for await (const { parsed } of gpsBatches(files, format, batchLines, () => undefined)) {
    for (const t of parsed.traces) if (isInside(t) && sample.length < CALIBRATION_TRACES) sample.push(t);
    if (sample.length >= CALIBRATION_TRACES) break;
  }
  const calibration = calibrateMatch(network, sample);
  sample.length = 0;

  // 2. Every batch, matched `concurrency` at a time, counted and handed on in input order.
  const tally: MatchTally = opts.resume ? structuredClone(opts.resume) : emptyTally();
  const skipUntil = tally.batches;
  let bytes = 0;
  let index = 0;
  const inFlight: { parsed: GpsParseResult; inside: GpsTrace[]; outside: GpsTrace[]; result: Promise<BatchMatch> }[] = [];
  const progress = (): void =>
    opts.onProgress?.({
      rows: tally.rows,
      kept: tally.kept,
      dropped: tally.rows - tally.kept,
      trajectories: tally.trajectories,
      bytes,
      batches: tally.batches,
    });

  const settle = async (): Promise<void> => {
    const b = inFlight.shift()!;
    const m = await b.result;
    opts.signal?.throwIfAborted();
    // Counted in input order, so the listed problems are the first ones of the input.
    tally.batches++;
    tally.rows += b.parsed.rows;
    tally.traces += b.parsed.traces.length;
    tally.inside += b.inside.length;
    tally.kept += m.tripsMatched;
    tally.split += m.tripsSplit;
    tally.trajectories += m.trips.length;
    addCounts(tally.droppedMatch, m.dropped);
    addCounts(tally.skipped, b.parsed.skipped);
    for (const p of b.parsed.problems ?? []) if (tally.problems.length < MAX_LISTED) tally.problems.push(p);
    // Dropped after reading (outside the area, or at matching), in line order within the batch.
    const dropped = new Map<string, ValidationIssue>();
    for (const i of m.droppedIssues) dropped.set(`${i.file}:${i.line}:${i.field}`, i);
    for (const t of b.parsed.traces) {
      if (tally.unmatched.length >= MAX_LISTED_DROPS) break;
      if (!isInside(t)) tally.unmatched.push(droppedTraceIssue({ trace: t, reason: "not inside the network's area" }, fileName));
      else {
        const i = dropped.get(`${t.at?.file ?? fileName}:${t.at?.line ?? 0}:trace ${t.id}`);
        if (i) tally.unmatched.push(i);
      }
    }
    for (const d of m.pointDists) {
      const bin = Math.round(d * 100);
      if (bin <= DIST_BINS) tally.distBins[bin]++;
      else tally.distOver.push(d);
    }
    await opts.onBatch?.(m.trips, tally);
    progress();
  };

  for await (const { parsed } of gpsBatches(files, format, batchLines, (n) => (bytes += n))) {
    opts.signal?.throwIfAborted();
    const i = index++;
    if (i < skipUntil) continue;
    const inside = parsed.traces.filter(isInside);
    const outside = parsed.traces.filter((t) => !isInside(t));
    inFlight.push({ parsed, inside, outside, result: runner({ index: i, traces: inside }, calibration) });
    if (inFlight.length >= concurrency) await settle();
  }
  while (inFlight.length > 0) await settle();

  if (tally.traces === 0) {
    if (tally.problems.length > 0) throw new DatasetError(tally.problems);
    throw new Error(`${fileName}: no usable trace in ${tally.rows} rows`);
  }
  return { summary: tallySummary(tally, fileName, calibration.options.sigmaM), tally, calibration };
}
