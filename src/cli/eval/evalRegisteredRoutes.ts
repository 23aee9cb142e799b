// `eval registered-routes`: registration 2's reading (docs/experiments/registration-route-features.md)
// from the two reports it names: the `eval paired-search` report (search b = the recipe's search,
// against the baseline) and the `eval paired-steps` report (the routes control as --vanilla, the
// recipe as --distilled). It checks that both read the same seeds and the registered split and search
// before it reads anything, so a report of other runs cannot stand in.
import { readFile, writeFile } from 'node:fs/promises';
import { commandLine, flagNumber, flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import {
  readRegisteredRoutes,
  registeredRoutesMarkdown,
  type RegisteredRoutesInput,
  type RegisteredRoutesReading,
} from '../../lib/eval/registeredRoutes';

const USAGE = `usage: eval registered-routes --routes <paired-search.json> --steps <paired-steps.json>
                               [--baseline markovLength] [--split test] [--cap 1.2] [--out <json>]
  E1 (mean DTW per km − the baseline) and E2 (the per-OD win − loss share against it) from the
  paired-search report's search b against --baseline; E3 (decision NLL, recipe − routes control)
  from the paired-steps report; Holm over the three (docs/experiments/registration-route-features.md).
  Refuses reports of another split, of a search other than best-first with the tail guard at --cap,
  or whose seeds differ. Prints the Markdown table; --out writes the JSON.`;

interface SearchReport {
  split: string;
  searches: { b: { method?: string; cap?: number } };
  checkpoints: { seed: number; file: string }[];
  baselines?: Record<string, { bVsBaseline?: RegisteredRoutesInput['share'] & { meanDiff: RegisteredRoutesInput['meanDiff'] } }>;
}

interface StepsReport {
  split: string;
  trainingSeeds: number[];
  effects: { decisionNll: RegisteredRoutesInput['nll'] };
}

/** The registered endpoints' inputs from the two reports, after checking they are the registered ones. */
export function registeredInputs(
  routes: SearchReport,
  steps: StepsReport,
  want: { baseline: string; split: string; cap: number },
): RegisteredRoutesInput {
  if (routes.split !== want.split || steps.split !== want.split)
    throw new Error(`the reports are of ${routes.split} and ${steps.split}, not ${want.split}`);
  const b = routes.searches.b;
  if (b.method !== 'bestFirst' || b.cap !== want.cap)
    throw new Error(`search b is ${JSON.stringify(b)}, not best-first with the tail guard at ${want.cap}`);
  const seeds = routes.checkpoints.map((c) => c.seed).sort((x, y) => x - y);
  const stepSeeds = [...steps.trainingSeeds].sort((x, y) => x - y);
  if (seeds.join(',') !== stepSeeds.join(',')) throw new Error(`seeds differ: routes ${seeds.join(', ')}, steps ${stepSeeds.join(', ')}`);
  const vs = routes.baselines?.[want.baseline]?.bVsBaseline;
  if (!vs) throw new Error(`the routes report has no ${want.baseline} baseline (eval paired-search --baselines ${want.baseline})`);
  if (!vs.meanDiff || vs.p === undefined)
    throw new Error('the routes report predates the mean difference and the sign-flip p: run it again');
  return { meanDiff: vs.meanDiff, share: vs, nll: steps.effects.decisionNll };
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval registered-routes', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let input: RegisteredRoutesInput;
  const baseline = flagString(p, 'baseline', 'markovLength');
  const split = flagString(p, 'split', 'test');
  try {
    const routes = JSON.parse(await readFile(flagString(p, 'routes'), 'utf8')) as SearchReport;
    const steps = JSON.parse(await readFile(flagString(p, 'steps'), 'utf8')) as StepsReport;
    input = registeredInputs(routes, steps, { baseline, split, cap: flagNumber(p, 'cap', 1.2) });
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const r = readRegisteredRoutes(input);
  console.log(registeredRoutesMarkdown(r, baseline, split));
  if (typeof p.flags.out === 'string') {
    const reading: RegisteredRoutesReading = { baseline, split, ...r, command: commandLine('eval registered-routes', args) };
    await writeFile(p.flags.out, JSON.stringify(reading, null, 1) + '\n');
  }
  return 0;
}
