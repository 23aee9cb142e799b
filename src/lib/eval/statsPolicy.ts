// The project's statistics policy (docs/experiments/statistics-policy.md), in one place: the words
// `eval results-table` writes and Compare shows for a paired comparison. Two kinds of comparison:
// - confirmatory: an endpoint of the registered family (docs/experiments/registration.md, E1–E3 of
//   the confirmation). Its verdict ("helps", "hurts", "no detectable effect") comes from its
//   Holm-adjusted p within that family;
// - exploratory: everything else. Its words come from its own 95 % interval ("lower", "higher",
//   "no clear difference"), tagged "exploratory", with the raw p beside.
// Whatever the kind, the words beside an interval never contradict it: a confirmatory "no detectable
// effect" whose own interval excludes 0 says so.

/** The policy's family-wise error rate, and the level of every interval (95 %). */
export const POLICY_ALPHA = 0.05;

/** Where the policy is written out (the Compare card links to it). */
export const POLICY_DOC = 'docs/experiments/statistics-policy.md';

/** What an interval says on its own: below 0, above 0, or across it. */
export type IntervalReading = 'lower' | 'higher' | 'no clear difference';

/** The registered verdicts (docs/experiments/registration.md). */
export type ConfirmatoryVerdict = 'helps' | 'hurts' | 'no detectable effect';

/** One paired comparison: treated − control, its 95 % interval and its raw two-sided p. */
export interface Comparison {
  mean: number;
  ci95: readonly [number, number];
  p: number;
  /** true: lower is better (NLL, DTW, EDR); false: higher is better (reached, win shares); absent: no direction. */
  lowerIsBetter?: boolean;
  /** Only for an endpoint of the registered family: its Holm-adjusted p within that family, and the family's size. */
  confirmatory?: { pHolm: number; family: number };
}

export interface PolicyVerdict {
  kind: 'confirmatory' | 'exploratory';
  /** The interval's own reading; null when there is no interval (one seed). */
  reading: IntervalReading | null;
  /** The reading through the metric's direction; null when across 0, unmeasured or without a direction. */
  quality: 'better' | 'worse' | null;
  /** The registered verdict (confirmatory only). */
  verdict: ConfirmatoryVerdict | null;
  /** The words, without numbers: "lower (better; interval excludes 0), exploratory". */
  words: string;
  /** The same, shorter, for a one-line answer: "better: lower, interval excludes 0 · exploratory". */
  short: string;
}

/** The interval's reading; null when it is not a finite, ordered interval. */
export function intervalReading(ci: readonly [number, number]): IntervalReading | null {
  const [lo, hi] = ci;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) return null;
  return hi < 0 ? 'lower' : lo > 0 ? 'higher' : 'no clear difference';
}

function qualityOf(reading: IntervalReading | null, lowerIsBetter: boolean | undefined): 'better' | 'worse' | null {
  if (lowerIsBetter === undefined || reading === null || reading === 'no clear difference') return null;
  return (reading === 'lower') === lowerIsBetter ? 'better' : 'worse';
}

/** "lower (better; interval excludes 0)", "no clear difference (interval includes 0)". */
function readingWords(reading: IntervalReading, quality: 'better' | 'worse' | null): string {
  if (reading === 'no clear difference') return 'no clear difference (interval includes 0)';
  return `${reading} (${quality ? `${quality}; ` : ''}interval excludes 0)`;
}

