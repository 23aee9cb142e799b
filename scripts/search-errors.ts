// Does the search waste the model? For every OD pair of a split (each trip's own OD and start time),
// a student's search returns a route with a cumulative log-probability; the real trip's route has
// one under the same scoring (the same scorer, prefix by prefix, its entry times from the model's
// own hop times, as the search sees any path). Where the real route scores higher than the route
// found, the search missed a path the model prefers: a search error. Where the found route scores
// higher and differs, the model prefers a route the driver did not take: a model error. (The
// distillation issue, item 5.)
//
//   npx tsx scripts/search-errors.ts --checkpoints a.safetensors,b.safetensors [--split val]
//        [--method bestFirst|beam] [--dataset public/data/porto] [--out file.json]
//
// Prints one JSON object: per checkpoint, the counts and the mean log-probability gap.
import { readFile, writeFile } from 'node:fs/promises';
import { flagString, parseArgs } from '../src/cli/common/args';
import { loadDatasetWithDerived } from '../src/cli/common/fsDataset';
import { loadStudentScorer } from '../src/lib/eval/protocol';
import { centroidDistance, generateRoutes, planChunks, type GenOD } from '../src/lib/generate/generator';
import type { StepQuery } from '../src/lib/generate/search';
import type { SplitName } from '../src/lib/data/types';
import { initNodeBackend } from '../src/lib/runtime/node';
import { roundDeep } from '../bench/suites/stats';

/** The real routes' cumulative log-probabilities, scored in lockstep (a prefix's parent is always scored first). */
async function realLogProbs(scorer: ReturnType<typeof loadStudentScorer>['scorer'], routes: number[][], ods: GenOD[]): Promise<number[]> {
  const out = new Array<number>(routes.length).fill(0);
  for (const chunk of planChunks(ods, 256, true)) {
    const startByOrigin = new Map(chunk.map((i) => [ods[i].origin, ods[i].startTime]));
    scorer.setStartTimes((q) => startByOrigin.get(q.prefix[0]) ?? ods[chunk[0]].startTime);
    // Each trip's current prefix and the prefix it extends (by identity: the scorer finds the
    // parent's cached state that way).
    const prefixes = new Map<number, { prefix: number[]; parent?: number[] }>(chunk.map((i) => [i, { prefix: [routes[i][0]] }]));
    for (let k = 0; ; k++) {
      const live = chunk.filter((i) => k + 1 < routes[i].length && Number.isFinite(out[i]));
      if (live.length === 0) break;
      const queries: StepQuery[] = live.map((i) => ({ ...prefixes.get(i)!, dest: ods[i].dest }));
      const scores = await scorer.scoreBatch(queries);
      live.forEach((i, j) => {
        const next = routes[i][k + 1];
        const sc = scores[j];
        let lp = -Infinity;
        for (let c = 0; c < sc.candidates.length; c++) if (sc.candidates[c] === next) lp = sc.logProbs[c];
        out[i] += lp;
        const parent = queries[j].prefix as number[];
        prefixes.set(i, { prefix: [...parent, next], parent });
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const p = parseArgs(process.argv.slice(2));
  const paths = flagString(p, 'checkpoints').split(',').filter(Boolean);
  const split = flagString(p, 'split', 'val') as SplitName;
  const method = flagString(p, 'method', 'bestFirst');
  if (method !== 'bestFirst' && method !== 'beam') throw new Error(`--method must be bestFirst or beam, got "${method}"`);
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
  const trips = dataset.splits[split].filter((t) => t.roads.length >= 2);
  const ods: GenOD[] = trips.map((t) => ({ origin: t.roads[0], dest: t.roads[t.roads.length - 1], startTime: t.times[0] }));
  const results = [];
  for (const path of paths) {
    const m = loadStudentScorer(new Uint8Array(await readFile(path)), dataset.network, derived);
    try {
      const gen = await generateRoutes(m.scorer, ods, {
        method,
        distanceToDest: centroidDistance(derived.features),
        timeMean: derived.timeMean,
        timeStd: derived.timeStd,
      });
      m.scorer.forgetPrefixes();
      const real = await realLogProbs(
        m.scorer,
        trips.map((t) => t.roads),
        ods,
      );
      let identical = 0;
      let searchErrors = 0;
      let modelErrors = 0;
      let unreachableReal = 0;
      let notReached = 0;
      const gaps: number[] = [];
      gen.forEach((g, i) => {
        if (!Number.isFinite(real[i])) {
          unreachableReal++;
          return;
        }
        if (!g.reached) {
          notReached++;
          return;
        }
        if (g.roads.length === trips[i].roads.length && g.roads.every((r, k) => r === trips[i].roads[k])) {
          identical++;
          return;
        }
        gaps.push(real[i] - g.logProb);
        if (real[i] > g.logProb + 1e-6) searchErrors++;
        else modelErrors++;
      });
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
      results.push({
        checkpoint: path,
        seed: m.checkpoint.hyper.seed,
        odPairs: ods.length,
        identical,
        searchErrors,
        modelErrors,
        notReached,
        realNotACandidatePath: unreachableReal,
        meanRealMinusFound: mean(gaps),
        meanRealMinusFoundWhereSearchError: mean(gaps.filter((g) => g > 1e-6)),
        meanFoundLogProb: mean(gen.filter((g) => g.reached).map((g) => g.logProb)),
        meanRealLogProb: mean(real.filter(Number.isFinite)),
      });
      console.error(JSON.stringify(results[results.length - 1]));
    } finally {
      m.dispose();
    }
  }
  const text = JSON.stringify(
    roundDeep({ split, method, results, command: ['npx tsx scripts/search-errors.ts', ...process.argv.slice(2)].join(' ') }, 4),
    null,
    2,
  );
  const out = typeof p.flags.out === 'string' ? p.flags.out : null;
  if (out) await writeFile(out, text + '\n');
  console.log(text);
}

void main();
