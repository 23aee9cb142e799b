// `eval results-table --spec <file.json> [--split test] [--out public/reports/results.json] [--markdown <file.md>]`:
// the README's and Compare's results tables (src/lib/eval/resultsTable.ts) from the committed reports
// of every arm the spec lists. Each arm's folder holds, by convention, paired-steps-<split>.json
// (eval paired-steps) and paired-report-<split>-bestFirst.json / paired-report-<split>-beam.json
// (eval paired-report --splits <split> --method …, with --baselines on at least the first arm's); a
// city's "baselinesReport" (eval baselines --split val,test) replaces those baseline rows.
// With --split val the output also carries each city's ship decision (the registered rule); with
// --split test and a spec's "registered" entry, the registered confirmation's endpoints and verdict;
// with "registeredRoutes" entries, the registrations against the best baseline (registration 2's
// `eval registered-routes --out`, registration 3's `eval registered-long --out`), each beside its row.
// --values writes the README's results tables (values only, src/lib/eval/resultsValues.ts): one per
// "readme" name of the spec, merged from the spec's tables that carry it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readReportJsonIfAny } from './reportFiles';
import { commandLine, flagString, parseArgs, usageExit } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import {
  poolArmSources,
  MARKDOWN_MARKS,
  resultsMarkdown,
  resultsTables,
  shipDecision,
  type CityTable,
  type VanillaSlotRow,
  baselineLabel,
  type ArmSources,
  type BaselinesReportSplit,
  type ReportSplit,
  type StepsFile,
} from '../../lib/eval/resultsTable';
import { BASELINE_REPORT_SCHEMA } from '../../lib/eval/baselineReport';
import { valuesMarkdown } from '../../lib/eval/resultsValues';
import { registeredMarkdown, registeredResult, type RegisteredSpec } from '../../lib/eval/registeredConfirmation';
import {
  parseRegisteredRoutesReading,
  readsLongTrips,
  registeredRoutesMarkdown,
  type RegisteredRoutesEntry,
  type RegisteredRoutesResult,
} from '../../lib/eval/registeredRoutes';
import { registeredLongTripsMarkdown, type RegisteredLongResult } from '../../lib/eval/registeredLongTrips';

const USAGE = `usage: eval results-table --spec <file.json> [--split test|val] [--out <file.json>] [--markdown <file.md>] [--values <file.md>]
  spec: { "cities": [ { "city": "porto", "title": "Porto", "arms": [ { "label": "arm d", "source": "tuned on val generation", "dir": "runs/arm-d" }, … ] } ] }`;

interface Spec {
  cities: Array<{
    city: string;
    title?: string;
    note?: string;
    /** dir: one arm's folder, or several whose seeds are pooled into one arm (e.g. a study's and its confirmation's). */
    /** The vanilla students' recipe in plain words (the app names the shipped vanilla with it). */
    vanillaRecipe?: string;
    /** The vanilla row's label where the table's no-teacher partner is another recipe (default "vanilla student"). */
    vanillaLabel?: string;
    /** control: tabled, called a control, never shipped; recipe: the arm in plain words. */
    arms: Array<{ label: string; source: string; dir: string | string[]; control?: boolean; recipe?: string }>;
    contrasts?: Array<{ label: string; treated: string; control: string }>;
    /** false: a table that decides nothing about shipping (a confirmation, students on a share of the trips). */
    ships?: boolean;
    /** Tested outside the Holm family, verdicts on unadjusted p (pooled seeds, any after-the-fact look). */
    exploratory?: boolean;
    /** An `eval baselines` report (the baselines chosen on val): its methods on the split replace the paired reports' baseline rows. */
    baselinesReport?: string;
    /** The README table this one feeds (--values merges the tables that name the same one). */
    readme?: string;
    /**
     * A shipping table's other no-teacher recipes for the vanilla slot (amendment 2): each an arm of
     * another table (by title) that pairs the same plain vanilla runs; read on val by the ship rule.
     */
    vanillaCandidates?: Array<{ table: string; arm: string }>;
  }>;
  /** The registered confirmation: read on test once its arm is scored. */
  registered?: RegisteredSpec;
  /**
   * The registrations of a route recipe against the best baseline (2 and 3): each reading's file,
   * carried on test beside the table and row of the recipe it confirms. One entry or a list.
   */
  registeredRoutes?: RoutesEntrySpec | RoutesEntrySpec[];
}

