// `eval length-strata --spec <file.json> [--out <file.json>] [--markdown <file.md>] [--skip-missing]`: every route
// table read by the real trip's length (terciles) and on the OD pairs the baseline draws exactly
// (src/lib/eval/lengthStrata.ts), from committed reports that carry per-OD DTW per km: paired
// reports (splits.<split>.arms.distilled), paired-search readings (perCheckpoint.b), and the
// baselines report for the baseline's own row. The real trips' lengths come from the dataset, in
// the split's OD order as the reports scored them.
import { readFile, writeFile } from 'node:fs/promises';
import { commandLine, flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { splitTargets } from '../../lib/eval/pairedProtocol';
import { strataMarkdown, strataReading, type StrataRow } from '../../lib/eval/lengthStrata';
import { readReportJson, readReportJsonIfAny } from './reportFiles';

const USAGE = `usage: eval length-strata --spec <file.json> [--out <file.json>] [--markdown <file.md>] [--skip-missing]
  spec: { "tables": [ { "title": "Porto (test)", "dataset": "public/data/porto", "split": "test",
    "baselines": "<eval baselines report>", "baseline": "markovLength", "baselineLabel": "Markov chain + length",
    "rows": [ { "label": "route features", "file": "<report>", "runs": "splits.test.arms.distilled" }, … ] } ] }`;

interface Spec {
  tables: Array<{
    title: string;
    dataset: string;
    split: 'val' | 'test';
    baselines: string;
    baseline: string;
    baselineLabel: string;
    rows: Array<{ label: string; file: string; runs: string }>;
  }>;
}

interface RunWithOd {
  seed?: number;
  odDtwPerKm?: ReadonlyArray<number | null>;
}

/** The value at a dotted path of a parsed JSON file. */
function at(root: unknown, path: string, file: string): unknown {
  let x = root;
  for (const k of path.split('.')) {
    if (x === null || typeof x !== 'object' || !(k in x)) throw new Error(`${file}: no ${path} (stops at ${k})`);
    x = (x as Record<string, unknown>)[k];
  }
  return x;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval length-strata', USAGE));
  const spec = JSON.parse(await readFile(flagString(p, 'spec'), 'utf8')) as Spec;
  const skipMissing = p.flags['skip-missing'] === true;
  const out: Array<{ title: string; baseline: string; rows: StrataRow[]; notYetRun?: string[] }> = [];
  let md = `# Route tables by the real trip's length\n\nMade by \`${commandLine('eval length-strata', args)}\` from the committed reports.\n`;
  for (const t of spec.tables) {
    // Which reports exist, before the dataset's slow load: a missing one stops the table at once.
    const present: Array<{ row: Spec['tables'][number]['rows'][number]; report: unknown }> = [];
    const missing: string[] = [];
    for (const row of t.rows) {
      const report = skipMissing ? await readReportJsonIfAny(row.file) : await readReportJson(row.file);
      if (report !== undefined) present.push({ row, report });
      else missing.push(`${row.label} (${row.file})`);
    }
    const { dataset, derived } = await loadDatasetWithDerived(t.dataset);
    const targets = splitTargets({ dataset }, t.split, derived.features.centroid);
    const base = at(await readReportJson(t.baselines), `splits.${t.split}.methods.${t.baseline}.odDtwPerKm`, t.baselines) as Array<
      number | null
    >;
    if (base.length !== targets.odRealKm.length)
      throw new Error(`${t.baselines}: ${base.length} OD pairs on ${t.split}, the dataset's split has ${targets.odRealKm.length}`);
    const rows: StrataRow[] = [];
    for (const { row: r, report } of present) {
      const runs = at(report, r.runs, r.file) as RunWithOd[];
      if (!Array.isArray(runs) || runs.some((x) => !x.odDtwPerKm))
        throw new Error(`${r.file}: ${r.runs} has runs without per-OD DTW per km`);
      rows.push({
        label: r.label,
        seeds: runs.length,
        reading: strataReading(
          runs.map((x) => x.odDtwPerKm!),
          base,
          targets.odRealKm,
        ),
      });
    }
    out.push({ title: t.title, baseline: t.baselineLabel, rows, ...(missing.length ? { notYetRun: missing } : {}) });
    md += `\n## ${t.title}, against ${t.baselineLabel}\n\n${strataMarkdown(rows, t.baselineLabel)}`;
    if (missing.length) md += `\nNot in this table, their reports not made yet: ${missing.join('; ')}.\n`;
  }
  const json =
    JSON.stringify({ command: commandLine('eval length-strata', args), created: new Date().toISOString(), tables: out }, null, 2) + '\n';
  if (typeof p.flags.out === 'string') await writeFile(p.flags.out, json);
  if (typeof p.flags.markdown === 'string') await writeFile(p.flags.markdown, md);
  else console.log(md);
  return 0;
}
