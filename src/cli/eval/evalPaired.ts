// `eval paired-steps`: the seed-paired protocol on teacher-forced steps. Each
// distilled checkpoint is paired with the vanilla one of the same training seed; the effect of
// distillation on decision NLL and accuracy is the mean per-seed difference with a t-interval.
import { readFile, writeFile } from 'node:fs/promises';
import { flagString, parseArgs, commandLine } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { repoPath } from '../common/repoPath';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { parseSplit } from '../generate/generate';
import { scorerFor } from './evalSteps';
import { decodeCheckpoint } from '../../lib/checkpoint/checkpoint';
import { byStepsToEnd, summariseSteps, tripStepStats } from '../../lib/eval/steps';
import { effectVerdict, groupSummary, pairedEffect, type EffectVerdict } from '../../lib/eval/paired';
import { initNodeBackend } from '../../lib/runtime/node';
import { roundDeep } from '../../../bench/suites/stats';

const USAGE = `usage: eval paired-steps --vanilla <a.safetensors,b.safetensors,…> --distilled <c.safetensors,d.safetensors,…>
                          [--dataset public/data/porto] [--split test] [--label <text>] [--out <file.json>]
  Pairs vanilla and distilled student checkpoints by their training seed (each seed once in each
  arm), scores every one teacher-forced on the split's whole trips, and reports per seed and as
  paired effects (distilled − vanilla) with a 95 % t-interval across seeds, overall and by decision
  steps left to the trip's end (1, 2–3, 4–10, 11–30, > 30). A verdict per metric
  claims an effect only when its interval excludes 0; the overall one is no vote: mixed when one metric
  helps and the other hurts (src/lib/eval/paired.ts, groupSummary).`;

interface ArmRow {
  seed: number;
  checkpoint: string;
  decisionNll: number;
  decisionAcc: number;
  decisionSteps: number;
  /** The same by decision steps left to the trip's end (the last turns against mid-trip). */
  byStepsToEnd: { band: string; decisionSteps: number; decisionNll: number; decisionAcc: number }[];
}

async function seedOf(path: string): Promise<{ seed: number; hyper: Record<string, unknown> }> {
  const ck = decodeCheckpoint(new Uint8Array(await readFile(path)));
  if (ck.kind !== 'student') throw new Error(`${path} is a ${ck.kind} checkpoint, not a student`);
  const seed = ck.hyper.seed;
  if (typeof seed !== 'number') throw new Error(`${path}: hyper.seed is missing`);
  return { seed, hyper: ck.hyper };
}

/**
 * Index pairs [vanilla i, distilled j] with the same training seed, in the vanilla order. Throws when
 * an arm repeats a seed or a seed has no partner: an unpaired run cannot enter a paired effect.
 */
