// Checkpoint → model: the one way a student or a teacher is rebuilt from a checkpoint (workers,
// CLI, sessions, benchmarks). Every path decodes once, checks kind / road network / config with
// assertCompatible, and frees a half-built model when its weights do not fit.
import type { Derived } from '../data/derivedTypes';
import { Student } from '../models/student';
import type { StudentConfig } from '../models/studentConfig';
import { TeacherModel, type TeacherConfig } from '../models/teacher';
import { assertCompatible, decodeCheckpoint, loadIntoVariables, type Checkpoint, type Expected } from './checkpoint';

/** Checkpoint bytes, or a checkpoint a caller has already decoded (to read its hyper first). */
export type CheckpointInput = Uint8Array | Checkpoint;

/** A model built from a checkpoint, with the checkpoint it came from (hyper, training state). */
export interface LoadedModel<M, C extends object> {
  checkpoint: Checkpoint<C>;
  model: M;
}

/**
 * Decodes `src` (when bytes) and throws, with assertCompatible's message, unless it fits
 * `expected`. Without `expected.config` only kind and road network are checked: a model built
 * from the file takes its architecture from the file.
 */
export function readCheckpoint<C extends object>(
  src: CheckpointInput,
  expected: Omit<Expected, 'config'> & { config?: object },
): Checkpoint<C> {
  const ck = src instanceof Uint8Array ? decodeCheckpoint(src) : src;
  assertCompatible(ck, { ...expected, config: expected.config ?? ck.config });
  return ck as Checkpoint<C>;
}

/** Puts a student checkpoint's weights into `student` and drops its cached encodings. */
export function loadStudentWeights(student: Student, ck: Checkpoint): void {
  loadIntoVariables(student.store.variables(), ck.weights);
  student.invalidateCache();
}

/**
 * A student of the checkpoint's architecture with its weights, for generation and scoring. Its
 * encoders are frozen: the weights never change, so the Student computes the road/zone embeddings
 * once and keeps them.
 */
export function loadStudent(src: CheckpointInput, derived: Derived): LoadedModel<Student, StudentConfig> {
  const ck = readCheckpoint<StudentConfig>(src, { kind: 'student', fingerprint: derived.fingerprint });
  const model = withWeights(new Student(derived, { ...ck.config, freezeEncoders: true }, 0), (m) => loadStudentWeights(m, ck));
  return { checkpoint: ck, model };
}

/**
 * A frozen teacher with the checkpoint's weights. Refuses a checkpoint of another kind, made for
 * another road network, or whose vocabulary does not match this dataset's grid.
 */
export function loadTeacher(src: CheckpointInput, derived: Derived): LoadedModel<TeacherModel, TeacherConfig> {
  const ck = readCheckpoint<TeacherConfig>(src, { kind: 'teacher', fingerprint: derived.fingerprint });
  if (ck.config.vocabSize !== derived.grid.vocabSize) {
    throw new Error(`teacher vocabulary has ${ck.config.vocabSize} tokens, this dataset's grid needs ${derived.grid.vocabSize}`);
  }
  const model = withWeights(new TeacherModel(ck.config, 0), (m) => loadIntoVariables(m.variables, ck.weights));
  model.setTrainable(false);
  return { checkpoint: ck, model };
}

/** Runs `load` on a model just built; frees the model when its weights do not fit. */
function withWeights<M extends { dispose(): void }>(model: M, load: (m: M) => void): M {
  try {
    load(model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
