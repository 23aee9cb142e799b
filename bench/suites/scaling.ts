// Scaling over workers: the same workload on 1 and 2 workers, timed in paired rounds (timing.ts's
// compare: the two alternate, so a busy machine's slow phases hit both), and a projection to more
// cores from the measured per-core efficiency and the serial share (Amdahl). Pure: the caller runs
// the workers.
import type { TimingReport } from './suites';
import { compare, ratioOf, throughput, type Timing, type Workload } from './timing';

const report = (t: Timing): TimingReport => ({ medianMs: t.median, q1Ms: t.q1, q3Ms: t.q3, n: t.n });

export interface ScalingResult {
  /** Work units (trips) per call. */
  units: number;
  rounds: number;
  ms: { w1: TimingReport; w2: TimingReport };
  tripsPerSec: { w1: number; w2: number };
  /** Median over rounds of t1 / t2 (each round's two runs moments apart), with its quartiles. */
  speedup2: number;
  speedup2Q1: number;
  speedup2Q3: number;
  /** speedup2 / 2: the share of the second core turned into throughput. */
  efficiencyPerCore: number;
}

/** Times `run(1)` and `run(2)` in `rounds` alternating rounds, `units` trips each. */
export async function pairedScaling(units: number, rounds: number, run: (workers: 1 | 2) => Promise<unknown>): Promise<ScalingResult> {
  const fns: Record<'w1' | 'w2', Workload> = { w1: () => run(1), w2: () => run(2) };
  const c = await compare(fns, { warmup: 0, repeats: rounds });
  const r = ratioOf(c, 'w1', 'w2');
  return {
    units,
    rounds: c.rounds,
    ms: { w1: report(c.timings.w1), w2: report(c.timings.w2) },
    tripsPerSec: { w1: throughput(c.timings.w1, units).median, w2: throughput(c.timings.w2, units).median },
    speedup2: r.median,
    speedup2Q1: r.q1,
    speedup2Q3: r.q3,
    efficiencyPerCore: r.median / 2,
  };
}

export interface AmdahlProjection {
  label: string;
  /** Share of one worker's wall time that does not run in the workers (scoring, statistics, merging). */
  serialShare: number;
  /** Per-core efficiency of the parallel part, as measured at 2 workers. */
  efficiencyPerCore: number;
  /** Projected speed-up over one worker, by core count. */
  speedup: Record<string, number>;
}

/**
 * PROJECTION, not a measurement: speed-up on N cores if the parallel part keeps the measured
 * per-core efficiency e and the serial share s stays serial: 1 / (s + (1 − s) / (N·e)).
 */
export function amdahlProjection(serialShare: number, efficiencyPerCore: number, cores: readonly number[]): AmdahlProjection {
  const s = Math.min(1, Math.max(0, serialShare));
  const e = efficiencyPerCore;
  return {
    label: 'PROJECTION from the measured 2-worker efficiency and serial share (Amdahl), not measured',
    serialShare: s,
    efficiencyPerCore: e,
    speedup: Object.fromEntries(cores.map((n) => [String(n), e > 0 ? 1 / (s + (1 - s) / (n * e)) : NaN])),
  };
}
