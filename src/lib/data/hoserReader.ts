// Reads and validates a dataset in the HOSER/LibCity text format.
// Validation happens while parsing: every problem becomes a ValidationIssue naming the file, the
// 1-based physical line (header = line 1), the field and the reason, and all of them are thrown
// together as one DatasetError so a user can fix a file in one pass.
import Papa from 'papaparse';
import type { Dataset, LonLat, Road, RoadNetwork, Route, SplitName, TextFile, Trajectory, ValidationIssue } from './types';
import { DatasetError, SPLITS } from './types';
import { buildOut } from './hoserWriter';
import { polylineLengthM } from '../geo';
import { binaryReason, printable } from './textInput';
import { CsvPieces, ownString, pipeFile, type StreamFile } from './textStream';

/** Issues kept in full; beyond this they are only counted (a wrong network can yield thousands). */
export const MAX_ISSUES = 200;

/** Collects issues up to MAX_ISSUES and counts the rest. */
class IssueLog {
  readonly list: ValidationIssue[] = [];
  private dropped = 0;
  private firstDropped: ValidationIssue | null = null;

  add(file: string, line: number, field: string, reason: string): void {
    const issue = { file, line, field, reason };
    if (this.list.length < MAX_ISSUES) {
      this.list.push(issue);
    } else {
      if (this.dropped === 0) this.firstDropped = issue;
      this.dropped++;
    }
  }

  get count(): number {
    return this.list.length + this.dropped;
  }

  /** Throws a DatasetError if anything was logged. */
  throwIfAny(): void {
    if (this.count === 0) return;
    const issues = this.list.slice();
    if (this.firstDropped) {
      const f = this.firstDropped;
      issues.push({ file: f.file, line: f.line, field: '(more)', reason: `${this.dropped} more problem(s) not listed, starting here` });
    }
    throw new DatasetError(issues);
  }
}

/** Quotes a user value for a message, shortened so one bad cell cannot flood the output. */
function show(v: string): string {
  const s = v.length > 60 ? v.slice(0, 57) + '…' : v;
  // JSON escapes C0 controls; printable() the rest (C1, undecodable bytes).
  return printable(JSON.stringify(s), Infinity);
}

/** File name without directories (a browser folder pick gives "porto/roadmap.geo"). */
function baseName(name: string): string {
  const i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return i >= 0 ? name.slice(i + 1) : name;
}

// ---------------------------------------------------------------------------------------------
// CSV layer: papaparse in step mode, with physical line numbers derived from its cursor.

type Columns = Map<string, number>;

/** Handles one data row with the header's field count. `index` is the 0-based data row. */
type RowHandler = (cells: string[], line: number, index: number) => void;

/**
 * One CSV file parsed piece by piece (pieces from `CsvPieces`, each holding whole records; a small
 * file is one piece). Checks the header for `required` columns, then calls the handler made by
 * `onHeader` for every non-empty data row. `end()` returns the number of data rows, or null when
 * the file is empty or lacks a required column (both logged).
 */
class CsvSink {
  private handler: RowHandler | null = null;
  private nFields = 0;
  private index = 0;
  private failed = false;
  private started = false;
  private sawText = false;

  constructor(
    private readonly name: string,
    private readonly required: string[],
    private readonly log: IssueLog,
    private readonly onHeader: (columns: Columns) => RowHandler,
  ) {}

  /** Parses one piece whose first character sits on physical line `firstLine`. */
  piece(raw: string, firstLine: number): void {
    if (this.failed) return;
    const { name, log } = this;
    let text = raw;
    if (!this.started) {
      this.started = true;
      // A byte-order mark would otherwise glue itself to the first column name.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const binary = binaryReason(text);
      if (binary && text.trim() !== '') {
        log.add(name, 1, '(file)', binary);
        this.failed = true;
        return;
      }
    }
    if (!this.sawText) {
      if (text.trim() === '') return;
      this.sawText = true;
    }

    // Running newline count, so each row's start offset maps to its physical line in O(piece size).
    let scanPos = 0;
    let scanLine = firstLine;
    const lineAt = (offset: number): number => {
      if (offset < scanPos) {
        let l = firstLine;
        for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) l++;
        return l;
      }
      for (let i = text.indexOf('\n', scanPos); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) scanLine++;
      scanPos = offset;
      return scanLine;
    };

