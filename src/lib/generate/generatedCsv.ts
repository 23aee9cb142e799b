// HOSER-style generated-trajectory CSV: one row per generated trip with its OD pair, the road list
// and one ISO timestamp per road (the same rid_list/time_list encoding as the dataset files, so a
// generated file reads like a trajectory split). writeHoserGeneCsv writes HOSER gene.py's file
// instead, and the reader accepts its column names and Python list strings ("[1, 2, 3]",
// "['2013-…Z', …]").
import Papa from 'papaparse';
import { formatHoserTime } from '../data/hoserWriter';
import { parseHoserTime } from '../data/hoserReader';
import type { GeneratedTrip } from './generator';
import { formatIssue, type ValidationIssue } from '../data/types';
import { hasNonText, printable } from '../data/textInput';

export const GENERATED_COLUMNS = ['gen_id', 'origin_road', 'dest_road', 'rid_list', 'time_list', 'reached', 'log_prob'] as const;

export function writeGeneratedCsv(trips: GeneratedTrip[]): string {
  const rows = trips.map((t) => [
    t.id,
    t.origin,
    t.dest,
    t.roads.join(','),
    t.times.map(formatHoserTime).join(','),
    t.reached ? 1 : 0,
    Number.isFinite(t.logProb) ? +t.logProb.toFixed(6) : '',
  ]);
  // Header written by hand: papaparse would apply the per-column quoting to it as well.
  const body = Papa.unparse(rows, { newline: '\n', quotes: [false, false, false, true, true, false, false] });
  return GENERATED_COLUMNS.join(',') + '\n' + (body ? body + '\n' : '');
}

/** HOSER gene.py's columns: it writes no OD pair, reached flag or score. */
export const HOSER_GENE_COLUMNS = ['gene_trace_road_id', 'gene_trace_datetime'] as const;

/** A CSV field as pandas' to_csv quotes it (csv.QUOTE_MINIMAL). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The file HOSER's gene.py writes (pandas to_csv, index=False): the Python str() of each trip's
 * road-id list and of its timestamp list, "[3, 4, 9]" and "['2013-07-01T00:00:58Z', …]", with
 * '%Y-%m-%dT%H:%M:%SZ' times. HOSER's evaluation notebook reads it as is.
 */
export function writeHoserGeneCsv(trips: GeneratedTrip[]): string {
  const rows = trips.map(
    (t) => `${csvField(`[${t.roads.join(', ')}]`)},${csvField(`[${t.times.map((x) => `'${formatHoserTime(x)}'`).join(', ')}]`)}\n`,
  );
  return HOSER_GENE_COLUMNS.join(',') + '\n' + rows.join('');
}

/** Which writer a generated file's header comes from, and whether it names each trip's OD pair. */
export function generatedCsvFormat(text: string): { name: 'ours' | 'hoser'; hasOd: boolean } {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return formatOfFields(splitCsvLine(header) ?? []);
}

function formatOfFields(fields: string[]): { name: 'ours' | 'hoser'; hasOd: boolean } {
  const has = (key: string) => ALIASES[key].some((c) => fields.includes(c));
  return { name: fields.includes('rid_list') ? 'ours' : 'hoser', hasOd: has('origin') && has('dest') };
}

/** Column aliases: ours first, then HOSER gene.py's. */
const ALIASES: Record<string, string[]> = {
  id: ['gen_id', 'traj_id', 'id'],
  origin: ['origin_road', 'origin_road_id'],
  dest: ['dest_road', 'destination_road_id'],
  roads: ['rid_list', 'gene_trace_road_id'],
  times: ['time_list', 'gene_trace_datetime'],
  reached: ['reached'],
  logProb: ['log_prob'],
};

