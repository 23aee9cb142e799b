import { describe, it, expect } from 'vitest';
import {
  NUDGE_SHARE,
  cellSize,
  shareVerdict,
  tourFacts,
  trainedRecipeFull,
  windowFact,
  type FactInputs,
} from '../../src/ui/teach/tourFacts';
import { compareStudents } from '../../src/lib/teach/stepMath';
import { TOUR } from '../../src/ui/teach/tour';
import { countNoun, plural } from '../../src/ui/format';
import { stepLosses } from '../../src/lib/teach/stepMath';
import type { StepView } from '../../src/lib/teach/stepView';
import { defaultPortoGrid } from '../../src/lib/data/grid';

/** One step of a trip with w = 6 and a destination-first teacher: 7 tokens in the window. */
function inputs(over: Partial<StepView> = {}, lambda = 0.0014, tau = 4.37): FactInputs {
  const step: StepView = {
    k: 10,
    current: 5,
    cands: [6, 7],
    candCells: [100, 101],
    label: 0,
    window: [900, 1, 2, 3, 4, 5, 6],
    teacherRaw: [0.4, 0.1],
    candMass: 0.5,
    topCells: [{ cell: 100, p: 0.4 }],
    vanilla: [3, -1],
    distilled: [2.5, -0.5],
    prefix: [0, 1, 2, 3, 4, 5],
    destination: 20,
    trueNext: 6,
    ...over,
  };
  const losses = stepLosses({ teacherRaw: step.teacherRaw, logits: step.vanilla!, label: step.label }, tau, lambda);
  return {
    step,
    losses,
    tripScore: 2,
    model: 'vanilla',
    tau,
    lambda,
    cmp: null,
    detour: null,
    window: 6,
    grid: defaultPortoGrid(),
    teacher: { anchor: 'end', destination: true },
  };
}

describe('count nouns', () => {
  it('is singular for exactly one', () => {
    expect(plural(1, 'candidate')).toBe('candidate');
    expect(plural(0, 'candidate')).toBe('candidates');
    expect(countNoun(1, 'candidate')).toBe('1 candidate');
    expect(countNoun(3, 'OD pair')).toBe('3 OD pairs');
    expect(countNoun(1204, 'trip')).toBe('1,204 trips');
    expect(countNoun(2, 'city', 'cities')).toBe('2 cities');
  });

  it('the first tour step says "1 candidate" at a one-candidate step', () => {
    const one = tourFacts('decision', inputs({ cands: [6], candCells: [100], teacherRaw: [0.4], vanilla: [3], distilled: [2] }));
    expect(one).toMatch(/^1 candidate here\./);
    expect(tourFacts('decision', inputs())).toMatch(/^2 candidates here\./);
  });
});

describe('the teacher-window fact uses the w on screen', () => {
  it('counts the destination token apart from the last w cells', () => {
    expect(windowFact(7, 6, true)).toBe('Input: the last 6 cells (w = 6), after the destination’s cell.');
    expect(windowFact(6, 6, false)).toBe('Input: the last 6 cells (w = 6).');
    expect(windowFact(2, 6, true)).toBe('Input: the last 1 cell: fewer than w = 6 so far this trip, after the destination’s cell.');
  });

  it('never states a window length other than the panel’s w', () => {
    const text = tourFacts('teacher', inputs())!;
    expect(text).toContain('w = 6');
    expect(text).toContain('last 6 cells');
    expect(text).not.toMatch(/\b7 cells\b/);
    // The cell size comes from the grid, not from a constant in the text (Porto: ≈ 100 m × 75 m).
    expect(text).toContain(cellSize(defaultPortoGrid()));
    expect(cellSize(defaultPortoGrid())).toBe('≈ 100 m × 75 m');
  });

  it('no tour body hard-codes a number the panel shows (only the 1 of "τ > 1", "sum to 1")', () => {
    for (const s of TOUR) for (const n of s.body.match(/\d+(\.\d+)?/g) ?? []) expect(n, s.id).toBe('1');
  });
});

describe('the λ step agrees with the teacher share beside it', () => {
  it('calls the teacher a nudge only below the nudge share', () => {
    expect(shareVerdict(0.05)).toMatch(/nudge/);
    expect(shareVerdict(NUDGE_SHARE + 0.01)).not.toMatch(/nudge/);
    expect(shareVerdict(0.744)).toMatch(/dominates/);
    expect(shareVerdict(0.744)).not.toMatch(/nudge|not the main signal/);
    expect(shareVerdict(NaN)).toBe('');
  });

  it('follows the share of the step on screen', () => {
    // A confident, correct student: CE is tiny, so even the thesis λ gives the teacher most of the loss.
    const confident = inputs({ vanilla: [9, -9] });
    expect(confident.losses.teacherShare).toBeGreaterThan(0.5);
    expect(tourFacts('lambda', confident)).toMatch(/dominates/);
    // A wrong student: CE is large and the same λ is a nudge.
    const wrong = inputs({ vanilla: [-3, 3] });
    expect(wrong.losses.teacherShare).toBeLessThan(NUDGE_SHARE);
    expect(tourFacts('lambda', wrong)).toMatch(/nudge/);
  });
});

describe('the tour says what distillation did at the step on screen, in rounded numbers', () => {
  const withCmp = (f: FactInputs): FactInputs => ({
    ...f,
    cmp: compareStudents(f.step.teacherRaw, f.step.vanilla!, f.step.distilled!, f.step.label, f.tau),
  });

  it('says when distillation lowered p(true road) because the teacher favours another road', () => {
    // The teacher favours B; the driver took A; the distilled student moved toward B.
    const f = withCmp(inputs({ teacherRaw: [0.1, 0.6], vanilla: [6, -1], distilled: [1, 0] }));
    expect(tourFacts('result', f)).toMatch(/lowered p\(true road\): the teacher favours another road/);
    const helped = withCmp(inputs({ teacherRaw: [0.6, 0.1], vanilla: [0, 0], distilled: [2, 0] }));
    expect(tourFacts('result', helped)).toMatch(/raised p\(true road\)/);
  });

  it('rounds the trained recipe for reading and keeps the full values for the tooltip', () => {
    const h = { lambda: 0.10385718648105681, tau: 3.3508482790284706, window: 8 };
    const text = tourFacts('lambda', { ...inputs(), distilledHyper: h }) ?? '';
    expect(text).toContain('λ = 0.104, τ = 3.35, w = 8');
    expect(text).not.toMatch(/\d\.\d{6,}/);
    expect(trainedRecipeFull(h)).toBe('λ = 0.10385718648105681, τ = 3.3508482790284706, w = 8');
  });

  it('keeps every tour step body in short sentences (none over 40 words)', () => {
    for (const s of TOUR)
      for (const sentence of s.body.split(/(?<=[.!?])\s+/))
        expect(sentence.split(/\s+/).length, `${s.id}: ${sentence}`).toBeLessThanOrEqual(40);
  });
});