/** A p-value to two significant digits ("0.00012", "0.057", "1"). */
export function pText(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p >= 0.9995) return '1';
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/** The policy's verdict for one comparison. */
export function policyVerdict(c: Comparison, alpha = POLICY_ALPHA): PolicyVerdict {
  const reading = intervalReading(c.ci95);
  const quality = qualityOf(reading, c.lowerIsBetter);
  if (!c.confirmatory) {
    return {
      kind: 'exploratory',
      reading,
      quality,
      verdict: null,
      words: reading === null ? 'not measured (fewer than two seeds)' : `${readingWords(reading, quality)}, exploratory`,
      short: reading === null ? 'not measured' : `${shortReading(reading, quality)} · exploratory`,
    };
  }
  const { pHolm, family } = c.confirmatory;
  if (c.lowerIsBetter === undefined) throw new Error('a confirmatory endpoint needs a direction (lowerIsBetter)');
  // Holm's p is never below the raw p, so a significant Holm p has an interval that excludes 0 on the
  // same side; the check keeps a rounding edge from printing "helps" beside an interval across 0.
  const significant = pHolm < alpha && quality !== null;
  const verdict: ConfirmatoryVerdict = significant ? (quality === 'better' ? 'helps' : 'hurts') : 'no detectable effect';
  const holm = `Holm p ${pText(pHolm)} within the ${family} registered endpoints`;
  let words: string;
  if (reading === null) words = `${verdict}: not measured (fewer than two seeds), confirmatory`;
  else if (significant) words = `${verdict}, confirmed (${holm}); ${readingWords(reading, quality)}`;
  else if (reading === 'no clear difference') words = `${verdict}, not confirmed (${holm}); ${readingWords(reading, quality)}`;
  else words = `${verdict}, not confirmed (${holm} ≥ ${alpha}), though its own interval excludes 0: ${readingWords(reading, quality)}`;
  const short =
    reading === null
      ? 'not measured'
      : significant
        ? `${verdict}, confirmed`
        : reading === 'no clear difference'
          ? `${verdict}, interval includes 0`
          : `not confirmed, though its interval excludes 0 (${reading})`;
  return { kind: 'confirmatory', reading, quality, verdict, words, short };
}

function shortReading(reading: IntervalReading, quality: 'better' | 'worse' | null): string {
  if (reading === 'no clear difference') return 'no clear difference, interval includes 0';
  return `${quality ? `${quality}: ` : ''}${reading}, interval excludes 0`;
}

const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/** "−0.0146 [−0.0224, −0.0068]": a difference and its 95 % interval, signs always shown. */
export function intervalText(mean: number, ci95: readonly [number, number], digits: number): string {
  return `${signed(mean, digits)} [${signed(ci95[0], digits)}, ${signed(ci95[1], digits)}]`;
}

/** The one-line answer's form: short words, the interval, raw p ("better: lower, interval excludes 0 · exploratory: −0.0146 [−0.0224, −0.0068], p 0.003"). */
export function shortComparisonText(c: Comparison, digits: number, alpha = POLICY_ALPHA): string {
  const v = policyVerdict(c, alpha);
  if (v.reading === null) return v.short;
  return `${v.short}: ${intervalText(c.mean, c.ci95, digitsKeepingSide(c.ci95, digits))}, p ${pText(c.p)}`;
}

/**
 * The whole line for one comparison: words, the difference with its interval, and the raw p.
 * "lower (better; interval excludes 0), exploratory: −0.0146 [−0.0224, −0.0068], p 0.003".
 */
export function comparisonText(c: Comparison, digits: number, alpha = POLICY_ALPHA): string {
  const v = policyVerdict(c, alpha);
  if (v.reading === null) return v.words;
  return `${v.words}: ${intervalText(c.mean, c.ci95, digitsKeepingSide(c.ci95, digits))}, p ${pText(c.p)}`;
}

/**
 * At least `digits`, more where rounding would move a bound onto 0 (an interval just below 0 printed
 * as [−0.0000, −0.0000] would read as touching it): the printed interval reads as the words do.
 */
export function digitsKeepingSide(ci95: readonly [number, number], digits: number): number {
  const reading = intervalReading(ci95);
  let d = digits;
  while (d < 12 && intervalReading([Number(ci95[0].toFixed(d)), Number(ci95[1].toFixed(d))]) !== reading) d++;
  return d;
}

