// HOSER-style generated-trajectory CSV: one row per generated trip with its OD pair, the road list
// and one ISO timestamp per road (the same rid_list/time_list encoding as the dataset files, so a
// generated file reads like a trajectory split). writeHoserGeneCsv writes HOSER gene.py's file
// instead, and the reader accepts its column names and Python list strings ("[1, 2, 3]",
// "['2013-…Z', …]").
import Papa from 'papaparse';
import { formatHoserTime } from '../data/hoserWriter';
import { parseHoserTime } from '../data/hoserReader';
import type { GeneratedTrip } from './generator';

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
  const fields = (Papa.parse<string[]>(text, { preview: 1 }).data[0] ?? []).map((f) => f.trim());
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

/** Parses a generated-trips CSV; throws one Error listing the first problems (with 1-based lines). */
export function readGeneratedCsv(text: string, fileName = 'generated.csv'): GeneratedTrip[] {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  const fields = parsed.meta.fields ?? [];
  const col = (key: string): string | undefined => ALIASES[key].find((c) => fields.includes(c));
  const roadsCol = col('roads');
  const timesCol = col('times');
  if (!roadsCol || !timesCol)
    throw new Error(`${fileName}: needs a rid_list and a time_list column (found: ${fields.join(', ') || 'none'})`);
  const idCol = col('id');
  const originCol = col('origin');
  const destCol = col('dest');
  const reachedCol = col('reached');
  const lpCol = col('logProb');

  const problems: string[] = [];
  const trips: GeneratedTrip[] = [];
  parsed.data.forEach((row, i) => {
    const line = i + 2;
    const bad = (msg: string) => problems.push(`${fileName}:${line}: ${msg}`);
    const roads = splitList(row[roadsCol] ?? '').map(Number);
    if (roads.length === 0 || roads.some((r) => !Number.isInteger(r) || r < 0)) return bad(`${roadsCol} is not a list of road ids`);
    const times: number[] = [];
    for (const t of splitList(row[timesCol] ?? '')) {
      const v = parseHoserTime(t);
      if (v === null) return bad(`${timesCol}: bad timestamp ${JSON.stringify(t.slice(0, 40))}`);
      times.push(v);
    }
    if (times.length !== roads.length) return bad(`${roads.length} roads but ${times.length} timestamps`);
    const origin = originCol && row[originCol] !== '' ? Number(row[originCol]) : roads[0];
    const dest = destCol && row[destCol] !== '' ? Number(row[destCol]) : roads[roads.length - 1];
    if (!Number.isInteger(origin) || !Number.isInteger(dest)) return bad('origin/destination road is not an integer');
    const rawReached = reachedCol ? (row[reachedCol] ?? '').trim().toLowerCase() : '';
    const reached = rawReached === '' ? roads[roads.length - 1] === dest : rawReached === '1' || rawReached === 'true';
    const lp = lpCol && row[lpCol] !== '' ? Number(row[lpCol]) : NaN;
    trips.push({
      id: idCol && row[idCol] ? row[idCol] : `gen-${i}`,
      origin,
      dest,
      roads,
      times,
      reached,
      logProb: lp,
      timesFromModel: true,
    });
  });
  for (const e of parsed.errors.slice(0, 5)) problems.push(`${fileName}:${(e.row ?? 0) + 2}: ${e.message}`);
  if (problems.length) {
    const more = problems.length > 8 ? `\n… and ${problems.length - 8} more` : '';
    throw new Error(
      `invalid generated-trips file (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.slice(0, 8).join('\n')}${more}`,
    );
  }
  return trips;
}
