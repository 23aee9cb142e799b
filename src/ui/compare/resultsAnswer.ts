// Compare's answer as data: per shipping city, three questions (do distilled routes look more like
// real trips than vanilla ones; which model ships; does it beat the best route baseline), answered in
// sentences from the committed results (test) and their ship decisions (val). The numbers and their
// readings come from the statistics policy (src/lib/eval/statsPolicy.ts) through the same cell reading
// `eval results-table` uses, so the app and the CLI cannot read one comparison two ways; registered
// (confirmatory) results are kept apart from the exploratory ones, as the policy says.
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
import {
  comparisonSentence,
  digitsKeepingSide,
  intervalText,
  policyVerdict,
  shortComparisonText,
  type Comparison,
  type OutcomeWords,
} from '../../lib/eval/statsPolicy';
import { endpointInterval, readsLongTrips } from '../../lib/eval/registeredRoutes';
import { MODEL_NAME } from '../../lib/eval/displayNames';

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

/** The app's question, "do distilled routes look more like real trips than vanilla ones?", for one city. */
export interface DistillAnswer {
  /** The short answer first: "Yes", "No: farther", "Not measurably" (from the routes line's interval). */
  headline: string;
  /** Which two rows answer, and on what: "features + teacher KL − route features; test, 5 training seeds". */
  pair: string;
  /** True when the distilled row is the shipped distilled student; false: the one drawn beside the shipped vanilla. */
  shipped: boolean;
  /** The results table the rows are read from (its `city` title) and the distilled row's label. */
  table: string;
  row: string;
  /** Routes (DTW per km, best-first), then next road (decision NLL): sentences. */
  lines: VerdictLine[];
  /** The registered next-road result (confirmatory), kept apart; null where none was registered for the city or the lines are it. */
  registered: VerdictLine | null;
}