/** Items of "a,b,c" or of a Python/JSON list string "[a, 'b', "c"]". */
function splitList(raw: string): string[] {
  let s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.trim() === '') return [];
  return s.split(',').map((x) => x.trim().replace(/^['"]|['"]$/g, ''));
}

/** The fields of one CSV line, or null when it cannot be read alone (a quote never closed). */
function splitCsvLine(line: string): string[] | null {
  const parsed = Papa.parse<string[]>(line, { header: false, delimiter: ',' });
  if (parsed.errors.some((e) => e.type === 'Quotes')) return null;
  return (parsed.data[0] ?? []).map((f) => f.trim());
}

/** Road ids of a list field: the ids, or why the field is not a list of road ids (the first bad item, 1-based). */
function roadIds(raw: string): number[] | string {
  const items = splitList(raw);
  if (items.length === 0) return 'no road ids (an empty list)';
  const ids: number[] = [];
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    const at = `road ${k + 1} of ${items.length}`;
    if (item === '') return `${at} is empty (a missing id between commas)`;
    const v = Number(item);
    if (!Number.isFinite(v) || !/^[+-]?[\d.eE+-]+$/.test(item)) return `${at} is ${JSON.stringify(printable(item, 24))}, not a number`;
    if (!Number.isInteger(v)) return `${at} is ${item}, not an integer road id`;
    if (v < 0) return `${at} is ${item}: a road id is never negative`;
    ids.push(v);
  }
  return ids;
}

/** A road id of its own (non-empty) column, origin or destination: the id, or why not ("is -3: …"). */
function roadIdField(raw: string): number | string {
  const ids = roadIds(raw.trim());
  if (typeof ids === 'string') return ids.replace(/^road 1 of 1 /, '');
  if (ids.length !== 1) return `${JSON.stringify(printable(raw, 24))} is not one road id`;
  return ids[0];
}

/** Rows listed with their line; beyond this they are only counted (as GPS import does). */
export const MAX_LISTED_PROBLEMS = 200;

/** A generated-trips file read row by row: the good rows, and every dropped one with its line and reason. */
export interface GeneratedParse {
  fileName: string;
  format: 'ours' | 'hoser';
  /** The file names each trip's OD pair (else a route's ends stand for it). */
  hasOd: boolean;
  trips: GeneratedTrip[];
  /** The 1-based line of each trip in `trips` (the header is line 1). */
  lines: number[];
  /** Data rows read (blank lines not counted). */
  rows: number;
  /** Dropped rows, each once, in line order: the first MAX_LISTED_PROBLEMS of them. */
  problems: ValidationIssue[];
  /** Rows dropped, all of them (problems lists the first MAX_LISTED_PROBLEMS). */
  dropped: number;
}

/** The file as a whole cannot be read (no header, not text, no route columns): nothing in it is used. */
export class GeneratedCsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeneratedCsvError';
  }
}

/**
 * Reads a generated-trips CSV one line at a time (push each line without its line break, then
 * finish). No field of these formats holds a line break, so each data line is one row: a bad row
 * (cut short, wrong number of fields, a bad road id or timestamp) is dropped alone, named once with
 * its true line, and the rows after it are read as usual.
 */
export class GeneratedCsvReader {
  private line = 0;
  private fields: string[] | null = null;
  private cols: {
    roads: string;
    times: string;
    idx: Record<'roads' | 'times' | 'id' | 'origin' | 'dest' | 'reached' | 'logProb', number>;
  } | null = null;
  private readonly out: GeneratedParse;

  constructor(readonly fileName = 'generated.csv') {
    this.out = { fileName, format: 'hoser', hasOd: false, trips: [], lines: [], rows: 0, problems: [], dropped: 0 };
  }

  private drop(field: string, reason: string): void {
    this.out.dropped++;
    if (this.out.problems.length < MAX_LISTED_PROBLEMS) this.out.problems.push({ file: this.fileName, line: this.line, field, reason });
  }

  push(raw: string): void {
    this.line++;
    const text = this.line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') return;
    if (this.fields === null) return this.header(text);
    this.out.rows++;
    if (hasNonText(text)) return this.drop('(row)', 'unreadable row (not text)');
    const f = splitCsvLine(text);
    if (f === null) return this.drop('(row)', 'row cut short (a quote is never closed)');
    if (f.length !== this.fields.length)
      return this.drop('(row)', `${f.length} fields where the header has ${this.fields.length} (was the row cut short?)`);
    this.row(f);
  }

