// The committed evaluation report (public/reports/porto-eval.json) and its route sample
// (public/reports/porto-routes.json), with tolerant parsers: the report is written by the CLI and
// may carry a metric as { mean, std }, as a plain number, or as null (undefined on that input).

export type ModelName = 'vanilla' | 'distilled';
export type OdSplit = 'train' | 'test';
export const MODELS: readonly ModelName[] = ['vanilla', 'distilled'];
export const OD_SPLITS: readonly OdSplit[] = ['train', 'test'];

/** A metric value after normalisation; std is null when the report gave a single number. */
export interface MetricValue {
  mean: number;
  std: number | null;
}

/** One model × split cell: metric key → value (null = not defined / absent). */
export type MetricCell = Record<string, MetricValue | null>;

export interface EvalProtocol {
  n: number | null;
  seeds: number[] | number | null;
  beam: number | null;
  method: string | null;
  /** Anything else the report's protocol carries, shown verbatim in the caption's tooltip. */
  extra: Record<string, unknown>;
}

export interface EvalReportFile {
  dataset: string;
  /** Fingerprint of the road network the report was made on (datasetInfo.fingerprint), if given. */
  fingerprint: string | null;
  protocol: EvalProtocol;
  models: Record<ModelName, Record<OdSplit, MetricCell>>;
  /** The file as read, for the JSON export (exported unchanged). */
  raw: unknown;
}

export interface GeneratedRoute {
  roads: number[];
  /** Entry time of each road, unix seconds. */
  times: number[];
  reached: boolean;
  dtwKm: number | null;
  hausdorffKm: number | null;
}

export interface OdRoute {
  /** Position in the routes file: a stable id for list keys and the selection. */
  index: number;
  split: OdSplit;
  origin: number;
  dest: number;
  startTime: number;
  realTripIds: string[];
  vanilla: GeneratedRoute;
  distilled: GeneratedRoute;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function finiteOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** { mean, std } | number | null | NaN-as-null → MetricValue | null. */
export function toMetricValue(x: unknown): MetricValue | null {
  if (typeof x === 'number') return Number.isFinite(x) ? { mean: x, std: null } : null;
  if (isObj(x)) {
    const mean = finiteOrNull(x.mean);
    if (mean === null) return null;
    return { mean, std: finiteOrNull(x.std) };
  }
  return null;
}

function parseCell(x: unknown): MetricCell {
  const cell: MetricCell = {};
  if (!isObj(x)) return cell;
  for (const [k, v] of Object.entries(x)) cell[k] = toMetricValue(v);
  return cell;
}

export class ReportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportFormatError';
  }
}

export function parseEvalReport(json: unknown): EvalReportFile {
  if (!isObj(json)) throw new ReportFormatError('the report is not a JSON object');
  if (!isObj(json.models)) throw new ReportFormatError('the report has no "models" object');
  const models = {} as EvalReportFile['models'];
  for (const m of MODELS) {
    const entry = json.models[m];
    if (!isObj(entry)) throw new ReportFormatError(`the report has no models.${m}`);
    models[m] = { train: parseCell(entry.train), test: parseCell(entry.test) };
  }
  const p = isObj(json.protocol) ? json.protocol : {};
  const { n, seeds, beam, method, ...extra } = p;
  const seedList = Array.isArray(seeds) ? seeds.filter((s): s is number => typeof s === 'number') : finiteOrNull(seeds);
  const info = isObj(json.datasetInfo) ? json.datasetInfo : {};
  return {
    dataset: typeof json.dataset === 'string' ? json.dataset : 'unknown',
    fingerprint: typeof info.fingerprint === 'string' ? info.fingerprint : null,
    protocol: {
      n: finiteOrNull(n),
      seeds: seedList,
      beam: finiteOrNull(beam),
      method: typeof method === 'string' ? method : null,
      extra,
    },
    models,
    raw: json,
  };
}

function parseRoute(x: unknown, where: string): GeneratedRoute {
  if (!isObj(x)) throw new ReportFormatError(`${where} is missing`);
  const roads = x.roads;
  const times = x.times;
  if (!Array.isArray(roads) || !roads.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new ReportFormatError(`${where}.roads is not a list of road ids`);
  }
  if (!Array.isArray(times) || times.length !== roads.length || !times.every((t) => typeof t === 'number')) {
    throw new ReportFormatError(`${where}.times must be numbers, one per road`);
  }
  return {
    roads: roads as number[],
    times: times as number[],
    reached: x.reached !== false,
    dtwKm: finiteOrNull(x.dtwKm),
    hausdorffKm: finiteOrNull(x.hausdorffKm),
  };
}

/** Parses the route sample; rows with an unknown split are rejected with their position. */
export function parseRoutes(json: unknown): OdRoute[] {
  if (!Array.isArray(json)) throw new ReportFormatError('the routes file is not a JSON array');
  return json.map((row, index) => {
    const where = `route ${index}`;
    if (!isObj(row)) throw new ReportFormatError(`${where} is not an object`);
    if (row.split !== 'train' && row.split !== 'test') throw new ReportFormatError(`${where}: split must be "train" or "test"`);
    const ids = Array.isArray(row.realTripIds) ? row.realTripIds.map(String) : [];
    return {
      index,
      split: row.split,
      origin: Number(row.origin),
      dest: Number(row.dest),
      startTime: Number(row.startTime),
      realTripIds: ids,
      vanilla: parseRoute(row.vanilla, `${where}.vanilla`),
      distilled: parseRoute(row.distilled, `${where}.distilled`),
    };
  });
}

/** Seeds as the caption shows them: "3 (0, 1, 2)". */
export function describeSeeds(seeds: EvalProtocol['seeds']): string {
  if (seeds === null) return '—';
  if (typeof seeds === 'number') return String(seeds);
  return seeds.length <= 5 ? `${seeds.length} (${seeds.join(', ')})` : String(seeds.length);
}
