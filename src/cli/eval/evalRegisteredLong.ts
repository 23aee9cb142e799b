// `eval registered-long`: registration 3's reading (docs/experiments/registration-3.md) from the
// `eval paired-search` report of the registered checkpoints (search b = the registered search), the
// committed baselines report (the baseline's own per-OD DTW per km) and the dataset (the real trips'
// lengths, for the thirds). It checks the split, the search and the seeds before reading anything, so
// a report of other runs cannot stand in.
import { writeFile } from 'node:fs/promises';
import { commandLine, flagString, parseArgs, parseSeeds } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { splitTargets } from '../../lib/eval/pairedProtocol';
import { readRegisteredLongTrips, registeredLongTripsMarkdown, type RegisteredLongResult } from '../../lib/eval/registeredLongTrips';
import { parseSearch } from './evalPairedSearch';
import { parseSplit } from '../generate/generate';
import type { SplitName } from '../../lib/data/types';
import { readReportJson } from './reportFiles';

const USAGE = `usage: eval registered-long --routes <paired-search.json> --baselines-report <eval baselines json>
                              --dataset <dir> --b <search> --seeds <a,b,…> [--baseline markovLength]
                              [--split test] [--out <json>] [--markdown <md>]
  E1 (mean DTW per km − the baseline) and E2 (the per-OD win − loss share against it) over every OD
  pair, E3 the same share on the long third of the real trips' lengths; Holm over the three
  (docs/experiments/registration-3.md). The recipe's routes are search b of the paired-search report,
  the baseline's the baselines report's on the same split. Refuses a report of another split, of a
  search b other than --b, or of seeds other than --seeds. Prints the Markdown table.`;

interface SearchReport {
  split: string;
  searches: { b: Record<string, unknown> };
  checkpoints: { seed: number }[];
  perCheckpoint: { b: { seed: number; odDtwPerKm?: (number | null)[] }[] };
  baselines?: Record<string, { bVsBaseline?: { meanDiff?: { mean: number } } }>;
}

const sameSearch = (x: Record<string, unknown>, y: Record<string, unknown>): boolean =>
  JSON.stringify(Object.entries(x).sort()) === JSON.stringify(Object.entries(y).sort());

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval registered-long', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  const baseline = flagString(p, 'baseline', 'markovLength');
  let r: RegisteredLongResult;
  let split: SplitName;
  try {
    split = parseSplit(flagString(p, 'split', 'test'));
    const routes = (await readReportJson(flagString(p, 'routes'))) as SearchReport;
    const want = parseSearch(flagString(p, 'b'), 'b');
    if (routes.split !== split) throw new Error(`the routes report is of ${routes.split}, not ${split}`);
    if (!sameSearch(routes.searches.b, want))
      throw new Error(`search b is ${JSON.stringify(routes.searches.b)}, not the registered ${JSON.stringify(want)}`);
    const seeds = routes.checkpoints.map((c) => c.seed).sort((x, y) => x - y);
    const wantSeeds = parseSeeds(flagString(p, 'seeds')).sort((x, y) => x - y);
    if (seeds.join(',') !== wantSeeds.join(',')) throw new Error(`the report's seeds are ${seeds.join(', ')}, not ${wantSeeds.join(', ')}`);
    const recipe = routes.perCheckpoint.b.map((c) => {
      if (!c.odDtwPerKm) throw new Error(`seed ${c.seed} has no per-OD DTW per km`);
      return c.odDtwPerKm;
    });
    const report = flagString(p, 'baselines-report');
    const methods = (
      (await readReportJson(report)) as { splits?: Record<string, { methods?: Record<string, { odDtwPerKm?: (number | null)[] }> }> }
    ).splits?.[split]?.methods;
    const base = methods?.[baseline]?.odDtwPerKm;
    if (!base) throw new Error(`${report}: no per-OD DTW per km of ${baseline} on ${split}`);
    const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset'));
    const realKm = splitTargets({ dataset }, split, derived.features.centroid).odRealKm;
    if (base.length !== realKm.length || recipe.some((r) => r.length !== realKm.length))
      throw new Error(
        `OD counts differ: baseline ${base.length}, recipe ${recipe.map((r) => r.length).join('/')}, ${split} split ${realKm.length}`,
      );
    // The same baseline routes as the report's own, where it scored the baseline too.
    const own = routes.baselines?.[baseline]?.bVsBaseline?.meanDiff?.mean;
    r = readRegisteredLongTrips(recipe, base, realKm);
    if (own !== undefined && Math.abs(own - r.endpoints[0].mean) > 1e-6)
      throw new Error(
        `the baselines report's ${baseline} is not the routes report's: mean difference ${r.endpoints[0].mean} against ${own}`,
      );
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const md = registeredLongTripsMarkdown(r, baseline, split);
  console.log(md);
  const command = commandLine('eval registered-long', args);
  if (typeof p.flags.out === 'string') await writeFile(p.flags.out, JSON.stringify({ baseline, split, ...r, command }, null, 1) + '\n');
  if (typeof p.flags.markdown === 'string') await writeFile(p.flags.markdown, `Made by \`${command}\`.\n\n${md}\n`);
  return 0;
}
