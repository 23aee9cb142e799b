// Compare's answer as data: per shipping city, three questions with one-line answers, from the
// committed results (test) and their ship decisions (val), worded by the statistics policy
// (src/lib/eval/statsPolicy.ts) through the same cell reading `eval results-table` uses, so the app
// and the CLI cannot word one comparison two ways.
import {
  cellComparison,
  RESULTS_COLUMNS,
  type CellEffect,
  type CityTable,
  type OdShare,
  type ResultsFile,
  type ResultsRow,
  type ShipDecision,
} from '../../lib/eval/resultsTable';
import { digitsKeepingSide, intervalText, policyVerdict, shortComparisonText, type Comparison } from '../../lib/eval/statsPolicy';
import { endpointInterval } from '../../lib/eval/registeredRoutes';

/** The names the app gives the shipped models everywhere (legend, OD list, answer). */
export const MODEL_NAME = { vanilla: 'Vanilla student', distilled: 'Distilled student' } as const;

export interface ShippedText {
  name: string;
  /** The results table's row it is a run of ("vanilla student", "arm d"). */
  row: string;
  recipe: string | null;
}

/** One verdict line: what is compared, and the policy's words with the interval and raw p. */
export interface VerdictLine {
  what: string;
  text: string;
  /** The policy's full words (a tooltip). */
  title: string;
  kind: 'confirmatory' | 'exploratory';
}

export interface CityAnswer {
  city: string;
  ships: { vanilla: ShippedText; distilled: ShippedText | null; sentence: string };
  /** (b) The shipped distilled model against vanilla; null when vanilla ships alone (`ships.sentence` says why). */
  vsVanilla: { source: string; lines: VerdictLine[] } | null;
  /** (c) The shipped model against the best route baseline; null without baselines. */
  vsBaseline: {
    model: string;
    baseline: string;
    /** "… against the fastest path …, DTW per km (best-first): mean 2.715 against 2.404", with median, p90 and per-OD wins/ties/losses when the reports carry them. */
    summary: string;
    /** The mean difference over seeds, then the per-OD win − loss share where the reports carry it. */
    lines: VerdictLine[];
    /**
     * Where the model is not ahead on both (the aim: below the baseline on the mean, with more wins
     * than losses; the lines above say by how much): the lever that lowered a student's mean most in
     * the city's tables, and (title) the table it is read from.
     */
    aim: { text: string; title: string } | null;
    /** Registration 2's reading where it confirms this model's recipe: its endpoints with their registered verdicts. */
    registered: { source: string; lines: VerdictLine[]; conclusion: string } | null;
  } | null;
}

const column = (key: string) => {
  const c = RESULTS_COLUMNS.find((x) => x.key === key);
  if (!c) throw new Error(`no results column ${key}`);
  return c;
};

/** One cell's verdict line, worded as `eval results-table` worded it (the same reading of the same numbers). */
export function cellLine(what: string, e: CellEffect, key: string): VerdictLine {
  const col = column(key);
  const c = cellComparison(e, col.lowerIsBetter);
  const v = policyVerdict(c);
  return { what, text: shortComparisonText(c, col.digits), title: v.words, kind: v.kind };
}

const ANSWER_KEYS: ReadonlyArray<[string, string]> = [
  ['decisionNll', 'Next road (decision NLL)'],
  ['dtwPerKmBest', 'Routes (DTW per km, best-first)'],
  ['dtwPerKmBeam', 'Routes (DTW per km, beam 4)'],
];

/**
 * The row that answers "better than vanilla?" for the shipped arm: the registered confirmation's, when
 * it confirms the same recipe on new seeds (its endpoints are the confirmatory ones), else the city's own.
 */
function answerRow(test: ResultsFile, table: CityTable, armLabel: string): { table: CityTable; row: ResultsRow } | null {
  const own = table.rows.find((r) => r.label === armLabel);
  const reg = test.registeredCells;
  if (own?.recipe && reg) {
    const regTable = test.cities.find((c) => c.city === reg.table);
    const regRow = regTable?.rows.find((r) => r.label === reg.arm);
    if (regTable && regRow && regRow.recipe === own.recipe) return { table: regTable, row: regRow };
  }
  return own ? { table, row: own } : null;
}

const num = (x: number) => x.toFixed(3);
const interval = (c: Pick<Comparison, 'mean' | 'ci95'>) => intervalText(c.mean, c.ci95, digitsKeepingSide(c.ci95, 3));

/** The per-OD win − loss share against the baseline as a verdict line (higher is better: more OD pairs closer). */
function shareLine(share: OdShare): VerdictLine {
  const c: Comparison = { mean: share.share, ci95: share.ci95, p: share.p, lowerIsBetter: false };
  const v = policyVerdict(c);
  return { what: 'per OD pair, wins − losses', text: shortComparisonText(c, 3), title: v.words, kind: v.kind };
}

/**
 * The lever that lowered a student's mean DTW per km most, among the arms of the city's test tables
 * (each against its table's partner row), where the interval excludes 0: its words, and the table it
 * is read from; null when none did.
 */
export function biggestLever(test: ResultsFile, city: string): { text: string; table: string } | null {
  let best: { text: string; table: string; mean: number } | null = null;
  for (const t of test.cities) {
    if (t.city !== city && !t.city.startsWith(`${city},`)) continue;
    const partner = t.rows.find((r) => r.kind === 'vanilla');
    for (const r of t.rows) {
      const e = r.cells.dtwPerKmBest?.effect;
      if (r.kind !== 'arm' || !partner || !e || e.quality !== 'better' || (best && best.mean <= e.mean)) continue;
      best = { mean: e.mean, table: t.city, text: `${r.label}, ${interval(e)} against the ${partner.label} (${r.seeds} seeds)` };
    }
  }
  return best && { text: best.text, table: best.table };
}