    let rowStart = 0;
    Papa.parse<string[]>(text, {
      delimiter: ',',
      skipEmptyLines: false,
      step: (res, parser) => {
        const start = rowStart;
        rowStart = res.meta.cursor; // papaparse's cursor sits just past the row's line break
        const cells = res.data;
        const line = lineAt(start);
        for (const e of res.errors) {
          const at = typeof e.index === 'number' && e.index > start ? lineAt(e.index) : line;
          log.add(name, at, '(csv)', `${e.message}: check the quotes on this line`);
        }
        if (this.handler === null) {
          const columns: Columns = new Map();
          cells.forEach((c, i) => {
            const key = c.trim().toLowerCase();
            if (!columns.has(key)) columns.set(key, i);
          });
          const missing = this.required.filter((r) => !columns.has(r));
          if (missing.length > 0) {
            const found = cells.map((c) => c.trim()).filter((c) => c !== '');
            const plural = missing.length > 1 ? 's' : '';
            log.add(
              name,
              line,
              missing.join(', '),
              `required column${plural} ${missing.map((m) => `"${m}"`).join(', ')} missing; columns found: ${found.length ? printable(found.join(', '), 160) : '(none)'}`,
            );
            this.failed = true;
            parser.abort();
            return;
          }
          this.nFields = cells.length;
          this.handler = this.onHeader(columns);
          return;
        }
        // Blank lines (including the usual trailing newline) are not rows.
        if (cells.length === 1 && cells[0].trim() === '') return;
        const i = this.index++;
        if (cells.length !== this.nFields) {
          // After a quoting error the field count is a consequence, not a second problem.
          if (res.errors.length > 0) return;
          const hint = cells.length > this.nFields ? ': is a field that contains commas left unquoted?' : '';
          log.add(name, line, '(row)', `row has ${cells.length} fields but the header has ${this.nFields}${hint}`);
          return;
        }
        this.handler(cells, line, i);
      },
    });
  }

  end(): number | null {
    if (!this.failed && !this.sawText) {
      this.log.add(this.name, 1, '(file)', 'file is empty');
      return null;
    }
    return this.failed || this.handler === null ? null : this.index;
  }
}

/** A dataset file: its whole text (small files, tests), or a stream of its bytes. */
export type DatasetInput = TextFile | StreamFile;

/** A parse under way: its sink, and what its rows come to once the file has been read. */
interface CsvJob<R> {
  sink: CsvSink;
  result: (rows: number | null) => R;
}

/** Runs a job over a whole text (one piece, as papaparse always saw a small file). */
function runText<R>(file: TextFile, job: CsvJob<R>): R {
  job.sink.piece(file.text, 1);
  return job.result(job.sink.end());
}

/** Runs a job over a file read as a stream, in pieces of whole records. */
async function runInput<R>(file: DatasetInput, job: CsvJob<R>, pieceChars?: number): Promise<R> {
  if ('text' in file) return runText(file, job);
  await pipeFile(file, new CsvPieces((text, line) => job.sink.piece(text, line), pieceChars));
  return job.result(job.sink.end());
}

// ---------------------------------------------------------------------------------------------
// roadmap.geo / roadmap.rel

const INT_RE = /^\d+$/;

function parseCoordinates(raw: string, report: (reason: string) => void): LonLat[] | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    report(`not valid JSON: ${show(raw)}; expected [[lon, lat], …]`);
    return null;
  }
  if (!Array.isArray(v)) {
    report(`expected a JSON array of [lon, lat] pairs, got ${show(raw)}`);
    return null;
  }
  const out: LonLat[] = new Array<LonLat>(v.length);
  for (let k = 0; k < v.length; k++) {
    const p: unknown = v[k];
    if (!Array.isArray(p) || p.length < 2 || p.length > 3) {
      report(`point ${k} is not a [lon, lat] pair: ${show(JSON.stringify(p) ?? String(p))}`);
      return null;
    }
    const lon: unknown = p[0];
    const lat: unknown = p[1];
    if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) {
      report(`point ${k} is not a pair of finite numbers: ${show(`[${p.map(String).join(', ')}]`)}`);
      return null;
    }
    if (lat < -90 || lat > 90) {
      const swapped = lon >= -90 && lon <= 90 ? '; the pair looks swapped: HOSER expects [lon, lat]' : '';
      report(`point ${k}: latitude ${lat} is outside [-90, 90]${swapped}`);
      return null;
    }
    if (lon < -180 || lon > 180) {
      report(`point ${k}: longitude ${lon} is outside [-180, 180]`);
      return null;
    }
    out[k] = [lon, lat];
  }
  if (out.length < 2) {
    report(`a road needs at least 2 points, found ${out.length}`);
    return null;
  }
  return out;
}

