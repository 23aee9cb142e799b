// The teacher's side of distillation: the probability the frozen teacher gives each
// candidate's cell, per training trip, aligned with PreparedTrip.cands, or a road-level teacher's
// given probabilities. The teacher is frozen and deterministic, so by default each trip's answer is
// computed once and cached (cacheTeacher: false recomputes it every time; the loss is the same).
// Two controls keep the loss and take away what the teacher knows: 'uniform' (the same KL towards a
// uniform distribution over the candidates: label smoothing) and 'swapped' (the teacher is given
// another train trip's destination: the right map, the wrong goal).
import * as tf from '@tensorflow/tfjs';
import type { TeacherTarget } from './teacherTargets';
import type { Derived } from '../data/derivedTypes';
import { rowCells, teacherRoadCells, type TeacherConfig } from '../models/teacher';
import { readValues, type DeviceTask } from './deviceTask';
import { tripTeacherWindows, windowChunks, type PreparedTrip, type StudentBatch } from '../features/studentBatch';

/** What the trainer needs from a teacher (models/teacher.ts TeacherModel fits). */
export interface NextCellTeacher {
  /** [rows, vocab] next-cell probabilities given the last w cells of each prefix. */
  nextCellProbs(windows: number[][]): tf.Tensor2D;
  /**
   * The same probabilities at the cells `cells[r]` of each window only, flat in row order; a teacher
   * that has it need not build a whole vocabulary row per window (TeacherModel's moves teacher).
   */
  cellProbsAt?(windows: number[][], cells: ArrayLike<number>[]): tf.Tensor1D;
  /** Teacher tokenisation (TeacherModel.cfg): collapsed repeats, ψ anchor, destination first. */
  cfg?: Pick<TeacherConfig, 'collapse' | 'anchor' | 'destination'>;
}

/** q(cell | window) at `cells[r]` for every window r, flat in row order. */
export function teacherProbsAt(teacher: NextCellTeacher, windows: number[][], cells: ArrayLike<number>[]): tf.Tensor1D {
  if (teacher.cellProbsAt) return teacher.cellProbsAt(windows, cells);
  return tf.tidy(() => rowCells(teacher.nextCellProbs(windows), cells));
}

/** The options TeacherProbs reads (the trainer's, read at each call). */
export interface TeacherProbOptions {
  cacheTeacher: boolean;
  /** Teacher window w (cells). */
  window: number;
  /** Teacher rows per forward pass. */
  teacherChunk: number;
  teacherTarget: TeacherTarget;
}

export class TeacherProbs {
  private readonly cache = new Map<number, Float32Array>();

  constructor(
    private readonly derived: Derived,
    /** Ids of the training trips, by PreparedTrip.index. */
    private readonly trainIds: string[],
    private readonly opts: () => TeacherProbOptions,
    private readonly teacher?: NextCellTeacher,
    private readonly candidateTeacher?: ReadonlyMap<string, Float32Array>,
    /** For the 'swapped' target: the destination road the teacher is given, by PreparedTrip.index. */
    private readonly swappedDestination?: (index: number) => number,
  ) {}

  get available(): boolean {
    return this.opts().teacherTarget === 'uniform' || this.teacher !== undefined || this.candidateTeacher !== undefined;
  }

  get size(): number {
    return this.cache.size;
  }

  clear(): void {
    this.cache.clear();
  }

  /** The road-level teacher's probabilities for one trip, checked against its candidates. */
  private candidateProbs(p: PreparedTrip): Float32Array {
    const id = this.trainIds[p.index];
    const probs = this.candidateTeacher?.get(id);
    if (!probs) throw new Error(`the candidate teacher has no probabilities for train trip ${id}`);
    const n = p.candOffset[p.steps];
    if (probs.length !== n) throw new Error(`the candidate teacher has ${probs.length} values for trip ${id}, which has ${n} candidates`);
    return probs;
  }

  /** Teacher probability at every candidate's cell, per trip, aligned with PreparedTrip.cands. */
  *tripsTask(trips: PreparedTrip[]): DeviceTask<Float32Array[]> {
    const target = this.opts().teacherTarget;
    // Equal values: the loss renormalises them over the candidates (any τ keeps them uniform).
    if (target === 'uniform') return trips.map((p) => new Float32Array(p.candOffset[p.steps]).fill(1));
    if (this.candidateTeacher) return trips.map((p) => this.candidateProbs(p));
    if (target === 'swapped' && (!this.swappedDestination || !this.teacher?.cfg?.destination))
      throw new Error('the swapped-destination control needs a destination-conditioned teacher (train teacher --destination)');
    const out: Float32Array[] = new Array(trips.length);
    const missing: number[] = [];
    trips.forEach((p, i) => {
      const hit = this.opts().cacheTeacher ? this.cache.get(p.index) : undefined;
      if (hit) out[i] = hit;
      else missing.push(i);
    });
    if (missing.length === 0) return out;
    const teacher = this.teacher as NextCellTeacher;
    const collapse = teacher.cfg?.collapse ?? false;
    const roadCell = teacherRoadCells(teacher.cfg, this.derived.grid);
    // Flatten all steps of the missing trips, then run the teacher in chunks of rows.
    const windows: number[][] = [];
    const rowTrip: number[] = [];
    const rowStep: number[] = [];
    for (const i of missing) {
      const p = trips[i];
      out[i] = new Float32Array(p.candOffset[p.steps]);
      const dest = target === 'swapped' ? this.swappedDestination?.(p.index) : undefined;
      tripTeacherWindows(p, roadCell, this.opts().window, collapse, teacher.cfg?.destination, dest).forEach((w, s) => {
        windows.push(w);
        rowTrip.push(i);
        rowStep.push(s);
      });
    }
    for (const [r0, r1] of windowChunks(windows, Math.max(1, this.opts().teacherChunk))) {
      const dest: Array<[number, number]> = [];
      const cells: number[][] = [];
      for (let r = r0; r < r1; r++) {
        const p = trips[rowTrip[r]];
        const s = rowStep[r];
        const cs: number[] = [];
        for (let c = p.candOffset[s]; c < p.candOffset[s + 1]; c++) {
          cs.push(roadCell[p.cands[c]]);
          dest.push([rowTrip[r], c]);
        }
        cells.push(cs);
      }
      const picked = teacherProbsAt(teacher, windows.slice(r0, r1), cells);
      let vals: ArrayLike<number>;
      try {
        [vals] = yield* readValues([picked]);
      } finally {
        picked.dispose();
      }
      dest.forEach(([ti, c], j) => {
        out[ti][c] = vals[j];
      });
    }
    if (this.opts().cacheTeacher) for (const i of missing) this.cache.set(trips[i].index, out[i]);
    return out;
  }

  /** [N*C] teacher probabilities for a batch built from `trips`. */
  *batchTask(batch: StudentBatch, trips: PreparedTrip[]): DeviceTask<Float32Array> {
    const per = yield* this.tripsTask(trips);
    const out = new Float32Array(batch.N * batch.C);
    let n = 0;
    trips.forEach((p, b) => {
      for (let s = 0; s < p.steps; s++, n++) {
        const o = p.candOffset[s];
        const m = p.candOffset[s + 1] - o;
        out.set(per[b].subarray(o, o + m), n * batch.C);
      }
    });
    return out;
  }
}
