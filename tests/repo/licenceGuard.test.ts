// The San Francisco trips (cabspotting, CRAWDAD terms: citation required, no redistribution) must
// never be committed, raw or map-matched. `npm run data:build:sf` writes them to public/data/sf/,
// which .gitignore keeps out. This test fails when a file git would commit under public/, tests/,
// e2e/, docs/ or runs/ (the studies' kept checkpoints and reports, `study keep`) looks like
// SF trip data: a path under public/data/sf, cabspotting fix lines, timed coordinates in the SF box,
// or trip CSVs (rid_list/time_list) on a road network in the SF box. The SF road network alone
// (ODbL) and aggregate figures are allowed.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/** Wider than the build's box: all of San Francisco, so a trip from a larger extract is caught too. */
const SF: [number, number, number, number] = [-122.53, 37.7, -122.35, 37.84];
const inSf = (lon: number, lat: number): boolean => lon >= SF[0] && lon <= SF[2] && lat >= SF[1] && lat <= SF[3];

const ROOTS = ['public/', 'tests/', 'e2e/', 'docs/', 'runs/'];
const BINARY = /\.(?:png|jpe?g|gif|webp|ico|safetensors|partial|ckpt|bin|wasm|tgz|zip|woff2?|ttf|pdf)$/i;
/** Larger files are only checked by path (none of the repository's text files comes close). */
const MAX_BYTES = 32 << 20;
/** This many SF points with times make a file trip-like; a few stray points (a map centre) do not. */
const MIN_POINTS = 3;

// `lat lon occupied unix_time`, the cabspotting line.
const CAB_LINE = /^[ \t]*(-?\d+\.\d+)[ \t]+(-?\d+\.\d+)[ \t]+[01][ \t]+\d{9,10}[ \t]*\r?$/gm;
// A lon/lat (or lat/lon) pair with a few decimals, separated by a comma, semicolon or blanks.
const PAIR = /(-?\d{2,3}\.\d{2,})["']?\s*[,; \t]\s*["']?(-?\d{2,3}\.\d{2,})/g;
// Times: unix seconds of the cabspotting era and later, ISO timestamps, or timed-trip headers.
const TIME = /\b1[1-9]\d{8}\b|\b\d{4}-\d\d-\d\dT\d\d:\d\d|time_list|TIMESTAMPS?\b|timestamps/;

/** Why `text` (from `path`) looks like SF trip data, or null. */
function sfTripReason(text: string): string | null {
  let cab = 0;
  for (const m of text.matchAll(CAB_LINE)) if (inSf(Number(m[2]), Number(m[1]))) cab++;
  if (cab >= MIN_POINTS) return `${cab} cabspotting fix lines in San Francisco`;
  if (!TIME.test(text)) return null;
  let pts = 0;
  for (const m of text.matchAll(PAIR)) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (inSf(a, b) || inSf(b, a)) pts++;
    if (pts >= MIN_POINTS) return `timed coordinates in San Francisco (≥ ${MIN_POINTS} points)`;
  }
  return null;
}

/** Whether a HOSER roadmap.geo text lies in the SF box (its first coordinate decides). */
function roadmapInSf(text: string): boolean {
  const m = /\[\s*(-?\d+\.\d+)\s*,\s*(-?\d+\.\d+)\s*\]/.exec(text);
  return m !== null && inSf(Number(m[1]), Number(m[2]));
}

/** Files git would commit under the checked roots; null outside a git checkout. */
function repoFiles(): string[] | null {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...ROOTS], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return [...new Set(out.split('\0').filter(Boolean))].filter((f) => existsSync(f));
  } catch {
    return null;
  }
}

function readText(f: string): string | null {
  if (BINARY.test(f) || statSync(f).size > MAX_BYTES) return null;
  const buf = readFileSync(f);
  return (f.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/** Why the content of `f` looks like SF trip data, or null. */
function contentReason(f: string): string | null {
  const text = readText(f);
  if (text === null) return null;
  const why = sfTripReason(text);
  if (why) return why;
  if (/^[^\n]*\brid_list\b[^\n]*\btime_list\b/.test(text)) {
    const geo = join(dirname(f), 'roadmap.geo');
    if (existsSync(geo) && roadmapInSf(readFileSync(geo, 'utf8'))) return `trips on a San Francisco road network (${geo})`;
  }
  return null;
}

/** Every problem found, as "path: reason". */
function scan(files: string[]): string[] {
  const problems: string[] = [];
  for (const f of files) {
    const why = /^public\/data\/sf(\/|$)/.test(f)
      ? 'under public/data/sf (git-ignored: the SF build output must stay local)'
      : contentReason(f);
    if (why) problems.push(`${f}: ${why}`);
  }
  return problems;
}

describe('licence guard: no San Francisco trip data in the repository', () => {
  // Test inputs are assembled at run time, so this file itself holds no line the scan would flag.
  const sp = (...xs: (string | number)[]): string => xs.join(' ');
  const cabLines = [0, 1, 2]
    .map((k) => sp((37.79 + k / 1000).toFixed(5), (-122.41 - k / 1000).toFixed(5), 1, 1211000000 + 60 * k))
    .join('\n');

  it('flags cabspotting lines, timed SF polylines and ISO-timed SF points; not Porto, nor an SF network alone', () => {
    expect(sfTripReason(cabLines)).toMatch(/cabspotting fix lines/);
    const poly = JSON.stringify([0, 1, 2].map((k) => [-122.41 + k / 1000, 37.79]));
    expect(sfTripReason(`TRIP_ID,POLYLINE,TIMESTAMPS\nx,"${poly}","[1,2,3]"\n`)).toMatch(/timed coordinates/);
    expect(
      sfTripReason(`lat,lon,time\n${[0, 1, 2].map((k) => `${37.79 + k / 1000},${-122.41},2008-05-17T10:0${k}:00`).join('\n')}`),
    ).toMatch(/timed coordinates/);
    // Porto trips, an SF road network without times, a few SF points (a map centre) with a time.
    const porto = [0, 1, 2].map((k) => sp((41.15 + k / 1000).toFixed(5), (-8.61).toFixed(5), 1, 1372636858 + 15 * k)).join('\n');
    expect(sfTripReason(porto)).toBeNull();
    expect(sfTripReason(`geo_id,coordinates\n0,"${poly}"\n`)).toBeNull();
    expect(sfTripReason(`{"center": [-122.41, 37.79], "built": "2026-01-01T00:00"}`)).toBeNull();
  });

  it('flags the real SF files by their content, where this machine has them', () => {
    const local = ['public/data/sf/train.csv', '../shared/data/sf/gps/ynskoroglu_pmi_interview/new_abboip.txt'].filter((f) =>
      existsSync(f),
    );
    for (const f of local) expect(contentReason(f), f).not.toBeNull();
  });

  it('no committed file under public/, tests/, e2e/, docs/ or runs/ looks like SF trip data', () => {
    const files = repoFiles();
    if (files === null) return; // not a git checkout (a source tarball): nothing can be committed
    expect(files.length).toBeGreaterThan(10);
    expect(scan(files)).toEqual([]);
  });

  it('public/data/sf is ignored by git', () => {
    if (repoFiles() === null) return;
    const ignored = execFileSync('git', ['check-ignore', '--no-index', 'public/data/sf/train.csv'], { encoding: 'utf8' }).trim();
    expect(ignored).toBe('public/data/sf/train.csv');
  });
});
