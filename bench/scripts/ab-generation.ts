// Decoder variants side by side on the generation workload, in one process, in interleaved rounds
// (A B, B A, …), and every variant's routes against the first one's:
//   npx tsx bench/scripts/ab-generation.ts [--ckpt public/checkpoints/porto/distilled.safetensors] [--n 64]
//        [--method beam|bestFirst|both] [--rounds 4] [--variants scalar,simd]
// A variant is a host attention kernel: scalar (the JS reference), simd (WebAssembly SIMD, f64
// lanes, the default) or simd32 (f32 lanes), with `+device` to run the decoder's dense layers as
// tfjs ops instead of the host's SIMD kernels (generate/hostDense.ts), e.g. simd+device,simd. Ratios are first / variant per round (> 1: the variant
// is faster), of wall time and of the process's CPU time (which moves less with the load of a shared
// machine); load averages are printed with them.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs, flagString } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { loadStudentScorer } from '../../src/lib/eval/protocol';
import { generationSearch, testOdPairs } from '../suites/suites';
import { compare } from '../suites/timing';
import { pairedRatio, roundDeep } from '../suites/stats';
import { generateRoutes, type GeneratedTrip } from '../../src/lib/generate/generator';
import type { StudentScorerOptions } from '../../src/lib/generate/studentScorer';
import type { HostAttentionKind } from '../../src/lib/generate/attentionKernel';

const p = parseArgs(process.argv.slice(2));
const num = (k: string, d: number): number => Number(flagString(p, k, String(d)));
const n = num('n', 64);
const rounds = num('rounds', 4);
const methodFlag = flagString(p, 'method', 'beam');
const methods = methodFlag === 'both' ? (['beam', 'bestFirst'] as const) : ([methodFlag as 'beam' | 'bestFirst'] as const);
const variants = flagString(p, 'variants', 'scalar,simd').split(',');

function optionsOf(v: string): Pick<StudentScorerOptions, 'hostAttention' | 'denseOn'> {
  const [kind, on] = v.split('+');
  if (!['scalar', 'simd', 'simd32'].includes(kind) || (on !== undefined && on !== 'device')) throw new Error(`unknown variant ${v}`);
  return { hostAttention: kind as HostAttentionKind, denseOn: on === 'device' ? 'device' : 'host' };
}

await initNodeBackend('wasm');
const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
const ckPath = flagString(p, 'ckpt', 'public/checkpoints/porto/distilled.safetensors');
const bytes = new Uint8Array(await readFile(ckPath));
const ods = testOdPairs(dataset, n, 11);
const loaded = variants.map((v) => loadStudentScorer(bytes, dataset.network, derived, optionsOf(v)));

const report: Record<string, unknown> = { ckpt: ckPath, nOd: ods.length, rounds, variants, loadAvg: loadavg() };
for (const method of methods) {
  const opts = { ...generationSearch(derived, { maxSteps: num('max-steps', 200), maxExpansions: num('max-expansions', 500) }), method };
  const routes: Record<string, GeneratedTrip[]> = {};
  // CPU time of each call besides its wall time: on a shared machine it moves less with the load.
  const cpuMs: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  // Warm-up (kernels, JIT) on two pairs per variant.
  for (const l of loaded) await generateRoutes(l.scorer, ods.slice(0, 2), opts);
  const fns = Object.fromEntries(
    variants.map((v, i) => [
      v,
      async () => {
        const c0 = process.cpuUsage();
        routes[v] = await generateRoutes(loaded[i].scorer, ods, opts);
        const c = process.cpuUsage(c0);
        cpuMs[v].push((c.user + c.system) / 1000);
      },
    ]),
  );
  const cmp = await compare(fns, { warmup: 0, repeats: rounds });
  const ref = variants[0];
  const out: Record<string, unknown> = { loadAvgEnd: loadavg() };
  for (const [i, v] of variants.entries()) {
    const t = cmp.timings[v];
    const same = routes[v].filter(
      (r, j) => r.roads.length === routes[ref][j].roads.length && r.roads.every((x, k) => x === routes[ref][j].roads[k]),
    );
    const r = pairedRatio(cmp.timings[ref].samples, t.samples);
    const rc = pairedRatio(cpuMs[ref], cpuMs[v]);
    out[v] = {
      kernel: loaded[i].scorer.hostAttention,
      denseOn: loaded[i].scorer.denseOn,
      medianMs: t.median,
      samplesMs: t.samples,
      tripsPerSec: (ods.length * 1000) / t.median,
      [`${ref}OverThis`]: { median: r.median, q1: r.q1, q3: r.q3, min: r.min, max: r.max },
      cpuMs: cpuMs[v],
      [`${ref}OverThisCpu`]: { median: rc.median, q1: rc.q1, q3: rc.q3, min: rc.min, max: rc.max },
      identicalRoutes: `${same.length}/${ods.length}`,
      maxAbsLogProbDiff: Math.max(...routes[v].map((x, j) => Math.abs(x.logProb - routes[ref][j].logProb))),
    };
  }
  report[method] = out;
  process.stderr.write(`${method}: ${JSON.stringify(roundDeep(out))}\n`);
}
for (const l of loaded) l.dispose();
console.log(JSON.stringify(roundDeep(report), null, 2));
