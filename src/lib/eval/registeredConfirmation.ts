// The registered confirmation's reading (docs/experiments/registration.md), taken from the results
// tables so that its numbers are the README's: each endpoint's paired effect and its Holm verdict
// over the whole family the README reports (the registered verdict, reported as registered), beside
// the same endpoints adjusted among themselves alone: the registration's "reported beside" reading,
// which the statistics policy (statsPolicy.ts) makes the confirmatory one from its amendment on.
import { holmAdjust } from './multiplicity';
import type { EffectVerdict } from './paired';
import { RESULTS_COLUMNS, type ResultsTables } from './resultsTable';
import { digitsKeepingSide, intervalText } from './statsPolicy';

/** What the results spec says was registered: which table and row, and the endpoints in order. */
export interface RegisteredSpec {
  /** The registration file, for the record. */
  file: string;
  /** The table's title as the results tables name it (the spec's `title`, else its `city`). */
  table: string;
  /** The row label of the registered arm. */
  arm: string;
  /** Result column keys, in the registration's order: E1, E2, … */
  endpoints: string[];
}

export interface RegisteredEndpoint {
  id: string;
  key: string;
  label: string;
  mean: number;
  ci95: [number, number];
  n: number;
  p: number;
  /** Holm over the whole family of the results tables: the registered verdict. */
  pHolm: number;
  verdict: EffectVerdict;
  /** Holm among the registered endpoints alone (m = endpoints.length): reported beside, not the verdict. */
  pHolmWithin: number;
  verdictWithin: EffectVerdict;
  /** The policy's words for the endpoint (statsPolicy.ts: Holm within the endpoints). */
  words: string;
}

export type ConfirmationVerdict = 'confirms arm d' | 'confirms the next-road gain only' | 'does not confirm arm d';

export interface RegisteredResult extends RegisteredSpec {
  alpha: number;
  /** How many comparisons the family-wide Holm ran over. */
  family: number;
  results: RegisteredEndpoint[];
  verdict: ConfirmationVerdict;
  /** The same rule read with the within-endpoints adjustment (not the registered verdict). */
  verdictWithin: ConfirmationVerdict;
}

/**
 * The registration's rule: confirmed only if E1 (next-road NLL) helps and at least one route endpoint
 * helps, none hurting; E1 helping with every route endpoint null is "the next-road gain only".
 */
export function confirmationVerdict(verdicts: readonly EffectVerdict[]): ConfirmationVerdict {
  const [first, ...routes] = verdicts;
  if (verdicts.includes('hurts') || first !== 'helps') return 'does not confirm arm d';
  if (routes.some((v) => v === 'helps')) return 'confirms arm d';
  return 'confirms the next-road gain only';
}

/** Reads the registered endpoints out of the results tables. Throws when the arm or an endpoint is missing. */
export function registeredResult(t: ResultsTables, spec: RegisteredSpec): RegisteredResult {
  const table = t.cities.find((c) => c.city === spec.table);
  if (!table) throw new Error(`registered table "${spec.table}" is not in the results`);
  const row = table.rows.find((r) => r.label === spec.arm);
  if (!row) throw new Error(`registered arm "${spec.arm}" is not a row of ${spec.table}`);
  const found = spec.endpoints.map((key, i) => {
    const col = RESULTS_COLUMNS.find((c) => c.key === key);
    const e = row.cells[key]?.effect;
    if (!col) throw new Error(`registered endpoint ${key} is not a results column`);
    if (!e) throw new Error(`registered endpoint ${key} of ${spec.arm} is not measured yet`);
    return { id: `E${i + 1}`, key, label: col.label, lowerIsBetter: col.lowerIsBetter, e };
  });
  const within = holmAdjust(found.map((f) => f.e.p));
  const verdictOf = (p: number, mean: number, lowerIsBetter: boolean): EffectVerdict =>
    p < t.alpha ? ((lowerIsBetter ? mean < 0 : mean > 0) ? 'helps' : 'hurts') : 'no detectable effect';
  const results: RegisteredEndpoint[] = found.map((f, i) => ({
    id: f.id,
    key: f.key,
    label: f.label,
    mean: f.e.mean,
    ci95: f.e.ci95,
    n: f.e.n,
    p: f.e.p,
    pHolm: f.e.pHolm,
    verdict: verdictOf(f.e.pHolm, f.e.mean, f.lowerIsBetter),
    pHolmWithin: within[i],
    verdictWithin: verdictOf(within[i], f.e.mean, f.lowerIsBetter),
    words: f.e.words,
  }));
  return {
    ...spec,
    alpha: t.alpha,
    family: t.comparisons,
    results,
    verdict: confirmationVerdict(results.map((r) => r.verdict)),
    verdictWithin: confirmationVerdict(results.map((r) => r.verdictWithin)),
  };
}

/** The registered result as a Markdown table and its verdict line. */
export function registeredMarkdown(r: RegisteredResult): string {
  const digits = (key: string) => RESULTS_COLUMNS.find((c) => c.key === key)?.digits ?? 4;
  const lines = r.results.map((e) => {
    const d = digitsKeepingSide(e.ci95, digits(e.key));
    return `| ${e.id}: ${e.label} | ${e.n} | ${intervalText(e.mean, e.ci95, d)} | ${e.p.toPrecision(2)} | ${e.pHolm.toPrecision(2)} (${e.verdict}) | ${e.pHolmWithin.toPrecision(2)} (${e.verdictWithin}) |`;
  });
  return [
    `| endpoint (${r.arm} − vanilla, test) | seed pairs | mean [95 % CI] | p | Holm over all ${r.family} (registered) | Holm over the ${r.results.length} endpoints |`,
    '|---|---|---|---|---|---|',
    ...lines,
    '',
    `Registered verdict (${r.file}, Holm over all ${r.family} as registered): **${r.verdict}**. Under the statistics policy (docs/experiments/statistics-policy.md, Holm within the ${r.results.length} registered endpoints; the registration's amendment): **${r.verdictWithin}**.`,
  ].join('\n');
}
