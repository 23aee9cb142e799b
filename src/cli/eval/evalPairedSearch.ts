// `eval paired-search`: two route searches compared on the same student checkpoints, paired by
// checkpoint (one training seed each), on every OD pair of a split (val by default: a search is
// chosen on val and reported on test). The distillation issue asks for any change to the search to
// be measured on its own, on vanilla as well as on distilled students, before an arm uses it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { flagNumber, flagString, parseArgs, commandLine } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { runEnvironment, throttledLog } from '../common/runEnvironment';
import { repoPath } from '../common/repoPath';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { parseMethod } from '../generate/generate';
import { fileRouteCache, loadForPairing, type Loaded } from './evalPairedReport';
import { roundReport } from '../../lib/eval/protocol';
import { PAIRED_REPORT_METRICS, runPairedProtocol } from '../../lib/eval/pairedProtocol';
import type { SplitName } from '../../lib/data/types';
import { parseBaselineMethods, type BaselineMethod } from '../../lib/generate/baselines';
import { initNodeBackend } from '../../lib/runtime/node';

const USAGE = `usage: eval paired-search --checkpoints <a,b,…> --a <search> --b <search>
                           [--split val|test|train] [--dataset public/data/porto] [--out <json>]
                           [--batch 256] [--bootstrap 2000] [--route-cache <dir>]
                           [--baselines shortest,fastest,fittedFastest,markov,markovLength]
  <search>: comma-separated settings, e.g. "method=beam,beam=4,maxSteps=200" or
  "method=bestFirst,maxExpansions=5000,guide=0.5"; unset ones take the protocol defaults (beam 4, max
  steps 200, 5000 expansions, no guide). guide=γ (best-first only) orders the queue by log-prob
  − γ · km to the destination, A*-style (src/lib/generate/search.ts). length=μ (best-first only)
  searches on −log p + μ · km of the roads entered, the markovLength baseline's cost. cap=c (c ≥ 1, beam or
  best-first) is the tail guard (src/lib/generate/tailGuard.ts): a route over c × the OD's free-flow
  fastest path's length, or one that does not reach, is replaced by that fastest path; the search's
  own routes are cached without it, so a sweep over c searches once. Every checkpoint generates
  every OD pair of the split with both searches; the effects are b − a per checkpoint (t-interval across checkpoints, which need distinct
  training seeds) and per OD pair (bootstrap, sign-flip for reached). --baselines scores those
  route baselines (val-chosen settings) on the same OD pairs, each search's routes against each
  baseline per OD pair (wins, ties, losses and the win − loss share, src/lib/eval/robustScores.ts).`;

type Search = {
  beam?: number;
  method?: 'beam' | 'bestFirst';
  maxSteps?: number;
  maxExpansions?: number;
  guide?: number;
  lengthPerKm?: number;
  cap?: number;
};

