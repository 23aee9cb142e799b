// The distillation maths of distill.ts on plain numbers (the teaching view, tests): the softened
// teacher q^τ and student p^τ, KL(q ‖ p) and entropy (thesis eq. 3–5 and 7). Arrays hold only the
// valid candidates. Tfjs-free, so the page can run it; the tensor loss (distill.ts) shares TEACHER_FLOOR.

/** Smallest teacher probability taken into account (well above float32's denormals). */
export const TEACHER_FLOOR = 1e-30;

/** q^τ from raw teacher probabilities at the candidates' cells (eq. 3–4), floor as above. */
export function softenedTeacher(probs: number[], tau: number): number[] {
  return softmaxPlain(probs.map((p) => Math.log(Math.max(p, TEACHER_FLOOR)) / tau));
}

/** p^τ = softmax(logits / τ) (eq. 7). */
export function softenedStudent(logits: number[], tau: number): number[] {
  return softmaxPlain(logits.map((l) => l / tau));
}

/** KL(q ‖ p) = Σ q log(q/p), natural log; terms with q = 0 contribute 0. */
export function klDivergence(q: number[], p: number[]): number {
  let s = 0;
  for (let i = 0; i < q.length; i++) if (q[i] > 0) s += q[i] * (Math.log(q[i]) - Math.log(p[i]));
  return s;
}

/** Shannon entropy in nats. */
export function entropy(p: number[]): number {
  let s = 0;
  for (const x of p) if (x > 0) s -= x * Math.log(x);
  return s;
}

function softmaxPlain(x: number[]): number[] {
  if (x.length === 0) return [];
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}
