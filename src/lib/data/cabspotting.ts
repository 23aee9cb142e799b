// The cabspotting San Francisco taxi format (CRAWDAD epfl/mobility): one file per taxi,
// `new_<cab>.txt`, one GPS fix per line as `lat lon occupied unix_time` (occupied 0/1, UTC seconds),
// oldest first. Fixes are about 60 s apart.
//
// A trip is a run of consecutive occupied = 1 fixes, split where two fixes are more than
// `maxGapS` (300 s) apart, kept when it has at least `minFixes` (3) fixes: the rule the data's
// README counts its trips with, so our counts can be checked against it.
//
// A line that cannot be read ends the trip it falls in (its occupancy is unknown, so the run is no
// longer known to be consecutive) and is reported as `file:line: field: reason`.
import type { GpsParseResult, GpsTrace } from './gpsTraces';
import type { LonLat, ValidationIssue } from './types';
import { printable } from './textInput';

export interface CabspottingOptions {
  /** A gap longer than this between two occupied fixes splits the trip (s). */
  maxGapS: number;
  /** Runs with fewer fixes are not trips. */
  minFixes: number;
}

export const CABSPOTTING_TRIP_RULE: CabspottingOptions = { maxGapS: 300, minFixes: 3 };

/** Listed problems per file; beyond this they are only counted. */
const MAX_PROBLEMS = 20;

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The cab name of a `new_<cab>.txt` path (any folder), else the file's base name. */
export function cabName(fileLabel: string): string {
  const base = fileLabel.split(/[\\/]/).pop() ?? fileLabel;
  const m = /^new_(.+)\.txt$/.exec(base);
  return m ? m[1] : base.replace(/\.[^.]*$/, '');
}

/** Whether `text` looks like a cabspotting file: its first non-empty line is `lat lon 0|1 time`. */
export function looksLikeCabspotting(text: string): boolean {
  const m = /^\s*(\S[^\r\n]*)/.exec(text.slice(0, 400));
  if (!m) return false;
  const f = m[1].trim().split(/\s+/);
  return f.length === 4 && NUMBER.test(f[0]) && NUMBER.test(f[1]) && (f[2] === '0' || f[2] === '1') && /^\d+$/.test(f[3]);
}

export interface CabspottingResult extends GpsParseResult {
  /** Fix lines read (non-empty). */
  fixes: number;
  /** Occupied runs too short to be trips (fewer than minFixes). */
  shortRuns: number;
}

/**
 * Cuts one taxi file into trips. `rows` counts the trips found (as a CSV reader counts its rows),
 * `skipped` the unreadable lines by reason, with the first ones listed in `problems`. Trip ids are
 * `<cab>_<first fix time>`, as in the derived cabspotting CSV.
 */
export function parseCabspotting(text: string, fileLabel = 'cab', opts: Partial<CabspottingOptions> = {}): CabspottingResult {
  const { maxGapS, minFixes } = { ...CABSPOTTING_TRIP_RULE, ...opts };
  const cab = cabName(fileLabel);
  const problems: ValidationIssue[] = [];
  const res: CabspottingResult = { traces: [], rows: 0, skipped: {}, problems, fixes: 0, shortRuns: 0 };
  let points: LonLat[] = [];
  let times: number[] = [];
  /** The line of the run's first fix. */
  let firstLine = 0;
  let lastTime = -Infinity;
  const endRun = (): void => {
    if (points.length >= minFixes) {
      const t: GpsTrace = {
        id: `${cab}_${times[0]}`,
        points,
        times,
        missingData: false,
        source: fileLabel,
        at: { file: fileLabel, line: firstLine },
      };
      res.traces.push(t);
      res.rows++;
    } else if (points.length > 0) res.shortRuns++;
    points = [];
    times = [];
  };
  const bad = (line: number, field: string, reason: string): void => {
    res.skipped[reason] = (res.skipped[reason] ?? 0) + 1;
    if (problems.length < MAX_PROBLEMS) problems.push({ file: fileLabel, line, field, reason });
    endRun();
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    res.fixes++;
    const f = line.split(/\s+/);
    if (f.length !== 4) {
      bad(i + 1, 'line', `expected 4 fields "lat lon occupied unix_time", got ${f.length}: "${printable(line)}"`);
      continue;
    }
    const lat = Number(f[0]);
    const lon = Number(f[1]);
    const t = Number(f[3]);
    if (!NUMBER.test(f[0]) || !(Math.abs(lat) <= 90)) {
      bad(i + 1, 'lat', `not a latitude: "${printable(f[0])}"`);
      continue;
    }
    if (!NUMBER.test(f[1]) || !(Math.abs(lon) <= 180)) {
      bad(i + 1, 'lon', `not a longitude: "${printable(f[1])}"`);
      continue;
    }
    if (f[2] !== '0' && f[2] !== '1') {
      bad(i + 1, 'occupied', `must be 0 or 1, got "${printable(f[2])}"`);
      continue;
    }
    if (!/^\d+$/.test(f[3]) || !Number.isSafeInteger(t)) {
      bad(i + 1, 'unix_time', `not a whole number of seconds: "${printable(f[3])}"`);
      continue;
    }
    if (t <= lastTime) {
      // Not taken as the new reference time, so one stray line does not reject the lines after it.
      bad(i + 1, 'unix_time', `time goes backwards or repeats (${t} after ${lastTime}); fixes must be oldest first`);
      continue;
    }
    lastTime = t;
    if (f[2] === '0') {
      endRun();
      continue;
    }
    if (times.length > 0 && t - times[times.length - 1] > maxGapS) endRun();
    if (points.length === 0) firstLine = i + 1;
    points.push([lon, lat]);
    times.push(t);
  }
  endRun();
  return res;
}