type RoutesEntrySpec = Omit<RegisteredRoutesEntry, 'reading' | 'baselineLabel'> & { reading: string };

/** A committed report or spec as its type, or undefined where neither it nor its .gz exists. */
async function readJson<T>(path: string): Promise<T | undefined> {
  return (await readReportJsonIfAny(path)) as T | undefined;
}

/** A baselines report's split, or an error saying which file lacks it. */
async function baselinesSplit(path: string, split: string): Promise<BaselinesReportSplit> {
  const r = await readJson<{ schema?: string; splits?: Record<string, BaselinesReportSplit> }>(path);
  if (!r) throw new Error(`${path}: no such baselines report`);
  if (r.schema !== BASELINE_REPORT_SCHEMA) throw new Error(`${path}: not a baselines report (schema ${BASELINE_REPORT_SCHEMA})`);
  const s = r.splits?.[split];
  if (!s || typeof s.methods !== 'object') throw new Error(`${path}: no ${split} split (made with eval baselines --split ${split}?)`);
  return s;
}

/**
 * A registration's reading for the results file: its file read and checked, its table and row present,
 * its baseline named as that table names it; undefined (and the file listed as missing) before it is made.
 */
async function registeredRoutesEntry(
  r: RoutesEntrySpec,
  sources: ReadonlyArray<{ city: string; baselines?: BaselinesReportSplit }>,
  tables: ReadonlyArray<{ city: string; rows: ReadonlyArray<{ label: string }> }>,
  missing: string[],
): Promise<RegisteredRoutesEntry | undefined> {
  const raw = await readJson<unknown>(r.reading);
  if (raw === undefined) {
    missing.push(r.reading);
    return undefined;
  }
  const reading = parseRegisteredRoutesReading(raw);
  if (reading.split !== 'test') throw new Error(`${r.reading}: a reading of ${reading.split}, not test`);
  if (!tables.some((t) => t.city === r.table && t.rows.some((row) => row.label === r.row)))
    throw new Error(`registeredRoutes: no row "${r.row}" in a table "${r.table}"`);
  // The table's baselines report, already read (on test) for its rows, names the baseline's settings.
  const chosen = sources.find((c) => c.city === r.table)?.baselines?.methods[reading.baseline];
  return { ...r, baselineLabel: baselineLabel(reading.baseline, chosen ?? {}), reading };
}

/**
 * A shipping table's vanilla-slot candidates, found in their own tables; refused where a candidate's
 * table pairs other vanilla runs than this one (its vanilla row's values differ).
 */
function slotRows(spec: Spec, table: CityTable, tables: readonly CityTable[]): VanillaSlotRow[] {
  const c = spec.cities.find((x) => (x.title ?? x.city) === table.city);
  const vanillaOf = (t: CityTable) => t.rows.find((r) => r.kind === 'vanilla');
  return (c?.vanillaCandidates ?? []).flatMap(({ table: title, arm }) => {
    if (!spec.cities.some((x) => (x.title ?? x.city) === title && x.arms.some((a) => a.label === arm)))
      throw new Error(`${table.city}: vanilla-slot candidate "${arm}" is not an arm of a table "${title}"`);
    // Not scored yet (a table with no scored arm is not built): left out like any unscored arm.
    const other = tables.find((t) => t.city === title);
    const row = other?.rows.find((r) => r.kind === 'arm' && r.label === arm);
    if (!other || !row) return [];
    const [a, b] = [vanillaOf(table), vanillaOf(other)];
    for (const key of ['decisionNll', 'dtwPerKmBest'])
      if (a?.cells[key]?.value !== b?.cells[key]?.value)
        throw new Error(`${table.city}: "${arm}" in "${title}" is read against other vanilla runs (${key} differs)`);
    return [{ table: title, row }];
  });
}

