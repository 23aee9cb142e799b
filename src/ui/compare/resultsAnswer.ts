// Compare's answer as data: per shipping city, three questions with one-line answers, from the
// committed results (test) and their ship decisions (val), worded by the statistics policy
// (src/lib/eval/statsPolicy.ts) through the same cell reading `eval results-table` uses, so the app
// and the CLI cannot word one comparison two ways.
import {
  cellComparison,
  RESULTS_COLUMNS,
  type CellEffect,
  type CityTable,
  type ResultsFile,
  type ResultsRow,
  type ShipDecision,
} from '../../lib/eval/resultsTable';
import { policyVerdict, shortComparisonText } from '../../lib/eval/statsPolicy';

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
    line: VerdictLine;
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

function baselineAnswer(table: CityTable, rowLabel: string, name: string): CityAnswer['vsBaseline'] {
  const b = table.vsBestBaseline;
  const m = b?.models.find((x) => x.label === rowLabel);
  if (!b || !m) return null;
  const parts = [`mean ${num(m.value)} against ${num(b.value)}`];
  if (m.spread.median !== undefined && b.spread.median !== undefined)
    parts.push(`median ${num(m.spread.median)} against ${num(b.spread.median)}`);
  if (m.spread.p90 !== undefined && b.spread.p90 !== undefined) parts.push(`p90 ${num(m.spread.p90)} against ${num(b.spread.p90)}`);
  if (m.perOd) parts.push(`per OD pair ${m.perOd.wins} closer, ${m.perOd.ties} level, ${m.perOd.losses} farther`);
  return {
    model: name,
    baseline: b.baseline,
    summary: `${name} against the ${b.baseline}, DTW per km (best-first): ${parts.join('; ')}`,
    line: cellLine('difference', m.effect, 'dtwPerKmBest'),
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
    if (distilled) {
      const at = answerRow(test, table, distilled.row);
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
    }
    const shipped = distilled ?? vanilla;
    const baselineTable = distilled ? (answerRow(test, table, distilled.row)?.table ?? table) : table;
    const baselineRow = distilled ? (answerRow(test, table, distilled.row)?.row.label ?? distilled.row) : vanilla.row;
    return [
      {
        city: table.city,
        ships: { vanilla, distilled, sentence: ship.sentence },
        vsVanilla,
        vsBaseline: baselineAnswer(baselineTable, baselineRow, shipped.name),
      },
    ];
  });
}
