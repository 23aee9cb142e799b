// The seed-paired answer to "does distillation help?", per training regime (full data, 10 % …),
// gathered from the outputs of `eval paired-steps` (teacher-forced, val and test) and
// `eval paired-report` (generation) into one small file that the Compare view reads
// (public/reports/distillation.json). Every effect is distilled − vanilla, the mean over
// training seeds with its 95 % t-interval, and a verdict that claims an effect only when the
// interval excludes 0. A group of metrics never votes (groupSummary). Verdicts are computed from
// the intervals whenever a file is read, so an older file's labels cannot disagree with its numbers.
// The parser is tolerant of missing parts: a regime may lack generation.
import { effectVerdict, groupSummary, type EffectVerdict, type GroupSummary, type GroupVerdict } from './paired';

export const DISTILLATION_SCHEMA = 'trajdistill-distillation/1';

export interface SummaryEffect {
  /** Mean over seeds of distilled − vanilla. */
  mean: number;
  ci95: [number, number];
  verdict: EffectVerdict;
  lowerIsBetter: boolean;
  /** Mean of each arm over the seeds, when the source gives the per-seed values. */
  vanilla?: number;
  distilled?: number;
}

export interface SummaryBlock {
  /** What the block scores: "test decision steps", "test OD pairs" … */
  what: string;
  effects: Record<string, SummaryEffect>;
  verdict: GroupVerdict;
}

export interface RegimeSummary {
  label: string;
  /** The city (dataset name) the regime was trained and scored in; absent in files older than the second city. */
  dataset?: string;
  trainFrac: number;
  trainingSeeds: number[];
  /**
   * The treated runs' training. `mode` 'vanilla' (a transfer or zero-shot comparison: no teacher)
   * leaves λ, τ and w NaN; files older than transfer have no mode and are distilled.
   */
  recipe: {
    mode?: 'vanilla' | 'distilled';
    lambda: number;
    tau: number;
    window: number | 'all';
    epochs: number;
    patience: number;
    maxLen: number;
  };
  /** Teacher-forced decision steps (≥ 2 candidates), by split. */
  steps: Partial<Record<'val' | 'test', SummaryBlock>>;
  /** Generated routes, by OD split; absent when the generation protocol was not run. */
  generation: Partial<Record<'train' | 'val' | 'test', SummaryBlock & { nOd: number; oracleFloor: Record<string, number> }>>;
  /**
   * What the two arms are, when not vanilla and distilled: a transfer comparison's "vanilla" runs
   * are trained from scratch and its "distilled" runs start from another city's student. The
   * effects are always treated − base (the files' `distilled` − `vanilla`).
   */
  arms?: ArmNames;
}

export interface ArmNames {
  base: string;
  treated: string;
}

/** The arms' names of a regime: its own, else vanilla and distilled. */
export function armNames(r: Pick<RegimeSummary, 'arms'>): ArmNames {
  return r.arms ?? { base: 'vanilla', treated: 'distilled' };
}