/** Registration 2's endpoints as confirmatory lines, where its reading confirms this table's row. */
function registeredRoutesAnswer(
  test: ResultsFile,
  table: CityTable,
  rowLabel: string,
): NonNullable<CityAnswer['vsBaseline']>['registered'] {
  const reg = test.registeredRoutes;
  if (!reg || reg.table !== table.city || reg.row !== rowLabel) return null;
  const r = reg.reading;
  const what: Record<string, string> = {
    E1: `mean DTW per km − the ${reg.baselineLabel}`,
    E2: 'per OD pair, wins − losses',
    E3: 'decision NLL − the routes control',
  };
  const title = `Registered before its runs (${reg.registration}): Holm over its three endpoints, α ${r.alpha}.`;
  const lines = r.endpoints.map((e): VerdictLine => ({
    what: `${e.id}, ${what[e.id]}`,
    text: `${e.verdict}, registered: ${endpointInterval(e)}, Holm p ${e.pHolm.toPrecision(2)}`,
    title,
    kind: 'confirmatory',
  }));
  const conclusion = `It ${r.beatsBaseline ? 'beats' : 'does not beat'} the ${reg.baselineLabel} on ${r.split}, and ${
    r.improvesOnControl ? 'improves' : 'does not improve'
  } on the routes control's next-road prediction.`;
  return { source: `the registered confirmation: ${r.split}, seeds ${reg.seeds}, ${reg.search}`, lines, conclusion };
}

function baselineAnswer(test: ResultsFile, city: string, table: CityTable, rowLabel: string, name: string): CityAnswer['vsBaseline'] {
  const b = table.vsBestBaseline;
  const m = b?.models.find((x) => x.label === rowLabel);
  if (!b || !m) return null;
  const parts = [`mean ${num(m.value)} against ${num(b.value)}`];
  if (m.spread.median !== undefined && b.spread.median !== undefined)
    parts.push(`median ${num(m.spread.median)} against ${num(b.spread.median)}`);
  if (m.spread.p90 !== undefined && b.spread.p90 !== undefined) parts.push(`p90 ${num(m.spread.p90)} against ${num(b.spread.p90)}`);
  if (m.share) parts.push(`per (seed, OD pair) ${m.share.win} closer, ${m.share.tie} level, ${m.share.loss} farther`);
  else if (m.perOd) parts.push(`per OD pair ${m.perOd.wins} closer, ${m.perOd.ties} level, ${m.perOd.losses} farther`);
  const ahead = m.effect.quality === 'better' && (!m.share || m.share.ci95[0] > 0);
  const lever = ahead ? null : biggestLever(test, city);
  return {
    model: name,
    baseline: b.baseline,
    summary: `${name} against the ${b.baseline}, DTW per km (best-first): ${parts.join('; ')}`,
    lines: [cellLine('difference', m.effect, 'dtwPerKmBest'), ...(m.share ? [shareLine(m.share)] : [])],
    aim: ahead
      ? null
      : lever
        ? {
            text: `Not ahead yet (the aim: a lower mean and more OD pairs closer than farther). The lever that lowered the mean most: ${lever.text}.`,
            title: `Read from the test table “${lever.table}”, exploratory.`,
          }
        : {
            // Short, so every city's answers fit the first screen; the rest in the tooltip.
            text: 'Not ahead yet; no lever measured here lowered the mean.',
            title:
              'The aim: a lower mean and more OD pairs closer than farther. No arm of the city’s test tables has an interval wholly below 0.',
          },
    registered: registeredRoutesAnswer(test, table, rowLabel),
  };
}

/** The answers for every city the val file decides shipping for, in the test file's order. */
export function cityAnswers(test: ResultsFile, val: ResultsFile | null): CityAnswer[] {
  const decisions = new Map((val?.ship ?? []).map((d) => [d.city, d] as const));
  return test.cities.flatMap((table): CityAnswer[] => {
    const ship: ShipDecision | undefined = decisions.get(table.city);
    if (!ship) return [];
    const vanilla: ShippedText = { name: MODEL_NAME.vanilla, row: ship.vanilla.label, recipe: ship.vanilla.recipe };
    const distilled: ShippedText | null = ship.distilled
      ? { name: MODEL_NAME.distilled, row: ship.distilled.label, recipe: ship.distilled.recipe }
      : null;
    let vsVanilla: CityAnswer['vsVanilla'] = null;
    const at = distilled ? answerRow(test, table, distilled.row) : null;
    if (at) {
      const lines = ANSWER_KEYS.flatMap(([key, what]) => {
        const e = at.row.cells[key]?.effect;
        return e ? [cellLine(what, e, key)] : [];
      });
      const seeds = at.row.seeds;
      vsVanilla = {
        source:
          at.table === table
            ? `${table.split}, ${seeds} training seeds`
            : `the registered confirmation: ${table.split === 'test' ? 'test' : table.split}, ${seeds} new seeds`,
        lines,
      };
    }
    const shipped = distilled ?? vanilla;
    // A vanilla-slot recipe read in its own table (amendment 2) is answered from that table's row.
    const vanillaTable = (ship.vanilla.table && test.cities.find((c) => c.city === ship.vanilla.table)) || table;
    const baselineTable = distilled ? (at?.table ?? table) : vanillaTable;
    const baselineRow = distilled ? (at?.row.label ?? distilled.row) : vanilla.row;
    return [
      {
        city: table.city,
        ships: { vanilla, distilled, sentence: ship.sentence },
        vsVanilla,
        vsBaseline: baselineAnswer(test, table.city, baselineTable, baselineRow, shipped.name),
      },
    ];
  });
}