/**
 * Normalises the three `highway` forms found in the wild: a name ("primary"), a Python list-string
 * ("['unclassified', 'residential']": HOSER takes the first element, or the second when the first
 * is 'unclassified'), or an integer code ("7", kept as a string). Returns null when empty.
 */
export function normaliseHighway(raw: string): string | null {
  const s = raw.trim();
  const unquote = (x: string): string =>
    x
      .trim()
      .replace(/^['"]|['"]$/g, '')
      .trim();
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) return null;
    const items = s
      .slice(1, -1)
      .split(',')
      .map(unquote)
      .filter((x) => x !== '');
    if (items.length === 0) return null;
    return items[0] === 'unclassified' && items.length > 1 ? items[1] : items[0];
  }
  const plain = unquote(s);
  return plain === '' ? null : plain;
}

/** Parses roadmap.geo. `roads` has holes where a row was invalid (then issues were logged). */
function geoJob(name: string, log: IssueLog): CsvJob<{ roads: Road[]; rows: number } | null> {
  const roads: Road[] = [];
  let shift = 0;
  let maxId = -1;
  const issuesBefore = log.count;
  let earlierIssues = 0;
  const sink = new CsvSink(name, ['coordinates', 'highway'], log, (columns) => {
    const cGeoId = columns.get('geo_id') ?? -1;
    const cCoords = columns.get('coordinates')!;
    const cHighway = columns.get('highway')!;
    const cLength = columns.get('length') ?? -1;
    return (cells, line, index) => {
      let ok = true;
      if (cGeoId >= 0) {
        const g = cells[cGeoId].trim();
        const id = INT_RE.test(g) ? Number(g) : NaN;
        if (id === index) shift = 0;
        else if (id !== index + shift) {
          const broken = earlierIssues > 0 ? ' (a broken row above merged or split lines)' : '';
          log.add(
            name,
            line,
            'geo_id',
            `geo_id is ${show(g)} but this is data row ${index} (0-based)${broken}: road ids must be the row index, dense from 0`,
          );
          ok = false;
          // After a broken row, re-synchronise on this id: one merged or split row is then one
          // problem, not thousands of knock-on "row N" mismatches after it.
          if (earlierIssues > 0 && Number.isFinite(id)) shift = id - index;
        }
        if (INT_RE.test(g)) maxId = Math.max(maxId, Number(g));
      }
      const coords = parseCoordinates(cells[cCoords].trim(), (reason) => log.add(name, line, 'coordinates', reason));
      if (!coords) ok = false;
      const highway = normaliseHighway(cells[cHighway]);
      if (highway === null) {
        log.add(
          name,
          line,
          'highway',
          `empty or malformed highway ${show(cells[cHighway])}; expected a name, a list like ['primary'] or an integer code`,
        );
        ok = false;
      }
      let lengthM = NaN;
      if (cLength >= 0) {
        const l = cells[cLength].trim();
        lengthM = l === '' ? NaN : Number(l);
        if (!Number.isFinite(lengthM) || lengthM < 0) {
          log.add(name, line, 'length', `length must be a finite non-negative number of metres, got ${show(l)}`);
          ok = false;
        }
      } else if (coords) {
        // The column is optional: derive it the way HOSER's preprocessing does, from the geometry.
        lengthM = polylineLengthM(coords);
      }
      if (ok && coords && highway !== null) roads[index] = { id: index, coords, highway, lengthM };
      earlierIssues = log.count - issuesBefore;
    };
  });
  const result = (rows: number | null): { roads: Road[]; rows: number } | null => {
    if (rows === null) return null;
    if (rows === 0) log.add(name, 2, '(file)', 'no roads: the file has a header but no data rows');
    // After a re-synchronisation the ids, not the row count, say how many roads the file meant to
    // hold: roadmap.rel is range-checked against that, so a broken geo row does not flag every link.
    return { roads, rows: shift !== 0 ? Math.max(rows, maxId + 1) : rows };
  };
  return { sink, result };
}

