import { describe, it, expect } from 'vitest';
import { poolArmSources, resultsMarkdown, resultsTables, type ArmSources, type ReportSplit } from '../../src/lib/eval/resultsTable';
import { pairedEffect } from '../../src/lib/eval/paired';

const seeds = [1, 2, 3, 4, 5];
function report(van: number[], dis: number[], baseline?: number): ReportSplit {
  const m = (v: number) => ({ odDtwPerKm: v, odEdr: v / 10, reachedRate: 1 });
  const eff = (f: (x: ReturnType<typeof m>) => number) =>
    pairedEffect(
      van.map((v) => f(m(v))),
      dis.map((v) => f(m(v))),
    );
  return {
    arms: {
      vanilla: van.map((v, i) => ({ seed: seeds[i], metrics: m(v) })),
      distilled: dis.map((v, i) => ({ seed: seeds[i], metrics: m(v) })),
    },
    effects: { odDtwPerKm: eff((x) => x.odDtwPerKm), odEdr: eff((x) => x.odEdr), reachedRate: eff((x) => x.reachedRate) },
    ...(baseline === undefined
      ? {}
      : {
          baselines: {
            shortest: {
              metrics: m(baseline),
              vsVanilla: {
                odDtwPerKm: pairedEffect(
                  van,
                  van.map(() => baseline),
                ),
                odEdr: pairedEffect(
                  van.map((v) => v / 10),
                  van.map(() => baseline / 10),
                ),
              },
            },
          },
        }),
  };
}

