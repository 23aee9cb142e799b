// The seed-paired answer to "does distillation help?", per training regime (full data, 10 % …),
// gathered from the outputs of `eval paired-steps` (teacher-forced, val and test) and
// `eval paired-report` (generation) into one small file that the Compare view reads
// (public/reports/porto-distillation.json). Every effect is distilled − vanilla, the mean over
// training seeds with its 95 % t-interval, and a verdict that claims an effect only when the
// interval excludes 0. The parser is tolerant of missing parts: a regime may lack generation.
import type { EffectVerdict } from './paired';

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
  verdict: EffectVerdict;
}

export interface RegimeSummary {
  label: string;
  trainFrac: number;
  trainingSeeds: number[];
  recipe: { lambda: number; tau: number; window: number | 'all'; epochs: number; patience: number; maxLen: number };
  /** Teacher-forced decision steps (≥ 2 candidates), by split. */
  steps: Partial<Record<'val' | 'test', SummaryBlock>>;
  /** Generated routes, by OD split; absent when the generation protocol was not run. */
  generation: Partial<Record<'train' | 'test', SummaryBlock & { nOd: number; oracleFloor: Record<string, number> }>>;
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
const VERDICTS: readonly EffectVerdict[] = ['helps', 'hurts', 'no detectable effect'];
const verdictOf = (v: unknown): EffectVerdict => (VERDICTS.includes(v as EffectVerdict) ? (v as EffectVerdict) : 'no detectable effect');
const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function ciOf(v: unknown, where: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new Error(`${where}: ci95 must be [low, high]`);
  return [num(v[0]), num(v[1])];
}

function effectOf(v: unknown, lowerIsBetter: boolean, where: string): SummaryEffect {
  if (!isObj(v)) throw new Error(`${where}: missing`);
  return { mean: num(v.mean), ci95: ciOf(v.ci95, where), verdict: verdictOf(v.verdict), lowerIsBetter };
}

/** One `eval paired-steps` output → its block (with each arm's mean over seeds). */
export function stepsBlock(
  json: unknown,
  where = 'paired-steps',
): { block: SummaryBlock; split: 'val' | 'test'; seeds: number[]; recipe: Obj } {
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
    block: { what: `${split} decision steps`, effects, verdict: verdictOf(json.verdict) },
    split,
    seeds: Array.isArray(json.trainingSeeds) ? json.trainingSeeds.map(num) : [],
    recipe: isObj(json.recipe) ? json.recipe : {},
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
  for (const split of ['train', 'test'] as const) {
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
    out[split] = { what: `${split} OD pairs`, effects, verdict: verdictOf(s.verdict), nOd: num(s.nOd), oracleFloor: floor };
  }
  return out;
}

/** A regime from its paired-steps outputs (val and/or test) and, when run, its paired report. */
export function regimeSummary(
  label: string,
  steps: unknown[],
  report: unknown | null,
  lowerIsBetter: Record<string, boolean>,
): RegimeSummary {
  if (!steps.length) throw new Error(`${label}: no paired-steps output`);
  const parsed = steps.map((s, i) => stepsBlock(s, `${label}: paired-steps #${i + 1}`));
  const seeds = parsed[0].seeds;
  for (const p of parsed) {
    if (p.seeds.join(',') !== seeds.join(','))
      throw new Error(`${label}: the paired-steps outputs pair different seeds (${seeds.join(',')} vs ${p.seeds.join(',')})`);
  }
  const r = parsed[0].recipe;
  const window = r.window === 'all' || r.window === null ? 'all' : num(r.window);
  const summary: RegimeSummary = {
    label,
    trainFrac: num(r.trainFrac ?? 1),
    trainingSeeds: seeds,
    recipe: {
      lambda: num(r.lambda),
      tau: num(r.tau),
      window,
      epochs: num(r.epochs),
      patience: num(r.patience ?? 0),
      maxLen: num(r.maxLen),
    },
    steps: {},
    generation: report === null ? {} : generationBlocks(report, lowerIsBetter, `${label}: paired-report`),
  };
  if (report !== null && isObj(report) && Array.isArray(report.trainingSeeds)) {
    const rs = report.trainingSeeds.map(num).sort((a, b) => a - b);
    if (rs.join(',') !== [...seeds].sort((a, b) => a - b).join(','))
      throw new Error(`${label}: the paired report's seeds (${rs.join(',')}) differ from the paired-steps seeds (${seeds.join(',')})`);
  }
  for (const p of parsed) summary.steps[p.split] = p.block;
  return summary;
}

/** Reads a summary file; throws with the reason when it is not one. */
export function parseDistillationSummary(json: unknown): DistillationSummary {
  if (!isObj(json) || json.schema !== DISTILLATION_SCHEMA) throw new Error(`not a distillation summary (schema ${DISTILLATION_SCHEMA})`);
  if (!Array.isArray(json.regimes) || json.regimes.length === 0) throw new Error('the summary lists no regimes');
  for (const r of json.regimes) {
    if (!isObj(r) || typeof r.label !== 'string' || !isObj(r.steps) || !Array.isArray(r.trainingSeeds))
      throw new Error('a regime lacks its label, seeds or steps');
  }
  return json as unknown as DistillationSummary;
}
