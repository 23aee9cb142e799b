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

/**
 * Parses one CSV text in either layout (detected from the header). Every data line is read: it
 * becomes a trace, or it is dropped with its line number and reason (`problems`, the first
 * MAX_PROBLEMS of them; `skipped` counts them all by reason).
 */
export function parseGpsCsv(text: string, fileLabel = 'gps'): GpsParseResult {
  const res: GpsParseResult = { traces: [], rows: 0, skipped: {}, problems: [] };
  const allLines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = allLines.findIndex((l) => l.trim() !== '');
  // A binary file shows in its first line; a text file with one line of random bytes loses that line only.
  const binary = headerAt < 0 || hasNonText(allLines[headerAt]) ? binaryReason(text) : null;
  if (binary) throw new Error(`${fileLabel}:1: (file): ${binary}`);
  const reject = (line: number, col: string, reason: string): void => {
    skip(res, reason);
    if (res.problems!.length < MAX_PROBLEMS) res.problems!.push({ file: fileLabel, line, field: col, reason });
  };
  // Whole lines go to the CSV parser; broken ones are dropped here with their line. lineOf[i] is the
  // 1-based line of the parser's data row i.
  const good: string[] = headerAt >= 0 ? [allLines[headerAt]] : [];
  const lineOf: number[] = [];
  for (let k = headerAt + 1; headerAt >= 0 && k < allLines.length; k++) {
    if (allLines[k].trim() === '') continue;
    res.rows++;
    const why = brokenLine(allLines[k]);
    if (why) reject(k + 1, '(row)', why);
    else {
      good.push(allLines[k]);
      lineOf.push(k + 1);
    }
  }
  const parsed = Papa.parse<Record<string, string>>(good.join('\n'), { header: true, skipEmptyLines: true });
  const fields = parsed.meta.fields ?? [];
  const wkt = fields.includes('shape') && fields.includes('timestamps');
  const derived = fields.includes('POLYLINE') && fields.includes('TIMESTAMPS');
  const ecml = !derived && fields.includes('POLYLINE') && fields.includes('TIMESTAMP');
  if (!wkt && !ecml && !derived) {
    const found = fields.length ? printable(fields.join(', '), 160) : '(none)';
    throw new Error(
      `${fileLabel}:1: header: unknown GPS CSV layout (need POLYLINE+TIMESTAMP, POLYLINE+TIMESTAMPS or shape+timestamps); columns found: ${found}`,
    );
  }
  // A row with more or fewer fields than the header (e.g. cut short outside any quote).
  const fieldCount = new Map<number, string>();
  for (const e of parsed.errors) if (e.code === 'TooFewFields' || e.code === 'TooManyFields') fieldCount.set(e.row ?? -1, e.message);
  parsed.data.forEach((row, i) => {
    const line = lineOf[i];
    if (fieldCount.has(i)) return reject(line, '(row)', `wrong number of fields (the header has ${fields.length})`);
    const sourceId = (row.SOURCE_ID ?? '').trim();
    const repo = (row.SOURCE_REPO ?? '').trim();
    const id = (row.TRIP_ID ?? '').trim() || (repo && sourceId ? `${repo.split('/').pop()}:${sourceId}` : `${fileLabel}-${i + 1}`);
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
    const trace: GpsTrace = { id, points, times, missingData, source: repo || fileLabel, at: { file: fileLabel, line } };
    if ((row.PARTIAL ?? '').trim() === '1') trace.partial = true;
    if ((row.SPARSE ?? '').trim() === '1') trace.sparse = true;
    res.traces.push(trace);
  });
  return res;
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