/** A registration's reading as its own command prints it (registration 2's E3 is NLL, registration 3's the long third). */
function routesMarkdown(e: RegisteredRoutesEntry): string {
  const r = e.reading;
  return readsLongTrips(r)
    ? registeredLongTripsMarkdown(r as RegisteredLongResult, e.baselineLabel, r.split)
    : registeredRoutesMarkdown(r as RegisteredRoutesResult, e.baselineLabel, r.split);
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval results-table', USAGE));
  const exit = usageExit(p, USAGE, typeof p.flags.spec !== 'string');
  if (exit !== null) return exit;
  const split = flagString(p, 'split', 'test');
  const spec = (await readJson<Spec>(flagString(p, 'spec'))) ?? { cities: [] };
  const missing: string[] = [];
  const cities = await Promise.all(
    spec.cities.map(async (c) => ({
      city: c.title ?? c.city,
      split,
      note: c.note,
      contrasts: c.contrasts,
      exploratory: c.exploratory,
      vanillaRecipe: c.vanillaRecipe,
      vanillaLabel: c.vanillaLabel,
      readme: c.readme,
      baselines: c.baselinesReport ? await baselinesSplit(c.baselinesReport, split) : undefined,
      arms: await Promise.all(
        c.arms.map(async (a): Promise<ArmSources> => {
          const read = async (dir: string): Promise<ArmSources> => {
            const report = async (method: string) => {
              const f = join(dir, `paired-report-${split}-${method}.json`);
              const r = await readJson<{ splits: Record<string, ReportSplit> }>(f);
              if (!r) missing.push(f);
              return r?.splits[split];
            };
            const stepsFile = join(dir, `paired-steps-${split}.json`);
            const steps = await readJson<StepsFile>(stepsFile);
            if (!steps) missing.push(stepsFile);
            return { label: a.label, source: a.source, steps, bestFirst: await report('bestFirst'), beam: await report('beam') };
          };
          const arm = Array.isArray(a.dir) ? poolArmSources(a.label, a.source, await Promise.all(a.dir.map(read))) : await read(a.dir);
          return { ...arm, ...(a.control ? { control: true as const } : {}), ...(a.recipe ? { recipe: a.recipe } : {}) };
        }),
      ),
    })),
  );
  const reg = spec.registered;
  // The registered endpoints are test endpoints: on val every cell is exploratory.
  const tables = resultsTables(cities, reg && split === 'test' ? { registered: reg } : {});
  const shipping = new Set(spec.cities.filter((c) => c.ships !== false).map((c) => c.title ?? c.city));
  const registered =
    split === 'test' && reg && tables.cities.some((c) => c.city === reg.table && c.rows.some((r) => r.label === reg.arm))
      ? registeredResult(tables, reg)
      : undefined;
  const routesSpecs = split === 'test' ? [spec.registeredRoutes ?? []].flat() : [];
  const routesEntries = (await Promise.all(routesSpecs.map((r) => registeredRoutesEntry(r, cities, tables.cities, missing)))).filter(
    (e): e is RegisteredRoutesEntry => e !== undefined,
  );
  const out = {
    ...tables,
    split,
    command: commandLine('eval results-table', args),
    created: new Date().toISOString(),
    missing,
    ...(split === 'val'
      ? { ship: tables.cities.filter((t) => shipping.has(t.city)).map((t) => shipDecision(t, slotRows(spec, t, tables.cities))) }
      : {}),
    ...(registered ? { registered } : {}),
    ...(routesEntries.length ? { registeredRoutes: routesEntries } : {}),
  };
  if (missing.length) console.error(`not yet scored (left out of the table): ${missing.join(', ')}`);
  const text = JSON.stringify(out, null, 2) + '\n';
  if (typeof p.flags.out === 'string') await writeFile(p.flags.out, text);
  else console.log(text);
  if (typeof p.flags.markdown === 'string')
    await writeFile(
      p.flags.markdown,
      tables.cities
        .map(
          (c) =>
            `### ${c.city} (${split})\n\n${c.exploratory ? "Pooled after the fact: outside the registration's whole-table Holm family.\n\n" : ''}${resultsMarkdown(tables, c.city)}\n`,
        )
        .join('\n') +
        `\n${MARKDOWN_MARKS}\n` +
        (registered ? `\n### The registered confirmation\n\n${registeredMarkdown(registered)}\n` : '') +
        routesEntries
          .map(
            (e) =>
              `\n### The registered confirmation of ${e.row} (seeds ${e.seeds}, ${e.search}; ${e.registration})\n\n${routesMarkdown(e)}\n`,
          )
          .join(''),
    );
  if (typeof p.flags.values === 'string') {
    const names = [...new Set(tables.cities.flatMap((c) => (c.readme ? [c.readme] : [])))];
    const made = `Made by \`${commandLine('eval results-table', args)}\` from the committed reports.`;
    await writeFile(
      p.flags.values,
      `# The README's results tables (${split})\n\n${made}\n` +
        names.map((n) => `\n## ${n}\n\n${valuesMarkdown(tables.cities, n, split)}\n`).join(''),
    );
  }
  return 0;
}
