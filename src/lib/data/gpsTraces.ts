// Raw GPS traces from the two Porto CSV layouts:
// - ECML/PKDD 2015: TRIP_ID, TIMESTAMP (trip start, unix s), MISSING_DATA, POLYLINE = JSON [[lon,lat],…]
//   sampled every 15 s (the times are implied).
// - WKT variant: `shape` = "LINESTRING (lon lat, …)" and `timestamps` = "t1, t2, …" (unix s).
// - Derived multi-source layout (gps-extra/derived): SOURCE_REPO, SOURCE_ID, POLYLINE and TIMESTAMPS
//   = JSON [t1, t2, …] (unix s, one per point, already in UTC).
// - RNTrajRec text (`unix_time lat lon road_id` per line, trips ended by lines `-1`, `-2`, …), read by
//   parseRnTrajRec.
import Papa from 'papaparse';
import type { LonLat, ValidationIssue } from './types';
import { binaryReason, hasNonText, printable } from './textInput';
import { ownString } from './textStream';

export interface GpsTrace {
  id: string;
  points: LonLat[];
  /** Unix seconds, one per point. */
  times: number[];
  /** The source flagged the trace as having missing points (ECML MISSING_DATA=True). */
  missingData: boolean;
  /** Where the trace comes from (a repository or file label); used for per-source counts. */
  source?: string;
  /** The source says the trace is cut part-way (a Kaggle-test style partial trip). */
  partial?: boolean;
  /** The source's points are a sparse subsample (RNTrajRec test inputs). */
  sparse?: boolean;
  /** Where the trace starts in its file (1-based line): a trace dropped later is listed with it. */
  at?: { file: string; line: number };
}

export interface GpsParseResult {
  traces: GpsTrace[];
  rows: number;
  /** Skipped rows by reason (e.g. "empty polyline": 3). */
  skipped: Record<string, number>;
  /** The first skipped rows with their line (capped), so a user can find them. */
  problems?: ValidationIssue[];
}

/** Skipped rows listed with their line; beyond this they are only counted. */
const MAX_PROBLEMS = 200;

/** ECML/PKDD sampling step. */
export const ECML_STEP_S = 15;

function skip(res: GpsParseResult, reason: string): void {
  res.skipped[reason] = (res.skipped[reason] ?? 0) + 1;
}

function validLonLat(p: unknown): p is LonLat {
  return (
    Array.isArray(p) &&
    p.length === 2 &&
    typeof p[0] === 'number' &&
    typeof p[1] === 'number' &&
    Number.isFinite(p[0]) &&
    Number.isFinite(p[1]) &&
    Math.abs(p[0]) <= 180 &&
    Math.abs(p[1]) <= 90
  );
}

function parsePolyline(s: string): LonLat[] | string {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return 'polyline is not JSON';
  }
  if (!Array.isArray(v)) return 'polyline is not a list';
  for (const p of v) if (!validLonLat(p)) return 'bad coordinate';
  return v as LonLat[];
}

function parseLinestring(s: string): LonLat[] | string {
  const m = /^\s*LINESTRING\s*\((.*)\)\s*$/i.exec(s);
  if (!m) return 'shape is not a WKT LINESTRING';
  if (m[1].trim() === '') return [];
  const pts: LonLat[] = [];
  for (const part of m[1].split(',')) {
    const xy = part.trim().split(/\s+/).map(Number);
    const p: LonLat = [xy[0], xy[1]];
    if (xy.length !== 2 || !validLonLat(p)) return 'bad coordinate';
    pts.push(p);
  }
  return pts;
}

/**
 * Why a line cannot be one whole row, or null: bytes that are not text, or a quote that is never
 * closed (the row was cut short). No field of these layouts holds a line break, so a row is one
 * line, and a broken one is dropped alone instead of swallowing the lines after it.
 */
function brokenLine(line: string): string | null {
  if (hasNonText(line)) return 'unreadable row (not text)';
  let quotes = 0;
  for (let k = line.indexOf('"'); k !== -1; k = line.indexOf('"', k + 1)) quotes++;
  return quotes % 2 === 1 ? 'row cut short (a quote is never closed)' : null;
}

/** One line of a text file with its 1-based number. */
export interface NumberedLine {
  text: string;
  line: number;
}

/**
 * A GPS CSV read in batches of lines (each batch whole lines, in file order): the one parse behind
 * parseGpsCsv (a whole text, one batch) and streamGpsCsv (a stream file, many batches). Every data
 * line becomes a trace, or is dropped with its line number and reason (`problems`, the first
 * MAX_PROBLEMS of them; `skipped` counts them all by reason).
 */
export class GpsCsvReader {
  private header: string | null = null;
  private fields: string[] = [];
  private layout: 'wkt' | 'derived' | 'ecml' = 'ecml';
  /** Data rows handed to the CSV parser so far (a trace without an id is named after it). */
  private parsedRows = 0;
  private problemsListed = 0;

  constructor(private readonly fileLabel: string) {}