export interface DistillationSummary {
  schema: string;
  created: string;
  command: string;
  regimes: RegimeSummary[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function ciOf(v: unknown, where: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new Error(`${where}: ci95 must be [low, high]`);
  return [num(v[0]), num(v[1])];
}

function effectOf(v: unknown, lowerIsBetter: boolean, where: string): SummaryEffect {
  if (!isObj(v)) throw new Error(`${where}: missing`);
  const ci95 = ciOf(v.ci95, where);
  return { mean: num(v.mean), ci95, verdict: effectVerdict({ ci95 }, lowerIsBetter), lowerIsBetter };
}

/** The order of the metrics in summaries and tables: teacher-forced, then the primary generation metrics, then the rest. */
export const SUMMARY_METRIC_ORDER: readonly string[] = [
  'decisionNll',
  'decisionAcc',
  'reachedRate',
  'odDtwKm',
  'odDtwPerKm',
  'odEdr',
  'odDistanceLogErr',
  'distanceJSD',
  'durationJSD',
  'radiusJSD',
];

/** A block's effects in SUMMARY_METRIC_ORDER (unknown metrics last, in file order). */
export function orderedEffects(effects: Record<string, SummaryEffect>): [string, SummaryEffect][] {
  const rank = (k: string): number => {
    const i = SUMMARY_METRIC_ORDER.indexOf(k);
    return i >= 0 ? i : SUMMARY_METRIC_ORDER.length;
  };
  return Object.entries(effects).sort(([a], [b]) => rank(a) - rank(b));
}

/** The metrics of several blocks under the one group rule: which help, which hurt, and the label. */
export function blocksSummary(blocks: readonly (Pick<SummaryBlock, 'effects'> | undefined)[]): GroupSummary {
  return groupSummary(blocks.flatMap((b) => (b ? orderedEffects(b.effects).map(([key, e]) => ({ key, verdict: e.verdict })) : [])));
}

/** A regime as the Compare view sums it up: its test decision steps and its test OD routes together. */
export function regimeTestSummary(r: RegimeSummary): GroupSummary {
  return blocksSummary([r.steps.test, r.generation.test]);
}

/** One `eval paired-steps` output → its block (with each arm's mean over seeds). */
export function stepsBlock(
  json: unknown,
  where = 'paired-steps',
): { block: SummaryBlock; split: 'val' | 'test'; seeds: number[]; recipe: Obj; dataset: string | null } {
  if (!isObj(json) || !isObj(json.effects)) throw new Error(`${where}: not an eval paired-steps output (no effects)`);
  const split = json.split === 'val' ? 'val' : json.split === 'test' ? 'test' : null;
  if (!split) throw new Error(`${where}: split must be val or test`);
  const arm = (k: 'vanilla' | 'distilled', m: string): number =>
    mean((Array.isArray(json[k]) ? (json[k] as Obj[]) : []).map((r) => num(r[m])));
  const effects: Record<string, SummaryEffect> = {};
  for (const [m, lower] of [
    ['decisionNll', true],
    ['decisionAcc', false],
  ] as const) {
    effects[m] = {
      ...effectOf(json.effects[m], lower, `${where}: effects.${m}`),
      vanilla: arm('vanilla', m),
      distilled: arm('distilled', m),
    };
  }
  return {
    block: { what: `${split} decision steps`, effects, verdict: blocksSummary([{ effects }]).verdict },
    split,
    seeds: Array.isArray(json.trainingSeeds) ? json.trainingSeeds.map(num) : [],
    recipe: isObj(json.recipe) ? json.recipe : {},
    dataset: typeof json.dataset === 'string' ? json.dataset : null,
  };
}

/** One `eval paired-report` output → a block per OD split. */
export function generationBlocks(
  json: unknown,
  lowerIsBetter: Record<string, boolean>,
  where = 'paired-report',
): RegimeSummary['generation'] {
  if (!isObj(json) || !isObj(json.splits)) throw new Error(`${where}: not an eval paired-report output (no splits)`);
  const out: RegimeSummary['generation'] = {};
  for (const split of ['train', 'val', 'test'] as const) {
    const s = json.splits[split];
    if (!isObj(s) || !isObj(s.effects)) continue;
    const effects: Record<string, SummaryEffect> = {};
    const arms = isObj(s.arms) ? s.arms : {};
    const armMean = (k: string, m: string): number =>
      mean((Array.isArray(arms[k]) ? (arms[k] as Obj[]) : []).map((r) => (isObj(r.metrics) ? num(r.metrics[m]) : NaN)));
    for (const [m, lower] of Object.entries(lowerIsBetter)) {
      if (!(m in s.effects)) continue;
      effects[m] = {
        ...effectOf(s.effects[m], lower, `${where}: ${split}.effects.${m}`),
        vanilla: armMean('vanilla', m),
        distilled: armMean('distilled', m),
      };
    }
    const floor: Record<string, number> = {};
    if (isObj(s.oracleFloor)) for (const [k, v] of Object.entries(s.oracleFloor)) if (k !== 'resamples') floor[k] = num(v);
    out[split] = { what: `${split} OD pairs`, effects, verdict: blocksSummary([{ effects }]).verdict, nOd: num(s.nOd), oracleFloor: floor };
  }
  return out;
}

export interface RegimeOptions {
  /** The same protocol on val OD pairs, which the arm to ship is chosen on. */
  valReport?: unknown;
  /** The city of outputs that name none (written before the second city). */
  untagged?: string | null;
  /** The arms' names when they are not vanilla and distilled. */
  arms?: ArmNames;
}

/**
 * A regime from its paired-steps outputs (val and/or test) and, when run, its paired report on
 * train and test OD pairs (and, in `opts`, on val OD pairs).
 */
export function regimeSummary(
  label: string,
  steps: unknown[],
  report: unknown | null,
  lowerIsBetter: Record<string, boolean>,
  opts: RegimeOptions = {},
): RegimeSummary {
  const valReport = opts.valReport ?? null;
  const untagged = opts.untagged ?? null;
  if (!steps.length) throw new Error(`${label}: no paired-steps output`);
  const parsed = steps.map((s, i) => stepsBlock(s, `${label}: paired-steps #${i + 1}`));
  const seeds = parsed[0].seeds;
  for (const p of parsed) {
    if (p.seeds.join(',') !== seeds.join(','))
      throw new Error(`${label}: the paired-steps outputs pair different seeds (${seeds.join(',')} vs ${p.seeds.join(',')})`);
  }
  const datasets = new Set(
    [
      ...parsed.map((p) => p.dataset),
      ...[report, valReport].map((x) => (isObj(x) && typeof x.dataset === 'string' ? x.dataset : null)),
    ].filter((d): d is string => d !== null),
  );
  if (datasets.size > 1) throw new Error(`${label}: the outputs come from different datasets (${[...datasets].join(', ')})`);
  const r = parsed[0].recipe;
  const window = r.window === 'all' || r.window === null ? 'all' : num(r.window);
  const summary: RegimeSummary = {
    label,
    ...(datasets.size ? { dataset: [...datasets][0] } : untagged ? { dataset: untagged } : {}),
    trainFrac: num(r.trainFrac ?? 1),
    trainingSeeds: seeds,
    recipe: {
      ...(r.mode === 'vanilla' || r.mode === 'distilled' ? { mode: r.mode } : {}),
      lambda: num(r.lambda),
      tau: num(r.tau),
      window,
      epochs: num(r.epochs),
      patience: num(r.patience ?? 0),
      maxLen: num(r.maxLen),
    },
    steps: {},
    generation: {},
    ...(opts.arms ? { arms: opts.arms } : {}),
  };
  for (const [rep, name] of [
    [report, 'paired-report'],
    [valReport, 'val paired-report'],
  ] as const) {
    if (rep === null) continue;
    Object.assign(summary.generation, generationBlocks(rep, lowerIsBetter, `${label}: ${name}`));
    if (isObj(rep) && Array.isArray(rep.trainingSeeds)) {
      const rs = rep.trainingSeeds.map(num).sort((a, b) => a - b);
      if (rs.join(',') !== [...seeds].sort((a, b) => a - b).join(','))
        throw new Error(`${label}: the ${name}'s seeds (${rs.join(',')}) differ from the paired-steps seeds (${seeds.join(',')})`);
    }
  }
  for (const p of parsed) summary.steps[p.split] = p.block;
  return summary;
}

/** A block read from a file, its verdicts recomputed from the intervals (the file's own are not trusted). */
function relabel(v: unknown, where: string): SummaryBlock {
  if (!isObj(v) || !isObj(v.effects)) throw new Error(`${where}: no effects`);
  const effects: Record<string, SummaryEffect> = {};
  for (const [k, e] of Object.entries(v.effects)) {
    if (!isObj(e) || typeof e.lowerIsBetter !== 'boolean') throw new Error(`${where}: effects.${k} lacks its direction (lowerIsBetter)`);
    effects[k] = { ...(e as unknown as SummaryEffect), ...effectOf(e, e.lowerIsBetter, `${where}: effects.${k}`) };
  }
  return { ...(v as unknown as SummaryBlock), effects, verdict: blocksSummary([{ effects }]).verdict };
}

/** Reads a summary file; throws with the reason when it is not one. */
export function parseDistillationSummary(json: unknown): DistillationSummary {
  if (!isObj(json) || json.schema !== DISTILLATION_SCHEMA) throw new Error(`not a distillation summary (schema ${DISTILLATION_SCHEMA})`);
  if (!Array.isArray(json.regimes) || json.regimes.length === 0) throw new Error('the summary lists no regimes');
  const regimes = json.regimes.map((r: unknown): RegimeSummary => {
    if (!isObj(r) || typeof r.label !== 'string' || !isObj(r.steps) || !Array.isArray(r.trainingSeeds))
      throw new Error('a regime lacks its label, seeds or steps');
    if (r.arms !== undefined && !(isObj(r.arms) && typeof r.arms.base === 'string' && typeof r.arms.treated === 'string'))
      throw new Error(`${r.label}: arms must name a base and a treated arm`);
    const blocks = (o: unknown, where: string): Record<string, SummaryBlock> => {
      const out: Record<string, SummaryBlock> = {};
      if (isObj(o)) for (const [k, b] of Object.entries(o)) out[k] = relabel(b, `${r.label}: ${where}.${k}`);
      return out;
    };
    return {
      ...(r as unknown as RegimeSummary),
      steps: blocks(r.steps, 'steps') as RegimeSummary['steps'],
      generation: blocks(r.generation, 'generation') as RegimeSummary['generation'],
    };
  });
  return { ...(json as unknown as DistillationSummary), regimes };
}
