import { describe, it, expect } from 'vitest';
import { compareStudents, crossEntropy, entropyCurve, pushDirection, stepLosses, summariseTrip } from '../../src/lib/teach/stepMath';
import { softenedStudent, softenedTeacher } from '../../src/lib/train/distillMath';

const raw = { teacherRaw: [0.02, 0.3, 0.001, 0.05], logits: [1.5, -0.3, 0.2, 0.9], label: 1 };

describe('stepLosses', () => {
  it('teacher and student entropies rise with τ towards ln C', () => {
    const taus = [0.5, 1, 2, 4.37, 8, 20];
    const hq = taus.map((t) => stepLosses(raw, t, 0.0014).entropyQ);
    const hp = taus.map((t) => stepLosses(raw, t, 0.0014).entropyP);
    for (let i = 1; i < taus.length; i++) {
      expect(hq[i]).toBeGreaterThan(hq[i - 1]);
      expect(hp[i]).toBeGreaterThan(hp[i - 1]);
    }
    expect(hq[hq.length - 1]).toBeLessThanOrEqual(Math.log(4) + 1e-12);
    expect(hq[hq.length - 1]).toBeGreaterThan(0.95 * Math.log(4));
    expect(entropyCurve(raw.teacherRaw, taus, 'teacher')).toEqual(hq);
  });

  it('push τ·(q − p) sums to ~0 and is the negative gradient of τ²·KL', () => {
    for (const tau of [0.7, 1, 4.37]) {
      const s = stepLosses(raw, tau, 1);
      expect(Math.abs(s.push.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
      expect(Math.abs(s.cePush.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
      // Finite differences of τ²·KL with respect to each logit.
      const h = 1e-5;
      raw.logits.forEach((_, c) => {
        const up = raw.logits.slice();
        const dn = raw.logits.slice();
        up[c] += h;
        dn[c] -= h;
        const g = (stepLosses({ ...raw, logits: up }, tau, 1).klScaled - stepLosses({ ...raw, logits: dn }, tau, 1).klScaled) / (2 * h);
        expect(s.push[c]).toBeCloseTo(-g, 5);
      });
    }
    expect(pushDirection([0.5, 0.5], [0.9, 0.1], 2)).toEqual([2 * (0.5 - 0.9), 2 * (0.5 - 0.1)]);
  });

  it('KL, CE, λ-weighted term and teacher share are consistent', () => {
    const s = stepLosses(raw, 4.37, 0.5);
    expect(s.q).toEqual(softenedTeacher(raw.teacherRaw, 4.37));
    expect(s.p).toEqual(softenedStudent(raw.logits, 4.37));
    expect(s.klScaled).toBeCloseTo(4.37 * 4.37 * s.kl, 12);
    expect(s.ce).toBeCloseTo(-Math.log(softenedStudent(raw.logits, 1)[1]), 12);
    expect(s.lambdaKl).toBeCloseTo(0.5 * s.klScaled, 12);
    expect(s.total).toBeCloseTo(s.ce + s.lambdaKl, 12);
    expect(s.teacherShare).toBeCloseTo(s.lambdaKl / s.total, 12);
    // More weight on the teacher → larger share.
    expect(stepLosses(raw, 4.37, 5).teacherShare).toBeGreaterThan(s.teacherShare);
    expect(stepLosses(raw, 4.37, 0).teacherShare).toBe(0);
  });

  it('KL is 0 when the student matches the teacher, and CE is NaN without a label', () => {
    const logits = raw.teacherRaw.map((p) => Math.log(p));
    const s = stepLosses({ teacherRaw: raw.teacherRaw, logits, label: -1 }, 3, 1);
    expect(s.kl).toBeLessThan(1e-12);
    expect(Number.isNaN(s.ce)).toBe(true);
    expect(s.cePush.every((v) => v === 0)).toBe(true);
    expect(Number.isNaN(crossEntropy([1, 2], 5))).toBe(true);
  });
});

describe('compareStudents / summariseTrip', () => {
  it('tells which student moved toward the teacher and whether it helped', () => {
    const teacher = [0.1, 0.8, 0.1];
    const vanilla = [2, 0, 0];
    const distilled = [0, 2, 0];
    const c = compareStudents(teacher, vanilla, distilled, 1, 2);
    expect(c.towardTeacher).toBe(1);
    expect(c.helped).toBe(1);
    expect(c.klDistilled).toBeLessThan(c.klVanilla);
    const worse = compareStudents(teacher, distilled, vanilla, 1, 2);
    expect(worse.towardTeacher).toBe(-1);
    expect(worse.helped).toBe(-1);
    // Near-equal students: no move and no help is claimed (0.392 vs 0.391 was called a move).
    const same = compareStudents(teacher, vanilla, [2.001, 0, 0], 1, 2);
    expect(same.towardTeacher).toBe(0);
    expect(same.helped).toBe(0);
  });

  it('summarises accuracy and mean log-likelihood over labelled steps', () => {
    const s = summariseTrip(
      [
        { teacherRaw: [0.5, 0.5], logits: [3, 0], label: 0 },
        { teacherRaw: [0.5, 0.5], logits: [3, 0], label: 1 },
        { teacherRaw: [0.5, 0.5], logits: [3, 0], label: -1 },
      ],
      1,
    );
    expect(s.labelled).toBe(2);
    expect(s.accuracy).toBe(0.5);
    const p = softenedStudent([3, 0], 1);
    expect(s.meanLogLik).toBeCloseTo((Math.log(p[0]) + Math.log(p[1])) / 2, 12);
  });
});