  /**
   * Parses a batch of lines into `res` (its traces, rows, skipped and problems grow). The first
   * non-blank line is the header; `sample` (the file's start) tells a binary file from text.
   */
  lines(batch: NumberedLine[], res: GpsParseResult, sample: () => string): void {
    const fileLabel = this.fileLabel;
    const reject = (line: number, col: string, reason: string): void => {
      skip(res, reason);
      res.problems ??= [];
      if (this.problemsListed < MAX_PROBLEMS) {
        this.problemsListed++;
        res.problems.push({ file: fileLabel, line, field: col, reason });
      }
    };
    let k = 0;
    if (this.header === null) {
      while (k < batch.length && batch[k].text.trim() === '') k++;
      if (k === batch.length) return;
      const head = batch[k].text.replace(/^\uFEFF/, '');
      // A binary file shows in its first line; a text file with one line of random bytes loses that line only.
      const binary = hasNonText(head) ? binaryReason(sample()) : null;
      if (binary) throw new Error(`${fileLabel}:1: (file): ${binary}`);
      const fields = Papa.parse<string[]>(head, { delimiter: ',' }).data[0] ?? [];
      const wkt = fields.includes('shape') && fields.includes('timestamps');
      const derived = fields.includes('POLYLINE') && fields.includes('TIMESTAMPS');
      const ecml = !derived && fields.includes('POLYLINE') && fields.includes('TIMESTAMP');
      if (!wkt && !ecml && !derived) {
        const found = fields.length ? printable(fields.join(', '), 160) : '(none)';
        throw new Error(
          `${fileLabel}:1: header: unknown GPS CSV layout (need POLYLINE+TIMESTAMP, POLYLINE+TIMESTAMPS or shape+timestamps); columns found: ${found}`,
        );
      }
      this.header = head;
      this.fields = fields;
      this.layout = wkt ? 'wkt' : derived ? 'derived' : 'ecml';
      k++;
    }
    // Whole lines go to the CSV parser; broken ones are dropped here with their line. lineOf[i] is the
    // 1-based line of the parser's data row i.
    const good: string[] = [this.header];
    const lineOf: number[] = [];
    for (; k < batch.length; k++) {
      const { text, line } = batch[k];
      if (text.trim() === '') continue;
      res.rows++;
      const why = brokenLine(text);
      if (why) reject(line, '(row)', why);
      else {
        good.push(text);
        lineOf.push(line);
      }
    }
    if (lineOf.length === 0) return;
    const parsed = Papa.parse<Record<string, string>>(good.join('\n'), { header: true, skipEmptyLines: true });
    const nFields = this.fields.length;
    const { layout } = this;
    const derived = layout === 'derived';
    const ecml = layout === 'ecml';
    // A row with more or fewer fields than the header (e.g. cut short outside any quote).
    const fieldCount = new Map<number, string>();
    for (const e of parsed.errors) if (e.code === 'TooFewFields' || e.code === 'TooManyFields') fieldCount.set(e.row ?? -1, e.message);
    const first = this.parsedRows;
    this.parsedRows += parsed.data.length;
    parsed.data.forEach((row, i) => {
      const line = lineOf[i];
      if (fieldCount.has(i)) return reject(line, '(row)', `wrong number of fields (the header has ${nFields})`);
      const sourceId = (row.SOURCE_ID ?? '').trim();
      const repo = (row.SOURCE_REPO ?? '').trim();
      const id =
        (row.TRIP_ID ?? '').trim() || (repo && sourceId ? `${repo.split('/').pop()}:${sourceId}` : `${fileLabel}-${first + i + 1}`);
      const missingData = (row.MISSING_DATA ?? '').trim().toLowerCase() === 'true';
      let points: LonLat[];
      let times: number[];
      if (derived) {
        const pl = parsePolyline(row.POLYLINE ?? '');
        if (typeof pl === 'string') return reject(line, 'POLYLINE', pl);
        points = pl;
        const ts = parseTimeList(row.TIMESTAMPS ?? '');
        if (typeof ts === 'string') return reject(line, 'TIMESTAMPS', ts);
        times = ts;
        if (times.length !== points.length) return reject(line, 'TIMESTAMPS', 'timestamps/points length mismatch');
      } else if (ecml) {
        const start = Number(row.TIMESTAMP);
        if (!row.TIMESTAMP || !Number.isFinite(start)) return reject(line, 'TIMESTAMP', 'bad TIMESTAMP');
        const pl = parsePolyline(row.POLYLINE ?? '');
        if (typeof pl === 'string') return reject(line, 'POLYLINE', pl);
        points = pl;
        times = points.map((_, k) => start + k * ECML_STEP_S);
      } else {
        const pl = parseLinestring(row.shape ?? '');
        if (typeof pl === 'string') return reject(line, 'shape', pl);
        points = pl;
        const ts = (row.timestamps ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
        times = ts.map(Number);
        if (times.some((t) => !Number.isFinite(t))) return reject(line, 'timestamps', 'bad timestamps');
        if (times.length !== points.length) return reject(line, 'timestamps', 'timestamps/points length mismatch');
        for (let k = 1; k < times.length; k++) if (times[k] < times[k - 1]) return reject(line, 'timestamps', 'timestamps go backwards');
      }
      if (points.length === 0) return reject(line, derived || ecml ? 'POLYLINE' : 'shape', 'empty trace');
      if (points.length < 2) return reject(line, derived || ecml ? 'POLYLINE' : 'shape', 'single point');
      const trace: GpsTrace = {
        id: ownString(id),
        points,
        times,
        missingData,
        source: repo ? ownString(repo) : fileLabel,
        at: { file: fileLabel, line },
      };
      if ((row.PARTIAL ?? '').trim() === '1') trace.partial = true;
      if ((row.SPARSE ?? '').trim() === '1') trace.sparse = true;
      res.traces.push(trace);
    });
  }

  /** Ends the file: one that held no header at all is not a GPS CSV. */
  end(sample: () => string): void {
    if (this.header !== null) return;
    const binary = binaryReason(sample());
    if (binary) throw new Error(`${this.fileLabel}:1: (file): ${binary}`);
    throw new Error(
      `${this.fileLabel}:1: header: unknown GPS CSV layout (need POLYLINE+TIMESTAMP, POLYLINE+TIMESTAMPS or shape+timestamps); columns found: (none)`,
    );
  }
}

/** Parses one whole CSV text in any of the layouts (detected from the header). */
export function parseGpsCsv(text: string, fileLabel = 'gps'): GpsParseResult {
  const res: GpsParseResult = { traces: [], rows: 0, skipped: {}, problems: [] };
  const lines = text.split(/\r?\n/).map((t, i) => ({ text: t, line: i + 1 }));
  const reader = new GpsCsvReader(fileLabel);
  const sample = (): string => text;
  reader.lines(lines, res, sample);
  reader.end(sample);
  return res;
}

/** Lines per batch when a GPS CSV is read as a stream. */
export const GPS_BATCH_LINES = 2000;

/**
 * A GPS CSV read as a stream: each yield is one batch's result (its traces, rows, skipped and
 * problems, the problems capped over the whole file). Memory holds one batch, whatever the file size.
 */
export async function* streamGpsCsv(
  lines: AsyncIterable<NumberedLine>,
  fileLabel: string,
  batchLines = GPS_BATCH_LINES,
): AsyncIterable<GpsParseResult> {
  const reader = new GpsCsvReader(fileLabel);
  let start = '';
  const sample = (): string => start;
  let batch: NumberedLine[] = [];
  const flush = (): GpsParseResult => {
    const res: GpsParseResult = { traces: [], rows: 0, skipped: {}, problems: [] };
    reader.lines(batch, res, sample);
    batch = [];
    return res;
  };
  for await (const l of lines) {
    if (start.length < 8192) start += l.text + '\n';
    batch.push(l);
    if (batch.length >= batchLines) yield flush();
  }
  if (batch.length > 0) yield flush();
  reader.end(sample);
}

function parseTimeList(s: string): number[] | string {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return 'timestamps are not JSON';
  }
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'number' || !Number.isFinite(t))) return 'bad timestamps';
  const ts = v as number[];
  for (let k = 1; k < ts.length; k++) if (ts[k] < ts[k - 1]) return 'timestamps go backwards';
  return ts;
}