describe('results tables', () => {
  const van = [2.0, 2.1, 1.9, 2.05, 1.95];
  const arm = (label: string, dis: number[], base?: number): ArmSources => ({
    label,
    source: 'test',
    bestFirst: report(van, dis, base),
    beam: report(van, dis, base),
  });

  it('rows: baselines, vanilla, arms; every cell exploratory, its words read from its own interval', () => {
    const t = resultsTables([
      {
        city: 'porto',
        split: 'test',
        arms: [
          arm(
            'clear',
            van.map((v) => v - 0.5),
            2.5,
          ),
          arm(
            'tiny',
            van.map((v, i) => v + (i % 2 ? 0.01 : -0.012)),
          ),
        ],
      },
    ]);
    const rows = t.cities[0].rows;
    expect(rows.map((r) => r.kind)).toEqual(['baseline', 'vanilla', 'arm', 'arm']);
    expect(rows[1].cells.dtwPerKmBest.value).toBeCloseTo(2.0, 10);
    expect(rows[2].cells.dtwPerKmBest.effect).toMatchObject({ verdict: null, reading: 'lower', quality: 'better' });
    expect(rows[2].cells.dtwPerKmBest.effect?.words).toBe('lower (better; interval excludes 0), exploratory');
    expect(rows[3].cells.dtwPerKmBest.effect?.words).toBe('no clear difference (interval includes 0), exploratory');
    // The baseline (2.5 against ~2.0) is worse than vanilla.
    expect(rows[0].cells.dtwPerKmBeam.effect).toMatchObject({ reading: 'higher', quality: 'worse' });
    // Holm-adjusted p is never below the raw p.
    for (const r of rows) for (const c of Object.values(r.cells)) if (c.effect) expect(c.effect.pHolm).toBeGreaterThanOrEqual(c.effect.p);
    expect(t.comparisons).toBeGreaterThan(0);
    const md = resultsMarkdown(t, 'porto');
    expect(md.split('\n')).toHaveLength(2 + rows.length);
    expect(md).toContain('△');
    expect(md).not.toContain('▲');
  });

  it('the registered endpoints alone are confirmatory, from Holm within them, however large the family', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      arm(
        `noise ${i}`,
        van.map((v, j) => v + ((i + j) % 3) * 0.01 - 0.01),
      ),
    );
    // A moderate effect: raw p well under 0.05, but not under 0.05 / (the ~160 comparisons of the table).
    const moderate = arm(
      'registered',
      van.map((v, j) => v - 0.05 + [0.03, -0.02, 0.01, -0.03, 0.02][j]),
    );
    const t = resultsTables([{ city: 'porto', split: 'test', arms: [moderate, ...many] }], {
      registered: { table: 'porto', arm: 'registered', endpoints: ['dtwPerKmBeam', 'dtwPerKmBest'] },
    });
    const row = t.cities[0].rows.find((r) => r.label === 'registered')!;
    const e = row.cells.dtwPerKmBest.effect!;
    expect(e.confirmatory?.family).toBe(2);
    expect(e.pHolm).toBeGreaterThan(0.05); // the old whole-table adjustment would have said nothing
    expect(e.confirmatory!.pHolm).toBeLessThan(0.05);
    expect(e.verdict).toBe('helps');
    expect(e.words).toMatch(/^helps, confirmed \(Holm p [\d.]+ within the 2 registered endpoints\)/);
    // Not registered: the same row's EDR stays exploratory.
    expect(row.cells.edrBest.effect?.verdict).toBeNull();
    expect(row.cells.edrBest.effect?.words).toMatch(/exploratory$/);
    expect(t.registeredCells?.arm).toBe('registered');
    expect(resultsMarkdown(t, 'porto')).toContain('▲');
  });

  it('every model against the best baseline: model − baseline over seeds, exploratory words', () => {
    const t = resultsTables([
      {
        city: 'porto',
        split: 'test',
        arms: [
          arm(
            'clear',
            van.map((v) => v - 0.5),
            2.5,
          ),
        ],
      },
    ]);
    const b = t.cities[0].vsBestBaseline!;
    expect(b.baseline).toBe('shortest path');
    expect(b.value).toBe(2.5);
    expect(b.models.map((m) => m.label)).toEqual(['vanilla student', 'clear']);
    expect(b.models[1].effect.mean).toBeCloseTo(1.5 - 2.5, 10);
    expect(b.models[1].effect.words).toBe('lower (better; interval excludes 0), exploratory');
    expect(b.models[0].spread).toEqual({});
    expect(t.comparisons).toBe(
      resultsTables([
        {
          city: 'porto',
          split: 'test',
          arms: [
            arm(
              'clear',
              van.map((v) => v - 0.5),
            ),
          ],
        },
      ]).comparisons + 4, // the baseline row's four cells; the answer joins no family
    );
  });

  it("a city's baselines report replaces the paired reports' baseline rows; the best is picked among its methods", () => {
    const m = (v: number) => ({ odDtwPerKm: v, odEdr: v / 10, reachedRate: 1 });
    const t = resultsTables([
      {
        city: 'porto',
        split: 'test',
        // The paired report's own shortest path (1.0) would be the best; the report's methods replace it.
        arms: [
          arm(
            'clear',
            van.map((v) => v - 0.5),
            1.0,
          ),
        ],
        baselines: {
          methods: {
            fastest: { description: 'Dijkstra on free-flow time', metrics: m(2.4) },
            markov: { metrics: m(3.4), markov: { smoothing: 10 } },
            markovLength: { metrics: m(1.8), spread: { median: 0.5, p90: 6.8 }, markov: { smoothing: 1, lengthPerKm: 3 } },
          },
        },
      },
    ]);
    const rows = t.cities[0].rows;
    expect(rows.filter((r) => r.kind === 'baseline').map((r) => r.label)).toEqual([
      'fastest path, free-flow speeds',
      'Markov chain (α 10)',
      'Markov chain + length (α 1, μ 3 per km)',
    ]);
    expect(rows[0].recipe).toBe('Dijkstra on free-flow time');
    // Each baseline's one value against every vanilla seed, as the paired report compares its own.
    const ml = rows[2].cells.dtwPerKmBest;
    expect(ml.value).toBe(1.8);
    expect(ml.effect?.mean).toBeCloseTo(1.8 - 2.0, 10);
    expect(ml.effect?.n).toBe(5);
    expect(ml.effect?.ci95).toEqual(
      pairedEffect(
        van,
        van.map(() => 1.8),
      ).ci95,
    );
    expect(rows[2].cells.edrBeam.effect?.mean).toBeCloseTo(0.18 - 0.2, 10);
    expect(rows[1].cells.dtwPerKmBeam.effect).toMatchObject({ reading: 'higher', quality: 'worse' });
    const b = t.cities[0].vsBestBaseline!;
    expect(b.baseline).toBe('Markov chain + length (α 1, μ 3 per km)');
    expect(b.value).toBe(1.8);
    expect(b.spread).toEqual({ median: 0.5, p90: 6.8 });
    expect(b.models[1].effect.mean).toBeCloseTo(1.5 - 1.8, 10);
  });

  it("each model's per-OD share against the best baseline, from both reports' per-OD values; the beam spread beside it", () => {
    const m = (v: number) => ({ odDtwPerKm: v, odEdr: v / 10, reachedRate: 1 });
    const a = arm(
      'clear',
      van.map((v) => v - 0.5),
    );
    // Three OD pairs: the arm beats the baseline on the first two on every seed, loses the third.
    const perOd = (r: ReportSplit) =>
      r.arms.distilled.forEach((d) => {
        d.odDtwPerKm = [1, 1, 3];
      });
    perOd(a.bestFirst!);
    a.beam!.arms.distilled.forEach((d) => (d.spread = { median: 0.9, p90: 6.5 }));
    const t = resultsTables([
      {
        city: 'porto',
        split: 'test',
        arms: [a],
        baselines: { methods: { markovLength: { metrics: m(1.8), odDtwPerKm: [2, 2, 2], markov: { smoothing: 1, lengthPerKm: 3 } } } },
      },
    ]);
    const [vanilla, clear] = t.cities[0].vsBestBaseline!.models;
    expect(vanilla.share).toBeUndefined(); // its runs carry no per-OD values
    expect(clear.share).toMatchObject({ win: 10, tie: 0, loss: 5 });
    expect(clear.share!.share).toBeCloseTo(1 / 3, 10);
    expect(clear.beam).toEqual({ value: 1.5, spread: { median: 0.9, p90: 6.5 } });
    // Vanilla's per-OD values come from whichever arm's report carries them (an older first arm may not).
    const newer = arm('newer', van);
    newer.bestFirst!.arms.vanilla.forEach((v) => (v.odDtwPerKm = [3, 2, 2]));
    const both = resultsTables([
      {
        city: 'porto',
        split: 'test',
        arms: [a, newer],
        baselines: { methods: { markovLength: { metrics: m(1.8), odDtwPerKm: [2, 2, 2] } } },
      },
    ]);
    expect(both.cities[0].vsBestBaseline!.models[0].share).toMatchObject({ win: 0, tie: 10, loss: 5 });
    // Per-OD values of another OD list are not compared.
    a.bestFirst!.arms.distilled.forEach((d) => (d.odDtwPerKm = [1, 1]));
    const other = resultsTables([
      { city: 'porto', split: 'test', arms: [a], baselines: { methods: { markovLength: { metrics: m(1.8), odDtwPerKm: [2, 2, 2] } } } },
    ]);
    expect(other.cities[0].vsBestBaseline!.models[1].share).toBeUndefined();
  });

  it('refuses arms that pair different vanilla seeds', () => {
    const other = arm('other', van);
    other.bestFirst!.arms.vanilla = other.bestFirst!.arms.vanilla.map((v) => ({ ...v, seed: v.seed + 5 }));
    expect(() => resultsTables([{ city: 'porto', split: 'test', arms: [arm('a', van), other] }])).toThrow(/pairs vanilla seeds/);
  });
});

