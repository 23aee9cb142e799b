// Two versions of the route decoder side by side in one process: this checkout's and another
// checkout's (a git worktree of an older commit), loaded from their own sources, in interleaved
// rounds (bench/suites/timing.ts compare), so that a shared machine's drift falls on both:
//   git worktree add ../before <commit> && ln -s "$PWD/node_modules" ../before/node_modules
//   npx tsx bench/scripts/ab-checkouts.ts --before ../before [--workload scoring|generation] [--rounds 20] [--n 64]
// scoring: the peer bench's step (256 prefixes of 16 roads, none scored before, `bench --peer`);
// generation: beam 4 on n test OD pairs with the shipped student. Prints the medians, the paired
// ratio before / this (> 1: this checkout is faster) with its IQR, and whether the two agree (the
// largest log-prob difference, or whether the routes are the same).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { flagString, parseArgs } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { generateRoutes } from '../../src/lib/generate/generator';
import { loadStudent } from '../../src/lib/checkpoint/loadModel';
import { batchContext } from '../../src/lib/features/studentBatch';
import { scoringStepExport, PEER_CHECKPOINT } from '../suites/peerExport';
import { generationSearch, testOdPairs } from '../suites/suites';
import { compare, ratioOf } from '../suites/timing';
import { roundDeep } from '../suites/stats';

const p = parseArgs(process.argv.slice(2));
const before = resolve(flagString(p, 'before', ''));
const workload = flagString(p, 'workload', 'scoring');
const rounds = Number(flagString(p, 'rounds', '20'));
const nOd = Number(flagString(p, 'n', '64'));
if (!flagString(p, 'before', '')) throw new Error('--before <a checkout of the other version> is required');
// The other checkout's modules, by path: its own decoder, kernels and generator.
const old = {
  scorer: (await import(resolve(before, 'src/lib/generate/studentScorer.ts'))) as { StudentScorer: typeof StudentScorer },
  load: (await import(resolve(before, 'src/lib/checkpoint/loadModel.ts'))) as { loadStudent: typeof loadStudent },
  gen: (await import(resolve(before, 'src/lib/generate/generator.ts'))) as { generateRoutes: typeof generateRoutes },
};
await initNodeBackend('wasm');
const { dataset, derived } = await loadDatasetWithDerived('public/data/porto');
const ckPath = workload === 'scoring' ? PEER_CHECKPOINT : flagString(p, 'ckpt', 'public/checkpoints/porto/vanilla.safetensors');
const bytes = new Uint8Array(await readFile(ckPath));

type Run = () => Promise<string | Float64Array[]>;
let runNew: Run;
let runOld: Run;
if (workload === 'scoring') {
  const ex = await scoringStepExport({ dataset, derived, checkpointBytes: bytes, checkpointName: ckPath });
  const opts = { startTime: ex.inputs.genStart };
  const a = new StudentScorer(loadStudent(bytes, derived).model, ex.inputs.ctx, derived, opts);
  const b = new old.scorer.StudentScorer(old.load.loadStudent(bytes, derived).model, ex.inputs.ctx, derived, opts);
  const score = (s: StudentScorer) => async () => {
    s.forgetPrefixes();
    return (await s.scoreBatch(ex.inputs.genQueries)).map((r) => r.logProbs);
  };
  runNew = score(a);
  runOld = score(b);
} else {
  const ctx = batchContext(dataset.network, derived);
  const ods = testOdPairs(dataset, nOd, 11);
  const search = { ...generationSearch(derived), method: 'beam' as const, batchSize: 256 };
  const a = new StudentScorer(loadStudent(bytes, derived).model, ctx, derived, { maxBatch: 1024 });
  const b = new old.scorer.StudentScorer(old.load.loadStudent(bytes, derived).model, ctx, derived, { maxBatch: 1024 });
  runNew = async () => JSON.stringify((await generateRoutes(a, ods, search)).map((g) => g.roads));
  runOld = async () => JSON.stringify((await old.gen.generateRoutes(b, ods, search)).map((g) => g.roads));
}

// Each variant keeps its last output, so that the two can be held against each other afterwards.
const last: Record<'new' | 'old', string | Float64Array[]> = { new: '', old: '' };
const cmp = await compare(
  {
    new: async () => void (last.new = await runNew()),
    old: async () => void (last.old = await runOld()),
  },
  { warmup: 1, repeats: rounds },
);
let agreement: Record<string, unknown>;
if (typeof last.new === 'string') agreement = { nOd, sameRoutes: last.new === last.old };
else {
  const oldLp = last.old as Float64Array[];
  let maxDiff = 0;
  last.new.forEach((lp, i) => lp.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - oldLp[i][j])))));
  agreement = { maxAbsLogProbDiff: maxDiff };
}
const r = ratioOf(cmp, 'old', 'new');
console.log(
  JSON.stringify(
    roundDeep({
      workload,
      rounds: cmp.rounds,
      ...agreement,
      newMs: cmp.timings.new.median,
      oldMs: cmp.timings.old.median,
      oldOverNew: r.median,
      iqr: [r.q1, r.q3],
    }),
  ),
);
