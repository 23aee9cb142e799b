// What the distillation KL pulls the student towards: the teacher, or one of its two controls
// ('uniform': label smoothing over the candidates; 'swapped': the teacher given another train
// trip's destination; teacherProbs.ts computes them). Tfjs-free: the session settings name it.

/** What the KL pulls the student towards: the teacher, or one of its two controls. */
export type TeacherTarget = 'teacher' | 'uniform' | 'swapped';
export const TEACHER_TARGETS: readonly TeacherTarget[] = ['teacher', 'uniform', 'swapped'];