describe('the ship rule', () => {
  it('ships an arm better on one val measure and worse on none; else vanilla alone', async () => {
    const { shipDecision } = await import('../../src/lib/eval/resultsTable');
    const van = [2.0, 2.1, 1.9, 2.05, 1.95];
    const mk = (label: string, dis: number[]): ArmSources => ({
      label,
      source: 'test',
      bestFirst: report(van, dis),
      beam: report(van, dis),
    });
    const better = mk(
      'better',
      van.map((v) => v - 0.3),
    );
    const worse = mk(
      'worse',
      van.map((v) => v + 0.3),
    );
    const same = mk(
      'same',
      van.map((v, i) => v + (i % 2 ? 0.01 : -0.012)),
    );
    // No steps file: decision NLL not scored, so nothing qualifies.
    let t = resultsTables([{ city: 'porto', split: 'val', arms: [better, worse, same] }]);
    expect(shipDecision(t.cities[0]).chosen).toBeNull();
    const steps = (d: number[]) => ({
      vanilla: van.map((v, i) => ({ seed: i + 1, decisionNll: v / 10 })),
      distilled: d.map((v, i) => ({ seed: i + 1, decisionNll: v / 10 })),
      effects: {
        decisionNll: pairedEffect(
          van.map((v) => v / 10),
          d.map((v) => v / 10),
        ),
      },
    });
    better.steps = steps(van);
    worse.steps = steps(van.map((v) => v - 0.3));
    same.steps = steps(van);
    t = resultsTables([{ city: 'porto', split: 'val', arms: [better, worse, same] }]);
    const d = shipDecision(t.cities[0]);
    expect(d.candidates.map((c) => c.qualifies)).toEqual([true, false, false]);
    expect(d.chosen).toBe('better');
    t = resultsTables([{ city: 'porto', split: 'val', arms: [worse, same] }]);
    expect(shipDecision(t.cities[0]).sentence).toBe('no distilled recipe beat vanilla on val');
    // A control is read but never chosen, even when it is the best on val, and says why.
    const data: ArmSources = { ...better, label: 'routes control', control: true };
    data.steps = steps(van.map((v) => v - 0.5));
    const recipe = 'the same training plus the teacher';
    t = resultsTables([{ city: 'porto', split: 'val', vanillaRecipe: 'trips alone', arms: [data, { ...better, recipe }] }]);
    const withData = shipDecision(t.cities[0]);
    expect(withData.chosen).toBe('better');
    expect(withData.candidates[0]).toMatchObject({
      label: 'routes control',
      qualifies: false,
      why: 'a control, not a recipe',
      control: true,
    });
    expect(withData.vanilla).toEqual({ label: 'vanilla student', recipe: 'trips alone' });
    expect(withData.distilled).toEqual({ label: 'better', recipe });
    expect(resultsMarkdown(t, 'porto')).toContain('routes control (a control: test)');
    t = resultsTables([{ city: 'porto', split: 'val', arms: [data] }]);
    expect(shipDecision(t.cities[0])).toMatchObject({ chosen: null, distilled: null, sentence: 'no distilled recipe beat vanilla on val' });
    // A table whose no-teacher partner is another recipe (the route features) names it in its row and decision.
    t = resultsTables([{ city: 'porto', split: 'val', vanillaLabel: 'route features', vanillaRecipe: 'trips + routes', arms: [better] }]);
    expect(t.cities[0].rows.find((r) => r.kind === 'vanilla')?.label).toBe('route features');
    const named = shipDecision(t.cities[0]);
    expect(named.vanilla).toEqual({ label: 'route features', recipe: 'trips + routes' });
    expect(named.sentence).toBe('better ships beside route features: it beat that no-teacher partner on val and was worse on nothing.');
    t = resultsTables([{ city: 'porto', split: 'val', vanillaLabel: 'route features', arms: [worse, same] }]);
    expect(shipDecision(t.cities[0])).toMatchObject({
      chosen: null,
      vanilla: { label: 'route features' },
      sentence: 'no distilled recipe beat route features on val',
    });
    expect(shipDecision(t.cities[0]).candidates.map((c) => c.why)).toEqual([
      'worse than route features on val',
      'no better than route features on val',
    ]);
  });
});

