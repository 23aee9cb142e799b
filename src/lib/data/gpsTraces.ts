// Raw GPS traces from the two Porto CSV layouts:
// - ECML/PKDD 2015: TRIP_ID, TIMESTAMP (trip start, unix s), MISSING_DATA, POLYLINE = JSON [[lon,lat],…]
//   sampled every 15 s (the times are implied).
// - WKT variant: `shape` = "LINESTRING (lon lat, …)" and `timestamps` = "t1, t2, …" (unix s).
import Papa from 'papaparse';
import type { LonLat } from './types';

export interface GpsTrace {
  id: string;
  points: LonLat[];
  /** Unix seconds, one per point. */
  times: number[];
  /** The source flagged the trace as having missing points (ECML MISSING_DATA=True). */
  missingData: boolean;
}

export interface GpsParseResult {
  traces: GpsTrace[];
  rows: number;
  /** Skipped rows by reason (e.g. "empty polyline": 3). */
  skipped: Record<string, number>;
}

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

/** Parses one CSV text in either layout (detected from the header). */
export function parseGpsCsv(text: string, fileLabel = 'gps'): GpsParseResult {
  const res: GpsParseResult = { traces: [], rows: 0, skipped: {} };
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), {
    header: true,
    skipEmptyLines: true,
  });
  const fields = parsed.meta.fields ?? [];
  const wkt = fields.includes('shape') && fields.includes('timestamps');
  const ecml = fields.includes('POLYLINE') && fields.includes('TIMESTAMP');
  if (!wkt && !ecml) {
    throw new Error(`${fileLabel}: unknown GPS CSV layout (need POLYLINE+TIMESTAMP or shape+timestamps)`);
  }
  parsed.data.forEach((row, i) => {
    res.rows++;
    const id = (row.TRIP_ID ?? '').trim() || `${fileLabel}-${i + 1}`;
    const missingData = (row.MISSING_DATA ?? '').trim().toLowerCase() === 'true';
    let points: LonLat[];
    let times: number[];
    if (ecml) {
      const start = Number(row.TIMESTAMP);
      if (!row.TIMESTAMP || !Number.isFinite(start)) return skip(res, 'bad TIMESTAMP');
      const pl = parsePolyline(row.POLYLINE ?? '');
      if (typeof pl === 'string') return skip(res, pl);
      points = pl;
      times = points.map((_, k) => start + k * ECML_STEP_S);
    } else {
      const pl = parseLinestring(row.shape ?? '');
      if (typeof pl === 'string') return skip(res, pl);
      points = pl;
      const ts = (row.timestamps ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
      times = ts.map(Number);
      if (times.some((t) => !Number.isFinite(t))) return skip(res, 'bad timestamps');
      if (times.length !== points.length) return skip(res, 'timestamps/points length mismatch');
      for (let k = 1; k < times.length; k++) if (times[k] < times[k - 1]) return skip(res, 'timestamps go backwards');
    }
    if (points.length === 0) return skip(res, 'empty trace');
    if (points.length < 2) return skip(res, 'single point');
    res.traces.push({ id, points, times, missingData });
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
