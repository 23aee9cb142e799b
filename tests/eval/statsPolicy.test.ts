import { describe, it, expect } from 'vitest';
import {
  comparisonSentence,
  comparisonText,
  shortComparisonText,
  contradiction,
  intervalReading,
  pText,
  policyVerdict,
  type Comparison,
} from '../../src/lib/eval/statsPolicy';
import { makeRng } from '../../src/lib/random';

const SIDES = { better: 'It came out ahead', worse: 'It fell behind', level: 'It kept level' };

describe('the statistics policy', () => {
  it('exploratory words come from the interval alone, with direction and raw p', () => {
    const c: Comparison = { mean: -0.0146, ci95: [-0.0224, -0.0068], p: 0.003, lowerIsBetter: true };
    expect(policyVerdict(c)).toMatchObject({ kind: 'exploratory', reading: 'lower', quality: 'better', verdict: null });
    expect(comparisonText(c, 4)).toBe('lower (better; interval excludes 0), exploratory: −0.0146 [−0.0224, −0.0068], p 0.003');
    expect(policyVerdict({ ...c, lowerIsBetter: false }).quality).toBe('worse');
    expect(policyVerdict({ ...c, lowerIsBetter: undefined }).words).toBe('lower (interval excludes 0), exploratory');
    expect(policyVerdict({ mean: 0.1, ci95: [-0.2, 0.4], p: 0.5, lowerIsBetter: true }).words).toBe(
      'no clear difference (interval includes 0), exploratory',
    );
    expect(policyVerdict({ mean: 0.3, ci95: [0.1, 0.5], p: 0.01, lowerIsBetter: false })).toMatchObject({
      reading: 'higher',
      quality: 'better',
    });
    expect(policyVerdict({ mean: 1, ci95: [NaN, NaN], p: NaN }).reading).toBeNull();
    expect(shortComparisonText(c, 4)).toBe('better: lower, interval excludes 0 · exploratory: −0.0146 [−0.0224, −0.0068], p 0.003');
  });

  it('confirmatory verdicts come from the Holm p within the registered family, and say when the interval disagrees', () => {
    const e3: Comparison = {
      mean: -0.0994,
      ci95: [-0.1858, -0.0129],
      p: 0.0287,
      lowerIsBetter: true,
      confirmatory: { pHolm: 0.0574, family: 3 },
    };
    const v = policyVerdict(e3);
    expect(v).toMatchObject({ kind: 'confirmatory', verdict: 'no detectable effect', reading: 'lower', quality: 'better' });
    expect(v.words).toBe(
      'no detectable effect, not confirmed (Holm p 0.057 within the 3 registered endpoints ≥ 0.05), though its own interval excludes 0: lower (better; interval excludes 0)',
    );
    const e1 = policyVerdict({
      mean: -0.0107,
      ci95: [-0.0144, -0.007],
      p: 0.00012,
      lowerIsBetter: true,
      confirmatory: { pHolm: 0.00035, family: 3 },
    });
    expect(e1.verdict).toBe('helps');
    expect(v.short).toBe('not confirmed, though its interval excludes 0 (lower)');
    expect(e1.short).toBe('helps, confirmed');
    expect(e1.words).toMatch(/^helps, confirmed \(Holm p 0.00035 within the 3 registered endpoints\); lower/);
    const hurts = policyVerdict({ mean: 0.2, ci95: [0.1, 0.3], p: 0.001, lowerIsBetter: true, confirmatory: { pHolm: 0.003, family: 3 } });
    expect(hurts.verdict).toBe('hurts');
    // A Holm p below α beside an interval across 0 (a rounding edge) is never "helps".
    expect(
      policyVerdict({ mean: -0.1, ci95: [-0.2, 0.0001], p: 0.049, lowerIsBetter: true, confirmatory: { pHolm: 0.049, family: 1 } }).verdict,
    ).toBe('no detectable effect');
    expect(() => policyVerdict({ mean: 0, ci95: [-1, 1], p: 1, confirmatory: { pHolm: 1, family: 3 } })).toThrow(/direction/);
  });

  it('property: no verdict line contradicts its interval, over many intervals, kinds and directions', () => {
    const rng = makeRng(50);
    let excluded = 0;
    let across = 0;
    for (let i = 0; i < 5000; i++) {
      const scale = 10 ** Math.floor(rng() * 6 - 4);
      const mean = (rng() * 2 - 1) * scale;
      const half = rng() * scale * (rng() < 0.1 ? 0 : 1.5);
      const ci95: [number, number] = [mean - half, mean + half];
      const p = rng();
      const dir = [true, false, undefined][Math.floor(rng() * 3)];
      const confirmatory = rng() < 0.5 && dir !== undefined ? { pHolm: Math.min(1, p * (1 + rng() * 3)), family: 3 } : undefined;
      const c: Comparison = { mean, ci95, p, lowerIsBetter: dir, confirmatory };
      for (const digits of [2, 3, 4, 6]) {
        // Rounded as printed, yet read on the same side of 0 as the words (more digits where needed).
        for (const text of [comparisonText(c, digits), shortComparisonText(c, digits)]) expect(contradiction(text), text).toBeNull();
        if (dir === undefined || digits !== 3) continue;
        // The sentence's lead follows the interval's reading, and so does its bracketed tail.
        const sentence = comparisonSentence(c, SIDES, digits, 'km');
        expect(contradiction(sentence), sentence).toBeNull();
        const reading = intervalReading(ci95);
        const q = policyVerdict(c).quality;
        expect(sentence.startsWith(q === 'better' ? SIDES.better : q === 'worse' ? SIDES.worse : SIDES.level), sentence).toBe(true);
        if (!confirmatory || policyVerdict(c).verdict === 'no detectable effect')
          expect(sentence, sentence).toMatch(reading === 'no clear difference' ? /[(;] ?interval includes 0/ : /[(;] ?interval excludes 0/);
        else expect(sentence, sentence).toMatch(/\(registered: (helps|hurts), confirmed/);
      }
      if (intervalReading(ci95) === 'no clear difference') across++;
      else excluded++;
    }
    expect(excluded).toBeGreaterThan(500);
    expect(across).toBeGreaterThan(500);
  });

  it('a comparison sentence reads as one: what happened, the interval, the reading; confirmatory with its registered verdict', () => {
    const c: Comparison = { mean: -0.029, ci95: [-0.047, -0.011], p: 0.0025, lowerIsBetter: false };
    expect(comparisonSentence(c, SIDES, 3, 'per pair')).toBe(
      'It fell behind: −0.029 [−0.047, −0.011] per pair (interval excludes 0, p 0.0025; exploratory)',
    );
    const reg: Comparison = { ...c, lowerIsBetter: true, confirmatory: { pHolm: 0.06, family: 3 } };
    expect(comparisonSentence(reg, SIDES, 3, '')).toBe(
      'It came out ahead: −0.029 [−0.047, −0.011] (registered: no detectable effect, not confirmed, Holm p 0.06; interval excludes 0)',
    );
    expect(comparisonSentence({ ...reg, confirmatory: { pHolm: 0.0004, family: 3 } }, SIDES, 3, 'nats')).toBe(
      'It came out ahead: −0.029 [−0.047, −0.011] nats (registered: helps, confirmed, Holm p 0.0004)',
    );
    expect(() => comparisonSentence({ ...c, lowerIsBetter: undefined }, SIDES, 3, '')).toThrow(/direction/);
  });

  it('the checker itself fails the contradictions the issue found on main', () => {
    expect(contradiction('no detectable difference (decision NLL −0.0146 [−0.0224, −0.0068])')).toMatch(/excludes 0/);
    expect(contradiction('no clear difference (interval includes 0), exploratory: −2.305 [−3.775, −0.834]')).not.toBeNull();
    expect(contradiction('lower (better; interval excludes 0), exploratory: −0.1 [−0.3, +0.1]')).not.toBeNull();
    expect(contradiction('higher (interval excludes 0), exploratory: −0.2 [−0.3, −0.1]')).not.toBeNull();
    expect(contradiction('helps, confirmed: −0.1 [−0.3, +0.1]')).not.toBeNull();
    expect(contradiction('lower (better; interval excludes 0), exploratory: −0.2 [−0.3, −0.1], p 0.01')).toBeNull();
  });

  it('p to two significant digits', () => {
    expect([pText(0.0287), pText(1), pText(0.99999), pText(3e-6), pText(NaN)]).toEqual(['0.029', '1', '1', '3.0e-6', '–']);
  });
});
