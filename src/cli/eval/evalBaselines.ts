// `eval baselines`: the route baselines without a model (shortest, fastest, markov;
// src/lib/generate/baselines.ts) on a split's OD list, scored as `eval paired-report` scores the
// students (src/lib/eval/baselineReport.ts), as one JSON file for the SF and Porto tables.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { commandLine, flagNumber, flagNumberOrAll, flagString, parseArgs, usageExit } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { parseSplits } from './evalPairedReport';
import { BASELINE_METHODS, baselineSettings, parseBaselineMethods } from '../../lib/generate/baselines';
import { runBaselineReport } from '../../lib/eval/baselineReport';
import { roundReport } from '../../lib/eval/protocol';

const USAGE = `usage: eval baselines [--dataset public/data/porto] [--split test] [--methods ${BASELINE_METHODS.join(',')}]
                      [--out <file.json>] [--train-od 500] [--test-od all] [--od-seed 1]
                      [--markov-alpha α] [--markov-length-alpha α] [--length-per-km μ]
                      [--min-road-passes 5] [--min-class-passes 20] [--markov-routes]
  Routes every OD pair of the split (val and test: each trip's own origin, destination and start
  time; train: --train-od trips sampled with --od-seed, as eval paired-report) with each baseline
  and prints (and with --out writes) JSON with the paired report's per-seed metrics (DTW km, DTW per
  real km, EDR, |log length ratio|, reached, distance/duration/radius JSD) and the thesis suite.
  --split takes a comma list (val,test). The markov chains are counted and the speeds of
  fittedFastest fitted on the train trips only; --markov-routes counts the chains on the dataset's
  untimed route corpus (routes.csv) too, the data the routes-trained students read. Unset settings take the val choices
  (src/lib/generate/baselines.ts: the city's CITY_BASELINE_CHOICES, else BASELINE_DEFAULTS).`;

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval baselines', USAGE));
  const exit = usageExit(p, USAGE);
  if (exit !== null) return exit;
  let splits, methods;
  try {
    splits = parseSplits(flagString(p, 'split', 'test'));
    methods = parseBaselineMethods(flagString(p, 'methods', BASELINE_METHODS.join(',')));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
  const testOd = flagNumberOrAll(p, 'test-od', Infinity);
  const optionalNumber = (k: string): number | undefined => (p.flags[k] === undefined ? undefined : flagNumber(p, k, NaN));
  // The city's own fitted-speed rule where its val sweep chose one (CITY_BASELINE_CHOICES), else Porto's.
  const cityRule = baselineSettings(dataset.name).speedRule;
  const rep = roundReport(
    runBaselineReport({
      dataset,
      derived,
      methods,
      splits,
      trainOd: flagNumber(p, 'train-od', 500),
      testOd: testOd === Infinity ? undefined : testOd,
      odSeed: flagNumber(p, 'od-seed', 1),
      params: {
        markovAlpha: optionalNumber('markov-alpha'),
        markovLengthAlpha: optionalNumber('markov-length-alpha'),
        lengthPerKm: optionalNumber('length-per-km'),
        ...(p.flags['markov-routes'] ? { markovRoutes: true } : {}),
        speedRule: {
          minRoadPasses: flagNumber(p, 'min-road-passes', cityRule.minRoadPasses),
          minClassPasses: flagNumber(p, 'min-class-passes', cityRule.minClassPasses),
        },
      },
      createdWith: commandLine('eval baselines', args),
    }),
    6,
  );
  const text = JSON.stringify(rep, null, 1) + '\n';
  const out = typeof p.flags.out === 'string' ? p.flags.out : null;
  if (out) {
    await mkdir(dirname(resolve(out)), { recursive: true });
    await writeFile(out, text);
  }
  for (const [split, s] of Object.entries(rep.splits)) {
    if (!s) continue;
    console.error(`${split}: ${s.nOd} OD pairs`);
    for (const [m, r] of Object.entries(s.methods)) {
      if (!r) continue;
      const x = r.metrics;
      const f = (v: number | null, d: number): string => (typeof v === 'number' ? v.toFixed(d) : '–');
      console.error(
        `  ${m.padEnd(13)} DTW ${f(x.odDtwKm, 2)} km, DTW/km ${f(x.odDtwPerKm, 3)} (median ${f(r.spread.median, 3)}, p90 ${f(r.spread.p90, 3)}), EDR ${f(x.odEdr, 3)}, |log len| ${f(x.odDistanceLogErr, 3)}, ` +
          `reached ${f(x.reachedRate, 3)}, JSD dist ${f(x.distanceJSD, 4)} dur ${f(x.durationJSD, 4)} radius ${f(x.radiusJSD, 4)}`,
      );
    }
  }
  if (out) console.error(`wrote ${out}`);
  else console.log(text);
  return 0;
}