/** "method=bestFirst,maxExpansions=5000" → search settings; anything else is refused by name. */
export function parseSearch(text: string, flag: string): Search {
  const out: Search = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (k === 'method') out.method = parseMethod(v);
    else if (k === 'beam' || k === 'maxSteps' || k === 'maxExpansions') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: ${k} must be a positive integer, got "${v}"`);
      out[k] = n;
    } else if (k === 'guide') {
      const g = Number(v);
      if (!(g >= 0) || v === undefined || v === '') throw new Error(`--${flag}: guide must be a number ≥ 0, got "${v}"`);
      out.guide = g;
    } else if (k === 'length') {
      const m = Number(v);
      if (!(m >= 0) || !Number.isFinite(m) || v === undefined || v === '')
        throw new Error(`--${flag}: length must be a number ≥ 0, got "${v}"`);
      out.lengthPerKm = m;
    } else if (k === 'cap') {
      const c = Number(v);
      if (!(c >= 1) || !Number.isFinite(c) || v === undefined || v === '')
        throw new Error(`--${flag}: cap must be a number ≥ 1, got "${v}"`);
      out.cap = c;
    } else throw new Error(`--${flag}: unknown setting "${k}" (method, beam, maxSteps, maxExpansions, guide, length, cap)`);
  }
  if (out.guide && out.method !== 'bestFirst') throw new Error(`--${flag}: guide applies to method=bestFirst only`);
  if (out.lengthPerKm && out.method !== 'bestFirst') throw new Error(`--${flag}: length applies to method=bestFirst only`);
  return out;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval paired-search', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let paths: string[], a: Search, b: Search, split: SplitName, baselines: BaselineMethod[] | null;
  try {
    paths = flagString(p, 'checkpoints').split(',').filter(Boolean);
    a = parseSearch(flagString(p, 'a'), 'a');
    b = parseSearch(flagString(p, 'b'), 'b');
    split = flagString(p, 'split', 'val') as SplitName;
    baselines = typeof p.flags.baselines === 'string' ? parseBaselineMethods(p.flags.baselines) : null;
    if (!['train', 'val', 'test'].includes(split)) throw new Error(`--split must be train, val or test, got "${split}"`);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const out = flagString(p, 'out', `eval-paired-search-${split}.json`);
  const backend = await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
  const loaded: Loaded[] = [];
  try {
    for (const f of paths) loaded.push(await loadForPairing(f, dataset.network, derived));
    const cacheDir = typeof p.flags['route-cache'] === 'string' ? p.flags['route-cache'] : null;
    const progress = throttledLog(5000);
    const rep = await runPairedProtocol({
      dataset,
      derived,
      // Each checkpoint is both arms: arm "vanilla" searches with a, arm "distilled" with b.
      pairs: loaded.map((l) => ({ seed: l.seed, vanilla: l.m.scorer, distilled: l.m.scorer, vanillaId: l.id, distilledId: l.id })),
      armSearch: { vanilla: a, distilled: b },
      splits: [split],
      trainOd: flagNumber(p, 'train-od', 500),
      batchSize: flagNumber(p, 'batch', 256),
      bootstrap: flagNumber(p, 'bootstrap', 2000),
      oracleResamples: 1,
      routeCache: cacheDir ? fileRouteCache(cacheDir) : undefined,
      ...(baselines ? { baselines } : {}),
      createdWith: commandLine('eval paired-search', args),
      treated: 'search b',
      machine: runEnvironment(backend.name),
      onProgress: (pr) =>
        progress(() => `  run ${pr.run + 1}/${pr.runs}: seed ${pr.seed}, ${pr.arm === 'vanilla' ? 'a' : 'b'}: ${pr.done}/${pr.total}`),
    });
    const r = rep.splits[split];
    const report = {
      command: rep.createdWith,
      created: rep.created,
      dataset: rep.dataset,
      split,
      nOd: r.nOd,
      searches: { a, b },
      checkpoints: loaded.map((l) => ({ seed: l.seed, file: repoPath(l.path), mode: l.m.checkpoint.hyper.mode })),
      note: 'effects are b − a: per checkpoint with a t-interval across checkpoints; per OD pair with a bootstrap interval',
      perCheckpoint: { a: r.arms.vanilla, b: r.arms.distilled },
      effects: r.effects,
      odEffects: r.odEffects,
      reachedByOd: r.reachedByOd,
      // DTW per km per OD pair and checkpoint, b against a (src/lib/eval/robustScores.ts).
      spread: { a: r.arms.vanilla.map((x) => x.spread), b: r.arms.distilled.map((x) => x.spread) },
      odWinTieLoss: r.odWinTieLoss,
      ...(r.baselines
        ? {
            baselines: Object.fromEntries(
              Object.entries(r.baselines).map(([m, x]) => [
                m,
                { description: x.description, spread: x.spread, aVsBaseline: x.vanillaVsBaseline, bVsBaseline: x.distilledVsBaseline },
              ]),
            ),
          }
        : {}),
      machine: rep.protocol.machine,
    };
    await mkdir(dirname(resolve(out)), { recursive: true });
    await writeFile(out, JSON.stringify(roundReport(report, 6), null, 1) + '\n');
    console.log(`${split}: ${r.nOd} OD pairs × ${loaded.length} checkpoints; b − a:`);
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    for (const { key } of PAIRED_REPORT_METRICS) {
      const e = r.effects[key];
      const ma = mean(r.arms.vanilla.map((x) => x.metrics[key]));
      const mb = mean(r.arms.distilled.map((x) => x.metrics[key]));
      console.log(
        `  ${key.padEnd(17)} a ${ma.toFixed(4)} b ${mb.toFixed(4)} Δ ${e.mean.toFixed(4)} [${e.ci95[0].toFixed(4)}, ${e.ci95[1].toFixed(4)}]`,
      );
    }
    const sp = (arm: typeof r.arms.vanilla, k: 'mean' | 'median' | 'p90') => mean(arm.map((x) => x.spread?.[k] ?? NaN));
    for (const k of ['mean', 'median', 'p90'] as const)
      console.log(`  DTW/km ${k.padEnd(6)}     a ${sp(r.arms.vanilla, k).toFixed(4)} b ${sp(r.arms.distilled, k).toFixed(4)}`);
    const w = r.odWinTieLoss;
    if (w)
      console.log(
        `  b against a per OD: ${w.win} wins, ${w.tie} ties, ${w.loss} losses; win − loss share ${w.share.toFixed(4)} [${w.ci95[0].toFixed(4)}, ${w.ci95[1].toFixed(4)}]`,
      );
    const guarded = r.arms.distilled.map((x) => x.guard).filter((g) => g !== undefined);
    if (guarded.length) console.log(`  guard: ${guarded.map((g) => `${g.overCap} over cap, ${g.unreached} unreached`).join('; ')}`);
    for (const [m, x] of Object.entries(r.baselines ?? {})) {
      const f = (w: typeof x.vanillaVsBaseline) =>
        w
          ? `${w.win}/${w.tie}/${w.loss}, share ${w.share.toFixed(4)} [${w.ci95[0].toFixed(4)}, ${w.ci95[1].toFixed(4)}] p ${w.p.toPrecision(3)}, ` +
            `DTW/km − baseline ${w.meanDiff.mean.toFixed(4)} [${w.meanDiff.ci95[0].toFixed(4)}, ${w.meanDiff.ci95[1].toFixed(4)}] p ${w.meanDiff.p.toPrecision(3)}`
          : '–';
      console.log(`  against ${m} (mean ${x.metrics.odDtwPerKm.toFixed(4)}): a ${f(x.vanillaVsBaseline)}; b ${f(x.distilledVsBaseline)}`);
    }
    const rb = r.reachedByOd;
    console.log(
      `  reached by OD: Δ ${rb.mean.toFixed(4)} [${rb.ci95[0].toFixed(4)}, ${rb.ci95[1].toFixed(4)}], sign-flip p ${rb.p.toPrecision(3)}`,
    );
    console.log(`wrote ${out}`);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    for (const l of loaded) l.m.dispose();
  }
  return 0;
}
