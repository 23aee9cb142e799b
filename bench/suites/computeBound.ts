// How close route generation runs to this machine's compute bound: the floating-point work the
// search made the decoder do (dense layers of every decoded row, host attention), against the
// tfjs matmul rate measured at the decoder's shapes. One definition for the bench (suites.ts,
// generation.boundShare) and the profile (bench/scripts/profile-generation.ts).
import * as tf from '@tensorflow/tfjs';
import { time } from './timing';

/**
 * What StudentScorer counts: decoded rows, the host attention's multiply-adds, dense multiply-adds
 * per row, and the decoder's widths (for the matmul shapes of the bound).
 */
export interface CountingScorer {
  readonly decodedRows: { incremental: number; window: number; attentionMacs: number };
  readonly denseMacsPerRow: number;
  readonly decoderWidths: { D: number; hidden: number };
}

export function isCountingScorer(s: unknown): s is CountingScorer {
  const c = s as Partial<CountingScorer> | null;
  return !!c && typeof c.denseMacsPerRow === 'number' && typeof c.decodedRows === 'object';
}

export interface SearchWork {
  /** Dense layers (every block's qkv, proj, MLP and the head) of the incremental rows; window rows not counted. */
  denseGflop: number;
  attentionGflop: number;
}

/** A snapshot of the counters, to difference around a run. */
export function workCounters(s: CountingScorer): { incremental: number; attentionMacs: number } {
  return { incremental: s.decodedRows.incremental, attentionMacs: s.decodedRows.attentionMacs };
}

/** The work done between two snapshots of `s`'s counters (2 FLOPs per multiply-add). */
export function searchWork(
  s: CountingScorer,
  before: { incremental: number; attentionMacs: number },
  after: { incremental: number; attentionMacs: number } = workCounters(s),
): SearchWork {
  return {
    denseGflop: (2 * (after.incremental - before.incremental) * s.denseMacsPerRow) / 1e9,
    attentionGflop: (2 * (after.attentionMacs - before.attentionMacs)) / 1e9,
  };
}

/**
 * tfjs matmul rate (GFLOP/s, best of 5 samples after one warm-up) at each [m, k]·[k, n] shape,
 * results read back; each sample runs ≈ 2·10⁸ multiply-adds.
 */
export async function matmulRate(shapes: ReadonlyArray<readonly [number, number, number]>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [m, k, n] of shapes) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const reps = Math.max(4, Math.round(2e8 / (m * k * n)));
    const t = await time(
      async () => {
        for (let r = 0; r < reps; r++) {
          const c = tf.matMul(a, b);
          await c.data();
          c.dispose();
        }
      },
      { warmup: 1, repeats: 5 },
    );
    out[`${m}x${k}x${n}`] = (2 * m * k * n * reps) / (t.min / 1000) / 1e9;
    tf.dispose([a, b]);
  }
  return out;
}

/**
 * The larger rate of each shape from two measurements (taken before and after a workload): on a
 * shared machine a short rate sample can land in a slow moment, and a low rate would flatter the
 * bound share. Shapes measured only once keep that rate.
 */
export function bestRates(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

/** The decoder's matmul shapes: a small and a full step's rows (32, 256) through the MLP's first layer [D, hidden]. */
export function decoderShapes(w: { D: number; hidden: number }): Array<[number, number, number]> {
  return [
    [32, w.D, w.hidden],
    [256, w.D, w.hidden],
  ];
}

const MATMUL_KERNELS = new Set(['BatchMatMul', '_FusedMatMul', 'MatMul']);

export interface MatmulWork {
  gflop: number;
  /** GFLOP per [m, k, n] shape (batch dimensions folded into m), largest first. */
  byShape: Array<{ shape: [number, number, number]; gflop: number }>;
}

/**
 * The matmul work of one run of `fn`, read from tf.profile's kernel list: 2·m·k·n per matmul
 * (the forward and backward passes alike). The contracted size k is the first operand's dimension
 * that is not the output's rows, which holds with or without a transpose. Profiling slows the run,
 * so time it separately.
 */
export async function matmulWork(fn: () => unknown): Promise<MatmulWork> {
  const info = await tf.profile(fn as () => tf.TensorContainer);
  const byKey = new Map<string, { shape: [number, number, number]; gflop: number }>();
  let gflop = 0;
  for (const k of info.kernels) {
    if (!MATMUL_KERNELS.has(k.name)) continue;
    const a = k.inputShapes[0];
    const out = k.outputShapes[0];
    if (!a || !out || a.length < 2 || out.length < 2) continue;
    const rows = out[out.length - 2];
    const n = out[out.length - 1];
    const [r1, c1] = [a[a.length - 2], a[a.length - 1]];
    const inner = r1 === rows ? c1 : r1;
    const m = out.slice(0, -1).reduce((x, y) => x * y, 1);
    const g = (2 * m * inner * n) / 1e9;
    gflop += g;
    const key = `${m}x${inner}x${n}`;
    const e = byKey.get(key) ?? { shape: [m, inner, n], gflop: 0 };
    e.gflop += g;
    byKey.set(key, e);
  }
  return { gflop, byShape: [...byKey.values()].sort((x, y) => y.gflop - x.gflop) };
}

/**
 * The time `work` would take at the tfjs matmul rate of its own shapes: the `top` largest shapes
 * are measured (matmulRate; the better of this and an `earlier` measurement); the rest run at those
 * shapes' overall rate.
 */
export async function matmulBoundSeconds(
  work: MatmulWork,
  top = 6,
  earlier: Record<string, number> = {},
): Promise<{ seconds: number; rates: Record<string, number> }> {
  const measured = work.byShape.slice(0, top);
  const rates = bestRates(earlier, await matmulRate(measured.map((s) => s.shape)));
  let seconds = 0;
  let coveredGflop = 0;
  for (const s of measured) {
    seconds += s.gflop / rates[s.shape.join('x')];
    coveredGflop += s.gflop;
  }
  const rest = work.gflop - coveredGflop;
  if (rest > 0 && coveredGflop > 0) seconds += rest / (coveredGflop / seconds);
  return { seconds, rates };
}