export interface CityAnswer {
  city: string;
  ships: { vanilla: ShippedText; distilled: ShippedText | null; sentence: string };
  /** (a) The distilled student (shipped, or drawn beside the shipped vanilla) against its no-teacher partner; null without such a row. */
  vsVanilla: DistillAnswer | null;
  /** (c) The shipped model against the best route baseline; null without baselines. */
  vsBaseline: {
    model: string;
    baseline: string;
    /** "Yes" where the model is ahead on both (the aim), else "Not yet". */
    headline: string;
    /** "… against the fastest path …, DTW per km (best-first): mean 2.715 against 2.404". */
    summary: string;
    /** Median, p90 and per-OD wins/ties/losses where the reports carry them (a tooltip); '' without. */
    detail: string;
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

/** One cell as a sentence (statsPolicy.ts comparisonSentence), its policy words in the tooltip. */
export function sentenceLine(what: string, e: CellEffect, key: string, outcome: OutcomeWords, unit: string): VerdictLine {
  const col = column(key);
  const c = cellComparison(e, col.lowerIsBetter);
  const v = policyVerdict(c);
  return { what, text: comparisonSentence(c, outcome, col.digits, unit), title: `${col.label}: ${v.words}`, kind: v.kind };
}

const ROUTE_WORDS: OutcomeWords = {
  better: 'Routes come closer to the real trips',
  worse: 'Routes stray farther from the real trips',
  level: 'Routes come about as close to the real trips',
};
const NEXT_ROAD_WORDS: OutcomeWords = {
  better: 'Next road predicted better',
  worse: 'Next road predicted worse',
  level: 'Next road predicted about as well',
};
const REGISTERED_NEXT_ROAD: OutcomeWords = {
  better: 'the teacher’s KL improves next-road prediction',
  worse: 'the teacher’s KL worsens next-road prediction',
  level: 'the teacher’s KL leaves next-road prediction about where it was',
};
const HEADLINE = { better: 'Yes', worse: 'No: farther', level: 'Not measurably' } as const;

/** The routes and next-road sentences of a distilled row against its partner. */
function distillLines(row: ResultsRow): VerdictLine[] {
  const out: VerdictLine[] = [];
  const routes = row.cells.dtwPerKmBest?.effect;
  const nll = row.cells.decisionNll?.effect;
  if (routes) out.push(sentenceLine('routes', routes, 'dtwPerKmBest', ROUTE_WORDS, 'DTW per km'));
  if (nll) out.push(sentenceLine('next road', nll, 'decisionNll', NEXT_ROAD_WORDS, 'nats'));
  return out;
}

/**
 * The registered confirmation's next-road endpoint (confirmatory), for the city whose tables hold it,
 * as one sentence that names what was registered: kept apart from the exploratory lines.
 */
function registeredNextRoad(test: ResultsFile, city: string): VerdictLine | null {
  const reg = test.registeredCells;
  if (!reg || (reg.table !== city && !reg.table.startsWith(`${city},`))) return null;
  const row = test.cities.find((c) => c.city === reg.table)?.rows.find((r) => r.label === reg.arm);
  const e = row?.cells.decisionNll?.effect;
  if (!row || !e) return null;
  const line = sentenceLine('registered next road', e, 'decisionNll', REGISTERED_NEXT_ROAD, 'nats');
  const partner = test.cities.find((c) => c.city === reg.table)?.rows.find((r) => r.kind === 'vanilla');
  const seeds = /seeds? [\d–-]+/.exec(reg.table)?.[0] ?? `${row.seeds} seeds`;
  const pair = `${row.label.replace(/, seeds.*$/, '')} − ${partner?.label ?? 'vanilla'}, new ${seeds}`;
  return { ...line, text: `Registered (${pair}): ${line.text}` };
}

/**
 * The distilled row that answers the app's question: the shipped distilled student's (the registered
 * confirmation's row where it confirms the same recipe); where vanilla ships alone, the distilled
 * recipe the ship rule read for the city (its first candidate that is not a control), which is the
 * student the map draws beside the shipped one.
 */
function distillAnswer(test: ResultsFile, table: CityTable, ship: ShipDecision): DistillAnswer | null {
  const shipped = ship.distilled ? answerRow(test, table, ship.distilled.label) : null;
  const drawn = ship.candidates.find((c) => !c.control && table.rows.some((r) => r.label === c.label && r.kind === 'arm'));
  const at = shipped ?? (drawn ? { table, row: table.rows.find((r) => r.label === drawn.label)! } : null);
  if (!at) return null;
  const partner = at.table.rows.find((r) => r.kind === 'vanilla');
  const lines = distillLines(at.row);
  if (!partner || lines.length === 0) return null;
  const routes = at.row.cells.dtwPerKmBest?.effect;
  const quality = routes ? cellComparison(routes, true) : null;
  const q = quality ? policyVerdict(quality).quality : null;
  const confirmedHere = lines.some((l) => l.kind === 'confirmatory');
  return {
    headline: HEADLINE[q ?? 'level'],
    pair: `${at.row.label} − ${partner.label}; ${at.table.split}, ${at.row.seeds} training seeds`,
    shipped: shipped !== null,
    table: at.table.city,
    row: at.row.label,
    lines,
    registered: confirmedHere ? null : registeredNextRoad(test, table.city),
  };
}

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
  const outcome: OutcomeWords = {
    better: 'More OD pairs come closer than farther',
    worse: 'More OD pairs come out farther than closer',
    level: 'About as many OD pairs come closer as farther',
  };
  return {
    what: 'per OD pair, wins − losses',
    text: comparisonSentence(c, outcome, 3, 'wins − losses per pair'),
    title: `per OD pair, wins − losses: ${v.words}`,
    kind: v.kind,
  };
}

/** The mean difference from the baseline as a sentence. */
const BASELINE_WORDS: OutcomeWords = {
  better: 'On the mean its routes come closer to the real trips',
  worse: 'On the mean its routes stray farther from the real trips',
  level: 'On the mean its routes come about as close to the real trips',
};

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

/** A registration's endpoints as confirmatory lines, where its reading confirms this table's row (2: the route features; 3: the final recipe). */
function registeredRoutesAnswer(
  test: ResultsFile,
  table: CityTable,
  rowLabel: string,
): NonNullable<CityAnswer['vsBaseline']>['registered'] {
  const reg = test.registeredRoutes?.find((e) => e.table === table.city && e.row === rowLabel);
  if (!reg) return null;
  const r = reg.reading;
  const long = readsLongTrips(r);
  const what: Record<string, string> = {
    E1: `mean DTW per km − the ${reg.baselineLabel}`,
    E2: 'per OD pair, wins − losses',
    E3: long
      ? `per OD pair on the long third${r.cutsKm ? ` (real trips over ${r.cutsKm[1].toFixed(2)} km)` : ''}, wins − losses`
      : 'decision NLL − the routes control',
  };
  const title = `Registered before its runs (${reg.registration}): Holm over its three endpoints, α ${r.alpha}.`;
  const lines = r.endpoints.map((e): VerdictLine => ({
    what: `${e.id}, ${what[e.id]}`,
    text: `${e.verdict}: ${endpointInterval(e, !long)} (registered, Holm p ${e.pHolm.toPrecision(2)})`,
    title,
    kind: 'confirmatory',
  }));
  const second = long
    ? `${r.winsLongTrips ? 'wins' : 'does not win'} more long trips than it loses`
    : `${r.improvesOnControl ? 'improves' : 'does not improve'} on the routes control's next-road prediction`;
  const conclusion = `It ${r.beatsBaseline ? 'beats' : 'does not beat'} the ${reg.baselineLabel} on ${r.split}, and ${second}.`;
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
    headline: ahead ? 'Yes' : 'Not yet',
    summary: `${name} against the ${b.baseline}, DTW per km (best-first): ${parts[0]}`,
    detail: parts.slice(1).join('; '),
    lines: [sentenceLine('difference', m.effect, 'dtwPerKmBest', BASELINE_WORDS, 'DTW per km'), ...(m.share ? [shareLine(m.share)] : [])],
    aim: ahead
      ? null
      : lever
        ? {
            text: `The lever that lowered the mean most: ${lever.text}.`,
            title: `The aim: a lower mean and more OD pairs closer than farther. Read from the test table “${lever.table}”, exploratory.`,
          }
        : {
            // Short, so every city's answers fit the first screen; the rest in the tooltip.
            text: 'No lever measured here lowered the mean.',
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
    const vsVanilla = distillAnswer(test, table, ship);
    const at = distilled ? answerRow(test, table, distilled.row) : null;
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