export function pairBySeed(vanilla: readonly number[], distilled: readonly number[]): [number, number][] {
  if (new Set(vanilla).size !== vanilla.length) throw new Error(`--vanilla repeats a seed: ${vanilla.join(', ')}`);
  if (new Set(distilled).size !== distilled.length) throw new Error(`--distilled repeats a seed: ${distilled.join(', ')}`);
  const unpaired = [...vanilla.filter((s) => !distilled.includes(s)), ...distilled.filter((s) => !vanilla.includes(s))];
  if (unpaired.length > 0) throw new Error(`seeds without a partner in the other arm: ${unpaired.join(', ')}`);
  return vanilla.map((s, i) => [i, distilled.indexOf(s)]);
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval paired-steps', USAGE));
  if (p.flags.help) {
    console.log(USAGE);
    return 0;
  }
  let vanilla: string[], distilled: string[], split: 'train' | 'val' | 'test';
  try {
    vanilla = flagString(p, 'vanilla').split(',').filter(Boolean);
    distilled = flagString(p, 'distilled').split(',').filter(Boolean);
    split = parseSplit(flagString(p, 'split', 'test'));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
  const t0 = performance.now();
  const score = async (paths: string[]): Promise<{ rows: ArmRow[]; hyper: Record<string, unknown>[] }> => {
    const rows: ArmRow[] = [];
    const hyper: Record<string, unknown>[] = [];
    for (const path of paths) {
      const meta = await seedOf(path);
      const s = scorerFor(new Uint8Array(await readFile(path)), dataset, derived, 7);
      try {
        const { ids, lp } = await s.score(split);
        const sum = summariseSteps(tripStepStats(ids, lp, s.roadCell), 0);
        rows.push({
          seed: meta.seed,
          checkpoint: repoPath(path),
          decisionNll: sum.decisionNll,
          decisionAcc: sum.decisionAcc,
          decisionSteps: sum.decisionSteps,
          byStepsToEnd: byStepsToEnd(lp).map(({ band, decisionSteps, decisionNll, decisionAcc }) => ({
            band,
            decisionSteps,
            decisionNll,
            decisionAcc,
          })),
        });
        hyper.push(meta.hyper);
      } finally {
        s.dispose();
      }
    }
    return { rows, hyper };
  };
  try {
    const v = await score(vanilla);
    const d = await score(distilled);
    const order = pairBySeed(
      v.rows.map((r) => r.seed),
      d.rows.map((r) => r.seed),
    );
    const seeds = order.map(([a]) => v.rows[a].seed);
    const pairs = order.map(([a, b]) => [v.rows[a], d.rows[b]] as const);
    type Metric = 'decisionNll' | 'decisionAcc';
    const effectOf = (of: (row: ArmRow) => Pick<ArmRow, Metric>, k: Metric) => {
      const e = pairedEffect(
        pairs.map(([a]) => of(a)[k]),
        pairs.map(([, b]) => of(b)[k]),
      );
      return { ...e, verdict: effectVerdict(e, k === 'decisionNll') as EffectVerdict };
    };
    const effect = (k: Metric) => effectOf((r) => r, k);
    // Per band of steps left: where along a trip the teacher helps or hurts (informational: the
    // verdict stays with the two whole-split metrics).
    const bands = v.rows[0]?.byStepsToEnd.map((b) => b.band) ?? [];
    const byBand = bands.map((band, i) => ({
      band,
      decisionSteps: v.rows[0].byStepsToEnd[i].decisionSteps,
      decisionNll: effectOf((r) => r.byStepsToEnd[i], 'decisionNll'),
      decisionAcc: effectOf((r) => r.byStepsToEnd[i], 'decisionAcc'),
    }));
    const effects = { decisionNll: effect('decisionNll'), decisionAcc: effect('decisionAcc'), byStepsToEnd: byBand };
    const h = d.hyper[0] ?? {};
    const out = roundDeep(
      {
        label: typeof p.flags.label === 'string' ? p.flags.label : null,
        dataset: dataset.name,
        split,
        trainingSeeds: seeds,
        // The treated runs' training: λ, τ and w only when a teacher taught them (a transfer or
        // zero-shot comparison sets two teacherless students side by side).
        recipe: {
          mode: h.mode,
          ...(h.mode === 'vanilla' ? {} : { lambda: h.lambda, tau: h.tau, window: h.window }),
          trainFrac: h.trainFrac ?? 1,
          epochs: h.epochs,
          patience: h.patience ?? 0,
          maxLen: h.maxLen,
        },
        vanilla: v.rows,
        distilled: pairs.map(([, b]) => b),
        effects,
        verdict: groupSummary([
          { key: 'decisionNll', verdict: effects.decisionNll.verdict },
          { key: 'decisionAcc', verdict: effects.decisionAcc.verdict },
        ]).verdict,
        seconds: (performance.now() - t0) / 1000,
        command: commandLine('eval paired-steps', args),
      },
      5,
    );
    const text = JSON.stringify(out, null, 2);
    const file = typeof p.flags.out === 'string' ? p.flags.out : null;
    if (file) await writeFile(file, text + '\n');
    console.log(text);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}