describe('the vanilla slot (amendment 2)', () => {
  const van = [2.0, 2.1, 1.9, 2.05, 1.95];
  const arm = (label: string, dis: number[], nll: number[], extra: Partial<ArmSources> = {}): ArmSources => ({
    label,
    source: 'test',
    bestFirst: report(van, dis),
    beam: report(van, dis),
    steps: {
      vanilla: van.map((v, i) => ({ seed: i + 1, decisionNll: v / 10 })),
      distilled: nll.map((v, i) => ({ seed: i + 1, decisionNll: v })),
      effects: {
        decisionNll: pairedEffect(
          van.map((v) => v / 10),
          nll,
        ),
      },
    },
    ...extra,
  });
  const kl = arm(
    'arm d',
    van.map((v) => v - 0.3),
    van.map((v) => v / 10 - 0.02),
    { recipe: 'plain vanilla + the KL' },
  );
  const tables = (others: ArmSources[]) =>
    resultsTables([
      { city: 'San Francisco', split: 'val', arms: [kl] },
      { city: 'San Francisco, features', split: 'val', exploratory: true, arms: others },
    ]).cities;

  it('goes to the no-teacher recipe with the lowest val decision NLL whose DTW per km is not higher; the KL twins of plain vanilla then ship nothing', async () => {
    const { shipDecision } = await import('../../src/lib/eval/resultsTable');
    const features = arm(
      'route features',
      van.map((v) => v - 0.1),
      van.map((v) => v / 10 - 0.01),
      { recipe: 'trips, each candidate’s time left' },
    );
    const lower = arm(
      'lower NLL, longer routes',
      van.map((v) => v + 0.1),
      van.map((v) => v / 10 - 0.05),
    );
    const control = arm(
      'a control',
      van.map((v) => v - 0.5),
      van.map((v) => v / 10 - 0.09),
      { control: true },
    );
    const [ship, other] = tables([features, lower, control]);
    const d = shipDecision(
      ship,
      other.rows.filter((r) => r.kind === 'arm').map((row) => ({ table: other.city, row })),
    );
    expect(d.vanilla).toEqual({ label: 'route features', recipe: 'trips, each candidate’s time left', table: 'San Francisco, features' });
    expect(d.vanillaCandidates!.map((c) => [c.label, c.qualifies, c.why])).toEqual([
      ['route features', true, expect.stringMatching(/^holds the vanilla slot/)],
      ['lower NLL, longer routes', false, 'val DTW per km higher than plain vanilla’s'],
      ['a control', false, 'a control, not a recipe'],
    ]);
    // arm d beat plain vanilla on val, but it is plain vanilla's KL twin, not the features'.
    expect(d.chosen).toBeNull();
    expect(d.candidates[0]).toMatchObject({ label: 'arm d', qualifies: false, why: 'the KL on plain vanilla, not on route features' });
    expect(d.sentence).toBe('no distilled recipe beat route features on val');
    // Of two that qualify, the lower decision NLL holds the slot; the other says why not.
    const lowest = arm(
      'lowest',
      van.map((v) => v - 0.1),
      van.map((v) => v / 10 - 0.03),
    );
    const [s2, o2] = tables([features, lowest]);
    const d2 = shipDecision(
      s2,
      o2.rows.filter((r) => r.kind === 'arm').map((row) => ({ table: o2.city, row })),
    );
    expect(d2.vanilla.label).toBe('lowest');
    expect(d2.vanillaCandidates![0].why).toBe('a higher val decision NLL than lowest');
  });

  it('stays with plain vanilla when no candidate qualifies; the distilled slot is read as before', async () => {
    const { shipDecision } = await import('../../src/lib/eval/resultsTable');
    const worse = arm(
      'route features',
      van.map((v) => v - 0.1),
      van.map((v) => v / 10 + 0.01),
    );
    const [ship, other] = tables([worse]);
    const d = shipDecision(ship, [{ table: other.city, row: other.rows.find((r) => r.kind === 'arm')! }]);
    expect(d.vanilla).toEqual({ label: 'vanilla student', recipe: null });
    expect(d.vanillaCandidates![0]).toMatchObject({ qualifies: false, why: 'val decision NLL not below plain vanilla’s' });
    expect(d.chosen).toBe('arm d');
    expect(shipDecision(ship).vanillaCandidates).toBeUndefined();
    // Candidates are read against plain vanilla: a table whose partner is another recipe refuses them.
    const named = resultsTables([{ city: 'Porto', split: 'val', vanillaLabel: 'route features', arms: [kl] }]).cities[0];
    expect(() => shipDecision(named, [{ table: other.city, row: other.rows[0] }])).toThrow(/read against plain vanilla/);
  });
});

