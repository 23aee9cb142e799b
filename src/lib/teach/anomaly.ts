// What the teacher knows on its own: LM-TAD scores a trip by how surprised it is by each next cell
// (−ln p), and a trip whose mean surprisal (log-perplexity) is high is an anomaly. Here: per-cell
// surprisal of one trip, and the score distributions of normal vs synthetically detoured trips.
import type { GridSpec } from '../data/derivedTypes';
import type { TeacherModel } from '../models/teacher';
import { syntheticDetour } from './detour';
import type { DetourOptions } from './detourOptions';

/**
 * −ln p of every token after SOT for one cell sequence: entry i is the surprisal of cells[i] given
 * the cells before it (entry 0 given SOT alone), and the last entry is that of EOT. Length n + 1.
 * Cells beyond the teacher's block size are not scored (NaN).
 */
export async function tripSurprisal(teacher: TeacherModel, cells: readonly number[]): Promise<number[]> {
  const { logp } = teacher.targetLogProbs([teacher.scoredTokens(cells)], false);
  let all: Float32Array;
  try {
    all = (await logp.data()) as Float32Array;
  } finally {
    logp.dispose();
  }
  const values = all.subarray(teacher.headTargets);
  const out = new Array<number>(cells.length + 1).fill(NaN);
  for (let i = 0; i < values.length && i < out.length; i++) out[i] = -values[i];
  return out;
}

/** Anything that scores cell sequences (the teacher, or a hand-made model in tests). */
export interface CellSequenceScorer {
  anomalyScore(cells: number[][]): Promise<number[]>;
}

export interface ScoreDistribution {
  normal: number[];
  perturbed: number[];
  /** P(score of a detoured trip > score of a normal one), ties counted half: 0.5 = blind, 1 = perfect. */
  auc: number;
  /** LM-TAD's threshold: mean + 3·std of the normal scores, and the share of detours above it. */
  threshold: number;
  detected: number;
}

/**
 * Scores each trip as it is and with one synthetic detour (rng fixed by the caller, so the
 * distribution is reproducible), in chunks so the teacher's batch stays small.
 */
export async function anomalyScoreDistribution(
  scorer: CellSequenceScorer,
  trips: number[][],
  grid: Pick<GridSpec, 'nRows' | 'nCols'>,
  rng: () => number,
  opts: DetourOptions,
  chunk = 32,
): Promise<ScoreDistribution> {
  const usable = trips.filter((c) => c.length >= 3);
  const detoured = usable.map((c) => syntheticDetour(c, grid, rng, opts).cells);
  const score = async (seqs: number[][]): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < seqs.length; i += chunk) out.push(...(await scorer.anomalyScore(seqs.slice(i, i + chunk))));
    return out;
  };
  const normal = await score(usable);
  const perturbed = await score(detoured);
  const m = mean(normal);
  const sd = Math.sqrt(mean(normal.map((v) => (v - m) ** 2)));
  const threshold = m + 3 * sd;
  return {
    normal,
    perturbed,
    auc: rankAuc(normal, perturbed),
    threshold,
    detected: perturbed.length ? perturbed.filter((v) => v > threshold).length / perturbed.length : NaN,
  };
}

function mean(x: number[]): number {
  return x.length ? x.reduce((a, b) => a + b, 0) / x.length : NaN;
}

/** Mann–Whitney AUC: P(pos > neg) + ½·P(pos = neg). */
export function rankAuc(neg: readonly number[], pos: readonly number[]): number {
  if (!neg.length || !pos.length) return NaN;
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (neg.length * pos.length);
}