/**
 * RNTrajRec's map-matched text files (`unix_time lat lon road_id` per line; a line `-k` ends trip
 * k − 1). Trip k gets the id `<label>#<k>`, as the derived file's SOURCE_ID names it.
 */
export function parseRnTrajRec(text: string, label: string, source: string): GpsParseResult {
  const res: GpsParseResult = { traces: [], rows: 0, skipped: {} };
  let points: LonLat[] = [];
  let times: number[] = [];
  let k = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (/^-\d+$/.test(line)) {
      res.rows++;
      if (points.length >= 2) res.traces.push({ id: `${label}#${k}`, points, times, missingData: false, source });
      else skip(res, points.length === 0 ? 'empty trace' : 'single point');
      points = [];
      times = [];
      k++;
      return;
    }
    const f = line.split(/\s+/).map(Number);
    if (f.length < 3 || f.slice(0, 3).some((x) => !Number.isFinite(x))) {
      throw new Error(`${label}:${i + 1}: point: expected "unix_time lat lon road_id", got "${printable(line)}"`);
    }
    points.push([f[2], f[1]]);
    times.push(f[0]);
  });
  return res;
}

/** Merges several parse results; a trip id seen before is skipped as a duplicate. */
export function mergeGpsResults(results: GpsParseResult[]): GpsParseResult {
  const out: GpsParseResult = { traces: [], rows: 0, skipped: {} };
  const seen = new Set<string>();
  for (const r of results) {
    out.rows += r.rows;
    for (const [k, v] of Object.entries(r.skipped)) out.skipped[k] = (out.skipped[k] ?? 0) + v;
    for (const t of r.traces) {
      if (seen.has(t.id)) {
        skip(out, 'duplicate TRIP_ID');
        continue;
      }
      seen.add(t.id);
      out.traces.push(t);
    }
  }
  return out;
}
