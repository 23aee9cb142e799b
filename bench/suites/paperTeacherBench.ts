// The teacher the thesis used: LM-TAD at 8 layers × 12 heads × 768 (≈ 63 M
// parameters, random weights: latency does not depend on the values) against the shipped student,
// with the same "one next-step prediction for B prefixes" definition as the `latency` suite.
//
// Cost. One such teacher pass costs ≈ 0.9 GFLOP per prefix (8 tokens × 8 layers × 12·768² × 2),
// i.e. ≈ 60 GFLOP at B = 64 and ≈ 0.9 TFLOP at B = 1024: about a minute and a half on this
// machine's wasm, more than the quick bench's whole budget. The quick bench therefore times
// B = 1 and 64 side by side with the student, and gives B = 1024 as 16 teacher passes of 64
// prefixes (a 64-row pass already fills the matmuls, so the time is linear in B from there; the
// trainer runs its teacher in such chunks too) against the student measured at B = 1024 by the
// latency suite of the same run; the JSON says `teacherExtrapolated`. The full bench times
// B = 1024 as one real pass.
import type { Derived } from '../../src/lib/data/derivedTypes';
import type { Dataset } from '../../src/lib/data/types';
import type { Student } from '../../src/lib/models/student';
import { TeacherModel, defaultTeacherConfig, type TeacherConfig } from '../../src/lib/models/teacher';
import type { BatchContext } from '../../src/lib/features/studentBatch';
import { latencyBench, type LatencyRow, type TimingReport } from './suites';
import type { TimingOptions } from './timing';

export const PAPER_TEACHER_SIZE = { nLayer: 8, nHead: 12, nEmbd: 768 } as const;

export interface PaperTeacherOptions {
  dataset: Dataset;
  derived: Derived;
  student: Student;
  ctx: BatchContext;
  /** Batch sizes timed as real passes, side by side with the student. */
  measured: number[];
  /** Batch sizes given from `chunkOf`'s measured teacher pass × B / chunkOf (quick mode). */
  extrapolated: number[];
  chunkOf: number;
  /** Student timings at the extrapolated sizes, from the `latency` suite of the same run. */
  studentRows: LatencyRow[];
  timing?: TimingOptions;
}

export interface PaperTeacherRow {
  batch: number;
  teacherMs: TimingReport;
  studentMs: TimingReport;
  /** Median teacher / student step time (paired per round where both were measured together). */
  teacherOverStudent: number;
  teacherExtrapolated?: string;
}

export interface PaperTeacherResult {
  config: TeacherConfig;
  params: number;
  rows: PaperTeacherRow[];
}

export async function paperTeacherBench(o: PaperTeacherOptions): Promise<PaperTeacherResult> {
  const cfg: TeacherConfig = { ...defaultTeacherConfig(o.derived.grid.vocabSize), ...PAPER_TEACHER_SIZE };
  const teacher = new TeacherModel(cfg, 5, 'paperTeacher');
  teacher.setTrainable(false);
  try {
    // One untimed call: the first pass through fresh weights costs several times a later one.
    teacher.nextCellLogProbs([[0, 1, 2]]).dispose();
    const sizes = [...new Set([...o.measured, ...(o.extrapolated.length ? [o.chunkOf] : [])])].sort((a, b) => a - b);
    const measured = await latencyBench({
      dataset: o.dataset,
      derived: o.derived,
      teacher,
      student: o.student,
      ctx: o.ctx,
      batches: sizes,
      timing: o.timing,
      fullUpTo: 0,
    });
    const rows: PaperTeacherRow[] = measured
      .filter((r) => o.measured.includes(r.batch))
      .map((r) => ({ batch: r.batch, teacherMs: r.teacherMs, studentMs: r.studentMs, teacherOverStudent: r.teacherOverStudent.median }));
    const chunk = measured.find((r) => r.batch === o.chunkOf);
    for (const B of o.extrapolated) {
      const st = o.studentRows.find((r) => r.batch === B);
      if (!chunk || !st) throw new Error(`paper teacher: no measurement to give B = ${B} from`);
      const k = B / o.chunkOf;
      const t = chunk.teacherMs;
      rows.push({
        batch: B,
        teacherMs: { medianMs: t.medianMs * k, q1Ms: t.q1Ms * k, q3Ms: t.q3Ms * k, n: t.n },
        studentMs: st.studentMs,
        teacherOverStudent: (t.medianMs * k) / st.studentMs.medianMs,
        teacherExtrapolated: `${k} passes of ${o.chunkOf} prefixes (one timed, × ${k}); student measured at B = ${B}`,
      });
    }
    rows.sort((a, b) => a.batch - b.batch);
    return { config: cfg, params: teacher.paramCount, rows };
  } finally {
    teacher.dispose();
  }
}