  private header(text: string): void {
    if (hasNonText(text)) throw new GeneratedCsvError(`${this.fileName}:${this.line}: this is not a text CSV file (looks binary)`);
    const fields = splitCsvLine(text) ?? [];
    const at = (key: string): number => {
      const name = ALIASES[key].find((c) => fields.includes(c));
      return name === undefined ? -1 : fields.indexOf(name);
    };
    const roads = at('roads');
    const times = at('times');
    if (roads < 0 || times < 0)
      throw new GeneratedCsvError(
        `${this.fileName}:${this.line}: needs a rid_list and a time_list column, or HOSER's gene_trace_road_id and gene_trace_datetime (found: ${printable(fields.join(', '), 160) || 'none'})`,
      );
    this.fields = fields;
    const f = formatOfFields(fields);
    this.out.format = f.name;
    this.out.hasOd = f.hasOd;
    this.cols = {
      roads: fields[roads],
      times: fields[times],
      idx: { roads, times, id: at('id'), origin: at('origin'), dest: at('dest'), reached: at('reached'), logProb: at('logProb') },
    };
  }

  private row(f: string[]): void {
    const c = this.cols!;
    const get = (i: number): string => (i < 0 ? '' : (f[i] ?? ''));
    const roads = roadIds(get(c.idx.roads));
    if (typeof roads === 'string') return this.drop(c.roads, roads);
    const times: number[] = [];
    for (const t of splitList(get(c.idx.times))) {
      const v = parseHoserTime(t);
      if (v === null) return this.drop(c.times, `bad timestamp ${JSON.stringify(printable(t, 40))}`);
      times.push(v);
    }
    if (times.length !== roads.length) return this.drop(c.times, `${roads.length} roads but ${times.length} timestamps`);
    let origin = roads[0];
    let dest = roads[roads.length - 1];
    for (const [key, set] of [
      ['origin', (v: number) => (origin = v)],
      ['dest', (v: number) => (dest = v)],
    ] as const) {
      const raw = get(c.idx[key]);
      if (raw === '') continue;
      const v = roadIdField(raw);
      if (typeof v === 'string') return this.drop(this.fields![c.idx[key]], `${key === 'origin' ? 'origin' : 'destination'} road ${v}`);
      set(v);
    }
    const rawReached = get(c.idx.reached).toLowerCase();
    const reached = rawReached === '' ? roads[roads.length - 1] === dest : rawReached === '1' || rawReached === 'true';
    const lpRaw = get(c.idx.logProb);
    const id = get(c.idx.id);
    this.out.trips.push({
      id: id || `gen-${this.out.rows - 1}`,
      origin,
      dest,
      roads,
      times,
      reached,
      logProb: lpRaw !== '' ? Number(lpRaw) : NaN,
      timesFromModel: true,
    });
    this.out.lines.push(this.line);
  }

  /** The rows read; throws GeneratedCsvError for a file with no header line. */
  finish(): GeneratedParse {
    if (this.fields === null) throw new GeneratedCsvError(`${this.fileName}: the file is empty`);
    return this.out;
  }
}

/** Lines of `text`, without their line breaks (\n or \r\n). */
export function textLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * Reads generated trips from lines, one at a time (an array, a generator, or an async stream of
 * lines: the whole file is never needed as one string). Bad rows are dropped with their line.
 */
export async function readGeneratedLines(
  lines: Iterable<string> | AsyncIterable<string>,
  fileName = 'generated.csv',
): Promise<GeneratedParse> {
  const reader = new GeneratedCsvReader(fileName);
  for await (const line of lines) reader.push(line);
  return reader.finish();
}

/** readGeneratedLines for lines at hand (synchronous). */
export function parseGeneratedLines(lines: Iterable<string>, fileName = 'generated.csv'): GeneratedParse {
  const reader = new GeneratedCsvReader(fileName);
  for (const line of lines) reader.push(line);
  return reader.finish();
}

/**
 * Parses a generated-trips CSV that must be whole (round trips, the CLI's own files): throws one
 * Error listing the first problems with their 1-based lines when any row is bad.
 */
export function readGeneratedCsv(text: string, fileName = 'generated.csv'): GeneratedTrip[] {
  const parsed = parseGeneratedLines(textLines(text), fileName);
  const problems = parsed.problems.map(formatIssue);
  if (parsed.dropped > 0) {
    const shown = problems.slice(0, 8);
    const more = parsed.dropped > shown.length ? `\n… and ${parsed.dropped - shown.length} more` : '';
    throw new Error(
      `invalid generated-trips file (${parsed.dropped} problem${parsed.dropped === 1 ? '' : 's'}):\n${shown.join('\n')}${more}`,
    );
  }
  return parsed.trips;
}