describe('contrasts between arms', () => {
  it('arm − arm on the same seeds, in the Holm family', () => {
    const van = [2.0, 2.1, 1.9, 2.05, 1.95];
    const mk = (label: string, dis: number[]): ArmSources => ({ label, source: 't', bestFirst: report(van, dis), beam: report(van, dis) });
    const a = mk(
      'teacher',
      van.map((v) => v - 0.5),
    );
    const b = mk(
      'uniform',
      van.map((v, i) => v - 0.5 + (i % 2 ? 0.001 : -0.001)),
    );
    const t = resultsTables([
      { city: 'porto', split: 'test', arms: [a, b], contrasts: [{ label: 'teacher − uniform', treated: 'teacher', control: 'uniform' }] },
    ]);
    const row = t.cities[0].rows.find((r) => r.kind === 'contrast')!;
    expect(row.cells.dtwPerKmBest.effect?.mean).toBeCloseTo(0.0002, 10);
    expect(row.cells.dtwPerKmBest.effect?.reading).toBe('no clear difference');
    expect(() =>
      resultsTables([{ city: 'porto', split: 'test', arms: [a], contrasts: [{ label: 'x', treated: 'teacher', control: 'nope' }] }]),
    ).toThrow(/names an arm/);
  });
});

describe('pooled seeds, outside the Holm family', () => {
  // Two studies of one recipe on disjoint seeds, each pairing its own vanilla runs.
  const part = (seedList: number[], van: number[], dis: number[]): ArmSources => {
    const m = (v: number) => ({ odDtwPerKm: v, odEdr: v / 10, reachedRate: 1 });
    const eff = pairedEffect(van, dis);
    const r: ReportSplit = {
      arms: {
        vanilla: van.map((v, i) => ({ seed: seedList[i], metrics: m(v) })),
        // Listed in another order than vanilla: pooling pairs by seed, not by position.
        distilled: dis.map((v, i) => ({ seed: seedList[i], metrics: m(v) })).reverse(),
      },
      effects: { odDtwPerKm: eff, odEdr: eff, reachedRate: eff },
    };
    return { label: 'part', source: 'test', bestFirst: r };
  };

  it('pools by seed: the effect is the t-interval over every seed pair', () => {
    const a = part([1, 2, 3], [2.0, 2.2, 2.1], [1.9, 2.0, 2.05]);
    const b = part([6, 7], [2.3, 1.8], [2.1, 1.75]);
    const pooled = poolArmSources('pooled', 'a and b', [a, b]);
    const want = pairedEffect([2.0, 2.2, 2.1, 2.3, 1.8], [1.9, 2.0, 2.05, 2.1, 1.75]);
    expect(pooled.bestFirst!.effects.odDtwPerKm.n).toBe(5);
    expect(pooled.bestFirst!.effects.odDtwPerKm.mean).toBeCloseTo(want.mean, 12);
    expect(pooled.bestFirst!.effects.odDtwPerKm.ci95[1]).toBeCloseTo(want.ci95[1], 12);
    expect(pooled.beam).toBeUndefined(); // neither part has one
  });

  it('refuses a seed in two parts', () => {
    const a = part([1, 2], [2, 2], [1, 1]);
    expect(() => poolArmSources('pooled', 'x', [a, a])).toThrow(/seed 1 is in more than one/);
  });

  it("an exploratory table leaves the whole-table family; its words, like every cell's, read its interval", () => {
    const clear = part([1, 2, 3, 4, 5], [2.0, 2.1, 1.9, 2.05, 1.95], [1.5, 1.58, 1.42, 1.55, 1.44]);
    const city = (exploratory: boolean) => ({ city: exploratory ? 'pooled' : 'main', split: 'test', arms: [clear], exploratory });
    const alone = resultsTables([city(false)]);
    const both = resultsTables([city(false), city(true)]);
    expect(both.comparisons).toBe(alone.comparisons);
    const cell = both.cities[1].rows.find((r) => r.kind === 'arm')!.cells.dtwPerKmBest.effect!;
    expect(Number.isNaN(cell.pHolm)).toBe(true);
    expect(cell).toMatchObject({ verdict: null, quality: 'better' });
    expect(both.cities[1].exploratory).toBe(true);
    expect(resultsMarkdown(both, 'pooled')).toContain('△');
    expect(resultsMarkdown(both, 'pooled')).not.toContain('▲');
  });
});