/** Parses roadmap.rel against `nRoads` (null when roadmap.geo could not be read: no range check). */
function relJob(name: string, nRoads: number | null, log: IssueLog): CsvJob<{ origin: Int32Array; dest: Int32Array } | null> {
  const origin: number[] = [];
  const dest: number[] = [];
  const sink = new CsvSink(name, ['origin_id', 'destination_id'], log, (columns) => {
    const cO = columns.get('origin_id')!;
    const cD = columns.get('destination_id')!;
    const id = (cells: string[], c: number, field: string, line: number): number => {
      const v = cells[c].trim();
      if (!INT_RE.test(v)) {
        log.add(name, line, field, `${show(v)} is not a road id (a non-negative integer)`);
        return -1;
      }
      const n = Number(v);
      if (nRoads !== null && n >= nRoads) {
        log.add(name, line, field, `road ${n} is out of range: roadmap.geo has ${nRoads} roads (ids 0..${nRoads - 1})`);
        return -1;
      }
      return n;
    };
    return (cells, line) => {
      const o = id(cells, cO, 'origin_id', line);
      const d = id(cells, cD, 'destination_id', line);
      if (o >= 0 && d >= 0) {
        origin.push(o);
        dest.push(d);
      }
    };
  });
  return { sink, result: (rows) => (rows === null ? null : { origin: Int32Array.from(origin), dest: Int32Array.from(dest) }) };
}

// ---------------------------------------------------------------------------------------------
// train.csv / val.csv / test.csv

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const NUM_RE = /^-?\d+(?:\.\d+)?$/;

// Day part → unix ms at 00:00 UTC (null when no such date). Trips share few days, so caching the
// calendar validation makes the per-timestamp cost a regex and some arithmetic.
const dayCache = new Map<string, number | null>();

function dayStartMs(key: string, y: number, mo: number, d: number): number | null {
  let v = dayCache.get(key);
  if (v === undefined) {
    const ms = Date.UTC(y, mo - 1, d);
    // Date.UTC silently rolls 2013-02-30 into March; reject days past the month's end.
    v = mo >= 1 && mo <= 12 && d >= 1 && new Date(ms).getUTCDate() === d ? ms : null;
    if (dayCache.size > 100_000) dayCache.clear();
    dayCache.set(key, v);
  }
  return v;
}

/**
 * Parses a HOSER timestamp to unix seconds: ISO 8601 (2013-07-01T00:00:58Z; no zone = UTC) or a
 * plain unix-seconds number. Returns null when it is neither.
 */
export function parseHoserTime(raw: string): number | null {
  const s = raw.trim();
  const m = ISO_RE.exec(s);
  if (!m) return NUM_RE.test(s) ? Number(s) : null;
  const day = dayStartMs(s.slice(0, 10), +m[1], +m[2], +m[3]);
  const h = +m[4];
  const mi = +m[5];
  const sec = m[6] ? +m[6] : 0;
  if (day === null || h > 23 || mi > 59 || sec >= 61) return null;
  let t = day / 1000 + h * 3600 + mi * 60 + sec;
  const zone = m[7];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    t -= sign * offMin * 60;
  }
  return t;
}

