// The positive control: distil a trained student into another one. The
// teacher is then road-level: its softmax over each train trip's candidates, computed once. If this
// helps a low-data student and the LM-TAD teacher does not, the pipeline works and the teacher is
// what falls short.
import type { Trajectory } from '../data/types';
import type { Student } from '../models/student';
import { studentStepLogProbs } from '../models/studentSteps';
import { prepareTrips, withRouteFeatures, type BatchContext } from '../features/studentBatch';

/**
 * Per train trip id, the teacher student's probabilities over the candidates the trainee will see
 * (prepared with the trainee's context, so the candidate lists line up with its PreparedTrips).
 */
export async function studentCandidateTeacher(
  teacher: Student,
  teacherCtx: BatchContext,
  traineeCtx: BatchContext,
  trips: Trajectory[],
): Promise<Map<string, Float32Array>> {
  // The same candidates either way; the teacher's route features, when it reads them, come with them.
  const prepared = prepareTrips(withRouteFeatures(traineeCtx, teacher.config), trips);
  const { logProbs } = await studentStepLogProbs(teacher, teacherCtx, prepared);
  const out = new Map<string, Float32Array>();
  prepared.forEach((p, i) => out.set(trips[p.index].id, Float32Array.from(logProbs[i], Math.exp)));
  return out;
}
