// Where generation time goes, Node wasm:
//   npx tsx bench/scripts/profile-generation.ts [--ckpt runs/vanilla/vanilla-s1.safetensors] [--n 64]
//        [--method beam|bestFirst|both] [--kernels] [--max-steps 200] [--max-expansions 500] [--peak]
//        [--host-attention simd|simd32|scalar] [--dense-on host|device]
// Splits the wall time of generateRoutes on n test OD pairs into the search's own host work and
// the scorer (StudentScorer.phaseMs: key building, batch building, the dense layers (host SIMD
// kernels or tfjs), the host attention, the navigator). With --kernels, a second run under tf.profile gives each tfjs kernel's share of
// kernel time (tf.profile adds its own overhead, so that run's wall time is not quoted).
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { parseArgs, flagString } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { loadStudentScorer } from '../../src/lib/eval/protocol';
import { generationSearch, testOdPairs } from '../suites/suites';
import { decoderShapes, isCountingScorer, matmulRate, searchWork, workCounters } from '../suites/computeBound';
import { generateRoutes, type StartTimeAware } from '../../src/lib/generate/generator';
import type { BatchScorer, StepQuery, StepScores } from '../../src/lib/generate/search';
import type { HostAttentionKind } from '../../src/lib/generate/attentionKernel';
import type { DenseOn } from '../../src/lib/generate/denseRunner';

const p = parseArgs(process.argv.slice(2));
const num = (k: string, d: number): number => Number(flagString(p, k, String(d)));
const n = num('n', 64);
const methods =
  flagString(p, 'method', 'both') === 'both' ? (['beam', 'bestFirst'] as const) : ([flagString(p, 'method', 'beam')] as const);

await initNodeBackend('wasm');
const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
const ckPath = flagString(p, 'ckpt', 'runs/vanilla/vanilla-s1.safetensors');
const ods = testOdPairs(dataset, n, 11);
const hostAttention = (flagString(p, 'host-attention', '') || undefined) as HostAttentionKind | undefined;
const denseOn = flagString(p, 'dense-on', 'host') as DenseOn;

/** Times the scorer's calls (the rest of generateRoutes is the search's own host work). */
class TimedScorer implements BatchScorer, StartTimeAware {
  ms = 0;
  calls = 0;
  queries = 0;
  constructor(private readonly inner: BatchScorer & StartTimeAware) {}
  setStartTimes(f: (q: StepQuery) => number): void {
    this.inner.setStartTimes(f);
  }
  async scoreBatch(qs: StepQuery[]): Promise<StepScores[]> {
    const t0 = performance.now();
    const r = await this.inner.scoreBatch(qs);
    this.ms += performance.now() - t0;
    this.calls++;
    this.queries += qs.length;
    return r;
  }
}

/** The run's work (computeBound.ts) and the rates it ran at in the dense and host-attention phases. */
function computeCost(
  inner: unknown,
  before: { incremental: number; attentionMacs: number } | null,
  phases: Array<[string, number]>,
): Record<string, number> {
  if (!isCountingScorer(inner) || !before) return {};
  const w = searchWork(inner, before);
  const msOf = (suffix: string) => phases.filter(([k]) => k.endsWith(suffix)).reduce((a, [, v]) => a + v, 0);
  return {
    denseGflop: +w.denseGflop.toFixed(2),
    denseGflopPerSec: +(w.denseGflop / (msOf('.dense') / 1000)).toFixed(2),
    attentionGflop: +w.attentionGflop.toFixed(2),
    attentionGflopPerSec: +(w.attentionGflop / (msOf('.attention') / 1000)).toFixed(2),
  };
}

/** The decoder's widths (for the matmul shapes of --peak), from the scorer. */
let widths = { D: 128, hidden: 512 };
const report: Record<string, unknown> = { ckpt: ckPath, nOd: ods.length, loadAvg: (await import('node:os')).loadavg() };
for (const method of methods) {
  const run = async (kernels: boolean) => {
    const loaded = loadStudentScorer(new Uint8Array(await readFile(ckPath)), dataset.network, derived, { hostAttention, denseOn });
    const inner = loaded.scorer;
    const scorer = new TimedScorer(loaded.scorer);
    const opts = { ...generationSearch(derived, { maxSteps: num('max-steps', 200), maxExpansions: num('max-expansions', 500) }), method };
    // Warm-up (kernels, JIT) on two pairs, then reset the counters.
    await generateRoutes(scorer, ods.slice(0, 2), opts);
    for (const k of Object.keys(inner.phaseMs)) delete inner.phaseMs[k];
    scorer.ms = 0;
    scorer.calls = 0;
    scorer.queries = 0;
    const before = isCountingScorer(inner) ? workCounters(inner) : null;
    if (isCountingScorer(inner)) widths = inner.decoderWidths;
    const t0 = performance.now();
    let kernelRows: Array<{ kernel: string; ms: number; calls: number }> = [];
    let kernelTotal = 0;
    let reached = 0;
    if (kernels) {
      const info = await tf.profile(async () => {
        const g = await generateRoutes(scorer, ods, opts);
        reached = g.filter((x) => x.reached).length;
      });
      const by = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        // Scopes (customGrad wrappers such as matMulFast, op wrappers such as fusedMatMul__op) time the
        // kernels they contain: not kernels.
        if (k.name === 'unnamed scope' || k.name.endsWith('__op')) continue;
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const e = by.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls++;
        by.set(k.name, e);
        kernelTotal += ms;
      }
      kernelRows = [...by.entries()].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
    } else {
      const g = await generateRoutes(scorer, ods, opts);
      reached = g.filter((x) => x.reached).length;
    }
    const wall = performance.now() - t0;
    const phases = Object.entries(inner.phaseMs).sort((a, b) => b[1] - a[1]);
    const out: Record<string, unknown> = {
      wallMs: Math.round(wall),
      tripsPerSec: +(ods.length / (wall / 1000)).toFixed(2),
      reached,
      scorerCalls: scorer.calls,
      scorerQueries: scorer.queries,
      counts: { ...inner.counts },
      decodedRows: inner.decodedRows ? { ...inner.decodedRows } : undefined,
      ...computeCost(inner, before, phases),
      shares: {
        searchHost: +((wall - scorer.ms) / wall).toFixed(3),
        ...Object.fromEntries(phases.map(([k, v]) => [`scorer.${k}`, +(v / wall).toFixed(3)])),
        'scorer.other': +((scorer.ms - phases.reduce((a, [, v]) => a + v, 0)) / wall).toFixed(3),
      },
    };
    if (kernels) {
      out.kernelMsTotal = Math.round(kernelTotal);
      out.kernelCalls = kernelRows.reduce((a, r) => a + r.calls, 0);
      out.topKernels = kernelRows
        .slice(0, 15)
        .map((r) => ({ kernel: r.kernel, share: +(r.ms / kernelTotal).toFixed(3), ms: Math.round(r.ms), calls: r.calls }));
    }
    loaded.dispose();
    return out;
  };
  report[method] = await run(false);
  process.stderr.write(`${method}: ${JSON.stringify(report[method])}\n`);
  if (p.flags.kernels === true && (p.flags['kernels-method'] === undefined || p.flags['kernels-method'] === method)) {
    report[`${method}Kernels`] = await run(true);
    process.stderr.write(`${method} kernels: ${JSON.stringify(report[`${method}Kernels`])}\n`);
  }
}
if (p.flags.peak === true) report.matmulGflopPerSec = await matmulRate([...decoderShapes(widths), [512, 512, 512]]);
report.loadAvgEnd = (await import('node:os')).loadavg();
console.log(JSON.stringify(report, null, 2));