/** Splits "1,2,3", "[1, 2, 3]" or "['a', 'b']" into trimmed, unquoted items. */
function splitList(raw: string): string[] {
  let s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1).trim();
  if (s === '') return [];
  return s.split(',').map((x) => x.trim().replace(/^['"]|['"]$/g, ''));
}

function splitOf(fileName: string): string {
  const b = baseName(fileName).toLowerCase().replace(/\.gz$/, '');
  return b.replace(/\.csv$/, '');
}

/**
 * Road ids of a rid_list, each checked as an integer, in range and connected to the one before
 * (when the network is known). The first bad id ends the list; unconnected pairs are all reported.
 */
function parseRoadList(items: string[], net: RoadNetwork | null, report: (reason: string) => void): number[] {
  const nRoads = net ? net.roads.length : 0;
  const roads: number[] = new Array<number>(items.length);
  for (let k = 0; k < items.length; k++) {
    const v = items[k];
    if (!INT_RE.test(v)) {
      report(`index ${k}: ${show(v)} is not a road id (a non-negative integer)`);
      break;
    }
    const id = Number(v);
    if (net && id >= nRoads) {
      report(`index ${k}: road ${id} is out of range: roadmap.geo has ${nRoads} roads (ids 0..${nRoads - 1})`);
      break;
    }
    roads[k] = id;
    if (net && k > 0 && !net.out[roads[k - 1]].includes(id)) {
      report(`index ${k - 1}→${k}: road ${roads[k - 1]} → road ${id} is not connected in roadmap.rel`);
    }
  }
  return roads;
}

/**
 * Parses one trajectory file. With `net` null (the roadmap itself was invalid) only the checks
 * that need no network run: the file is still reported in full.
 */
function tripsJob(name: string, net: RoadNetwork | null, log: IssueLog): CsvJob<Trajectory[]> {
  const split = splitOf(name);
  const trips: Trajectory[] = [];
  const sink = new CsvSink(name, ['rid_list', 'time_list'], log, (columns) => {
    const cRid = columns.get('rid_list')!;
    const cTime = columns.get('time_list')!;
    const cId = columns.get('traj_id') ?? columns.get('mm_id') ?? columns.get('id') ?? -1;
    return (cells, line, index) => {
      const before = log.count;
      const ridItems = splitList(cells[cRid]);
      if (ridItems.length === 0) log.add(name, line, 'rid_list', 'rid_list is empty: a trajectory needs at least one road');
      const roads = parseRoadList(ridItems, net, (reason) => log.add(name, line, 'rid_list', reason));

      const timeItems = splitList(cells[cTime]);
      const times: number[] = new Array<number>(timeItems.length);
      if (timeItems.length !== ridItems.length) {
        log.add(
          name,
          line,
          'time_list',
          `time_list has ${timeItems.length} timestamps but rid_list has ${ridItems.length} roads: one entry time per road`,
        );
      }
      for (let k = 0; k < timeItems.length; k++) {
        const t = parseHoserTime(timeItems[k]);
        if (t === null) {
          log.add(
            name,
            line,
            'time_list',
            `index ${k}: ${show(timeItems[k])} is not a timestamp (expected ISO 8601 like 2013-07-01T00:00:58Z, or unix seconds)`,
          );
          break;
        }
        if (k > 0 && t < times[k - 1]) {
          log.add(
            name,
            line,
            'time_list',
            `index ${k}: ${timeItems[k]} is earlier than index ${k - 1} (${timeItems[k - 1]}): timestamps must not decrease`,
          );
          break;
        }
        times[k] = t;
      }

      if (log.count === before) {
        const id = cId >= 0 && cells[cId].trim() !== '' ? ownString(cells[cId].trim()) : `${split}-${index}`;
        trips.push({ id, roads, times });
      }
    };
  });
  return { sink, result: () => trips };
}

/** Parses routes.csv (`route_id,rid_list,source`): untimed road sequences on the same network. */
function routesJob(name: string, net: RoadNetwork | null, log: IssueLog): CsvJob<Route[]> {
  const routes: Route[] = [];
  const sink = new CsvSink(name, ['rid_list'], log, (columns) => {
    const cRid = columns.get('rid_list')!;
    const cId = columns.get('route_id') ?? -1;
    const cSource = columns.get('source') ?? -1;
    return (cells, line, index) => {
      const before = log.count;
      const items = splitList(cells[cRid]);
      if (items.length < 2)
        log.add(name, line, 'rid_list', `rid_list has ${items.length} road${items.length === 1 ? '' : 's'}: a route needs at least two`);
      const roads = parseRoadList(items, net, (reason) => log.add(name, line, 'rid_list', reason));
      if (log.count === before) {
        const id = cId >= 0 && cells[cId].trim() !== '' ? ownString(cells[cId].trim()) : `route-${index}`;
        const source = cSource >= 0 ? ownString(cells[cSource].trim()) : '';
        routes.push({ id, roads, source });
      }
    };
  });
  return { sink, result: () => routes };
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Reads roadmap.geo + roadmap.rel. Throws DatasetError listing every problem. */
export function readRoadmap(geo: TextFile, rel: TextFile): RoadNetwork {
  const log = new IssueLog();
  const g = runText(geo, geoJob(geo.name, log));
  const r = runText(rel, relJob(rel.name, g ? g.rows : null, log));
  log.throwIfAny();
  return { roads: g!.roads, relOrigin: r!.origin, relDest: r!.dest, out: buildOut(g!.roads.length, r!.origin, r!.dest) };
}

/** Reads one trajectory file (train/val/test.csv) against `net`. Throws DatasetError on problems. */
export function readTrajectories(file: TextFile, net: RoadNetwork): Trajectory[] {
  const log = new IssueLog();
  const trips = runText(file, tripsJob(file.name, net, log));
  log.throwIfAny();
  return trips;
}

type Role = 'geo' | 'rel' | 'routes' | SplitName;

/** Which dataset file a name denotes: directories, case, `.gz` and a `.csv` suffix are ignored. */
export function datasetFileRole(fileName: string): Role | null {
  const b = baseName(fileName)
    .toLowerCase()
    .replace(/\.gz$/, '')
    .replace(/\.csv$/, '');
  if (b === 'roadmap.geo') return 'geo';
  if (b === 'roadmap.rel') return 'rel';
  if (b === 'routes') return 'routes';
  return (SPLITS as readonly string[]).includes(b) ? (b as SplitName) : null;
}

/**
 * Reads a whole dataset from its files (other files are ignored). Trajectory files are optional:
 * a roadmap alone is a valid dataset. Throws one DatasetError with the problems of all files.
 * Whole texts: small files and tests. A large dataset is read with readHoserDatasetStream.
 */
export function readHoserDataset(files: TextFile[], name = 'dataset'): Dataset {
  const byRole = filesByRole(files);
  const log = new IssueLog();
  const geo = byRole.get('geo');
  const rel = byRole.get('rel');
  missingRoadmap(geo, rel, log);
  const g = geo ? runText(geo, geoJob(geo.name, log)) : null;
  // One roadmap file alone still has its own problems reported, not only the missing one.
  const r = rel ? runText(rel, relJob(rel.name, g ? g.rows : null, log)) : null;
  const net =
    g && r && log.count === 0
      ? { roads: g.roads, relOrigin: r.origin, relDest: r.dest, out: buildOut(g.roads.length, r.origin, r.dest) }
      : null;
  const splits = { train: [], val: [], test: [] } as Record<SplitName, Trajectory[]>;
  for (const s of SPLITS) {
    const f = byRole.get(s);
    if (f) splits[s] = runText(f, tripsJob(f.name, net, log));
  }
  const routesFile = byRole.get('routes');
  const routes = routesFile ? runText(routesFile, routesJob(routesFile.name, net, log)) : undefined;
  log.throwIfAny();
  return routes ? { name, network: net!, splits, routes } : { name, network: net!, splits };
}

/**
 * readHoserDataset for files read as streams (or whole texts): no file is ever held as one string,
 * so a dataset of any size is read in memory bounded by its parsed trips. Same checks, same issues.
 * `pieceChars` (tests) sets how much text is parsed at a time.
 */
export async function readHoserDatasetStream(files: DatasetInput[], name = 'dataset', pieceChars?: number): Promise<Dataset> {
  const byRole = filesByRole(files);
  const log = new IssueLog();
  const geo = byRole.get('geo');
  const rel = byRole.get('rel');
  missingRoadmap(geo, rel, log);
  const g = geo ? await runInput(geo, geoJob(geo.name, log), pieceChars) : null;
  const r = rel ? await runInput(rel, relJob(rel.name, g ? g.rows : null, log), pieceChars) : null;
  const net =
    g && r && log.count === 0
      ? { roads: g.roads, relOrigin: r.origin, relDest: r.dest, out: buildOut(g.roads.length, r.origin, r.dest) }
      : null;
  const splits = { train: [], val: [], test: [] } as Record<SplitName, Trajectory[]>;
  for (const s of SPLITS) {
    const f = byRole.get(s);
    if (f) splits[s] = await runInput(f, tripsJob(f.name, net, log), pieceChars);
  }
  const routesFile = byRole.get('routes');
  const routes = routesFile ? await runInput(routesFile, routesJob(routesFile.name, net, log), pieceChars) : undefined;
  log.throwIfAny();
  return routes ? { name, network: net!, splits, routes } : { name, network: net!, splits };
}

/** The first file of each role (other files are ignored). */
function filesByRole<F extends { name: string }>(files: F[]): Map<Role, F> {
  const byRole = new Map<Role, F>();
  for (const f of files) {
    const role = datasetFileRole(f.name);
    if (role && !byRole.has(role)) byRole.set(role, f);
  }
  return byRole;
}

function missingRoadmap(geo: unknown, rel: unknown, log: IssueLog): void {
  if (!geo) log.add('roadmap.geo', 0, '(file)', 'file is missing: a HOSER dataset needs roadmap.geo and roadmap.rel');
  if (!rel) log.add('roadmap.rel', 0, '(file)', 'file is missing: a HOSER dataset needs roadmap.geo and roadmap.rel');
}