const NUM = String.raw`[+−-]?\d+(?:\.\d+)?(?:e[+−-]?\d+)?`;
const toNumber = (s: string): number => Number(s.replace('−', '-').replace('−', '-'));

/**
 * Reads a verdict line as a reader would (words, then "[lo, hi]") and says how its words contradict
 * its interval, or null when they agree. Independent of `policyVerdict`, so the unit tests and the
 * page's e2e check any text, not only what this module wrote.
 */
export function contradiction(text: string): string | null {
  const m = [...text.matchAll(new RegExp(String.raw`\[(${NUM}), (${NUM})\]`, 'g'))].pop();
  if (!m) return 'no interval in the text';
  const lo = toNumber(m[1]);
  const hi = toNumber(m[2]);
  const across = lo <= 0 && hi >= 0;
  const words = text.slice(0, m.index);
  if (across && /interval excludes 0/.test(words)) return `says "interval excludes 0" but [${lo}, ${hi}] includes 0`;
  if (!across && /interval includes 0/.test(words)) return `says "interval includes 0" but [${lo}, ${hi}] excludes it`;
  if (!across && /no clear difference/.test(words)) return `says "no clear difference" but [${lo}, ${hi}] excludes 0`;
  if (!across && /no detectable/.test(words) && !/excludes 0/.test(words))
    return `says "no detectable …" without saying that [${lo}, ${hi}] excludes 0`;
  if (across && /\b(helps|hurts)\b/.test(words)) return `says helps/hurts but [${lo}, ${hi}] includes 0`;
  if (/\blower\b/.test(words) && !(hi < 0)) return `says "lower" but [${lo}, ${hi}] is not below 0`;
  if (/\bhigher\b/.test(words) && !(lo > 0)) return `says "higher" but [${lo}, ${hi}] is not above 0`;
  return null;
}

/** What each way a comparison can come out means, in a reader's words ("Distilled routes come closer to the real trips"). */
export interface OutcomeWords {
  better: string;
  worse: string;
  /** The interval includes 0: the honest "about the same". */
  level: string;
}

/**
 * A comparison as a sentence a reader can take in at once: what happened, in the metric's own words,
 * then the difference with its interval, then the policy's reading in brackets. "Routes stray farther
 * from the real trips: +0.046 [+0.018, +0.074] DTW per km (interval excludes 0, p 0.011; exploratory)".
 * A confirmatory endpoint ends with its registered verdict ("registered: helps, confirmed, Holm p
 * 0.00035"). The words before the interval follow the interval's own reading, so they never contradict it.
 */
export function comparisonSentence(c: Comparison, outcome: OutcomeWords, digits: number, unit: string, alpha = POLICY_ALPHA): string {
  if (c.lowerIsBetter === undefined) throw new Error('a comparison sentence needs a direction (lowerIsBetter)');
  const v = policyVerdict(c, alpha);
  if (v.reading === null) return `${outcome.level}? Not measured (fewer than two seeds)`;
  const lead = v.quality === 'better' ? outcome.better : v.quality === 'worse' ? outcome.worse : outcome.level;
  const side = v.reading === 'no clear difference' ? 'interval includes 0' : 'interval excludes 0';
  // A registered endpoint's verdict speaks for it; where Holm does not confirm an interval that excludes 0, both are said.
  const tail =
    v.kind === 'exploratory'
      ? `${side}, p ${pText(c.p)}; exploratory`
      : v.verdict !== 'no detectable effect'
        ? `registered: ${v.verdict}, confirmed, Holm p ${pText(c.confirmatory!.pHolm)}`
        : `registered: no detectable effect, not confirmed, Holm p ${pText(c.confirmatory!.pHolm)}; ${side}`;
  return `${lead}: ${intervalText(c.mean, c.ci95, digitsKeepingSide(c.ci95, digits))}${unit ? ` ${unit}` : ''} (${tail})`;
}
