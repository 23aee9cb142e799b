// The reading of registration 2 (docs/experiments/registration-route-features.md): the route
// recipe against the best val-chosen baseline (E1 the mean per-OD DTW-per-km difference, E2 the
// per-OD win − loss share, both resampled over OD pairs with a sign-flip p) and against the routes
// control (E3 test decision NLL, paired t over seeds), Holm over those three alone. Written before
// any of its runs, so that the reading is fixed before the numbers exist.
import { holmAdjust, pairedP } from './multiplicity';
import type { PairedEffect } from './paired';
import { digitsKeepingSide, intervalText } from './statsPolicy';

export interface RegisteredRoutesInput {
  /** E1: recipe − baseline, per OD the mean over seeds, then the mean over OD pairs (WinTieLoss.meanDiff). */
  meanDiff: { mean: number; ci95: [number, number]; p: number };
  /** E2: the win − loss share against the baseline (WinTieLoss). */
  share: { share: number; ci95: [number, number]; p: number; win: number; tie: number; loss: number; nOd: number };
  /** E3: decision NLL, recipe − routes control, one difference per seed. */
  nll: Pick<PairedEffect, 'n' | 'mean' | 'sd' | 'ci95'>;
}

export interface RegisteredRoutesEndpoint {
  id: 'E1' | 'E2' | 'E3';
  label: string;
  /** What the effect is averaged over (OD pairs or seed pairs) and how many. */
  unit: string;
  mean: number;
  ci95: [number, number];
  p: number;
  /** Holm over the three registered endpoints. */
  pHolm: number;
  verdict: string;
}

export interface RegisteredRoutesResult {
  alpha: number;
  endpoints: RegisteredRoutesEndpoint[];
  /** The registration's two conclusions. */
  beatsBaseline: boolean;
  improvesOnControl: boolean;
}

/** One registered endpoint before adjustment: its effect, and its verdict words for a negative, positive or no effect. */
export interface EndpointEffect extends Omit<RegisteredRoutesEndpoint, 'pHolm' | 'verdict'> {
  words: [negative: string, positive: string, none: string];
}

/**
 * Holm over the given endpoints alone, then each one's verdict from its adjusted p and the sign of
 * its effect: the one rule every registration's reading follows.
 */
export function adjustEndpoints(effects: readonly EndpointEffect[], alpha: number): RegisteredRoutesEndpoint[] {
  const holm = holmAdjust(effects.map((e) => e.p));
  return effects.map(({ words, ...e }, i) => ({
    ...e,
    pHolm: holm[i],
    verdict: holm[i] < alpha ? (e.mean < 0 ? words[0] : e.mean > 0 ? words[1] : words[2]) : words[2],
  }));
}

/** The words of a win − loss share's verdict, by the sign of the share. */
export const SHARE_WORDS: EndpointEffect['words'] = ['more losses than wins', 'more wins than losses', 'no detectable difference'];

/** E1 (the mean per-OD DTW-per-km difference) and E2 (the per-OD win − loss share) against the baseline, as both registrations read them. */
export function baselineEndpoints(
  meanDiff: RegisteredRoutesInput['meanDiff'],
  share: RegisteredRoutesInput['share'],
): [EndpointEffect, EndpointEffect] {
  return [
    {
      id: 'E1',
      label: 'mean DTW per km − the baseline',
      unit: `${share.nOd} OD pairs`,
      mean: meanDiff.mean,
      ci95: meanDiff.ci95,
      p: meanDiff.p,
      words: ['below the baseline', 'above the baseline', 'no detectable difference'],
    },
    {
      id: 'E2',
      label: `per-OD win − loss share against the baseline (${share.win} wins, ${share.tie} ties, ${share.loss} losses)`,
      unit: `${share.nOd} OD pairs`,
      mean: share.share,
      ci95: share.ci95,
      p: share.p,
      words: SHARE_WORDS,
    },
  ];
}

/** The registered verdict words of each endpoint from its Holm p and the sign of its effect. */
export function readRegisteredRoutes(x: RegisteredRoutesInput, alpha = 0.05): RegisteredRoutesResult {
  const endpoints = adjustEndpoints(
    [
      ...baselineEndpoints(x.meanDiff, x.share),
      {
        id: 'E3',
        label: 'decision NLL − the routes control',
        unit: `${x.nll.n} seed pairs`,
        mean: x.nll.mean,
        ci95: x.nll.ci95,
        p: pairedP(x.nll),
        words: ['helps', 'hurts', 'no detectable effect'],
      },
    ],
    alpha,
  );
  return {
    alpha,
    endpoints,
    beatsBaseline: endpoints[0].verdict === 'below the baseline' && endpoints[1].verdict === 'more wins than losses',
    improvesOnControl: endpoints[2].verdict === 'helps',
  };
}

/**
 * An endpoint's mean and interval as printed everywhere: NLL to 4 places (registration 2's E3), the
 * route endpoints to 3 (registration 3's E3 is a share).
 */
export function endpointInterval(e: Pick<RegisteredRoutesEndpoint, 'id' | 'mean' | 'ci95'>, e3IsNll = true): string {
  return intervalText(e.mean, e.ci95, digitsKeepingSide(e.ci95, e.id === 'E3' && e3IsNll ? 4 : 3));
}

/**
 * A registration's three endpoints as a Markdown table, the one both registrations print (E3 to 4
 * places where it is decision NLL, registration 2; to 3 where it is a share, registration 3).
 */
export function endpointsMarkdown(
  endpoints: readonly RegisteredRoutesEndpoint[],
  baseline: string,
  split: string,
  e3IsNll: boolean,
): string {
  const rows = endpoints.map(
    (e) =>
      `| ${e.id}: ${e.label} | ${e.unit} | ${endpointInterval(e, e3IsNll)} | ${e.p.toPrecision(2)} | ${e.pHolm.toPrecision(2)} | ${e.verdict} |`,
  );
  return [
    `| endpoint (${split}; baseline: ${baseline}) | over | mean [95 % CI] | p | Holm p (3 endpoints) | registered verdict |`,
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The registered result as a Markdown table and its two conclusions. */
export function registeredRoutesMarkdown(r: RegisteredRoutesResult, baseline: string, split = 'test'): string {
  return [
    endpointsMarkdown(r.endpoints, baseline, split, true),
    '',
    `The recipe ${r.beatsBaseline ? 'beats' : 'does not beat'} the best val-chosen baseline on ${split}, and ${r.improvesOnControl ? 'improves' : 'does not improve'} on the routes control's decision NLL (α ${r.alpha}, Holm over the three registered endpoints).`,
  ].join('\n');
}

/**
 * A registered reading against the best baseline as its command writes it (the baseline's method key
 * and the split beside it). E1 and E2 are the same in both registrations; E3 and the second
 * conclusion differ: registration 2 (`eval registered-routes --out`) reads decision NLL against the
 * routes control (improvesOnControl), registration 3 (`eval registered-long --out`) the share on the
 * long third of the real trips' lengths (winsLongTrips, cutsKm).
 */
export interface RegisteredRoutesReading extends Omit<RegisteredRoutesResult, 'improvesOnControl'> {
  baseline: string;
  split: string;
  command?: string;
  improvesOnControl?: boolean;
  winsLongTrips?: boolean;
  /** The real trip's length (km) at the thirds' cuts (registration 3). */
  cutsKm?: [number, number];
}

/** Whether a reading's E3 is the long third's share (registration 3) rather than decision NLL (registration 2). */
export const readsLongTrips = (r: RegisteredRoutesReading): boolean => typeof r.winsLongTrips === 'boolean';

/**
 * A registration against the best baseline as the results file carries it to Compare: the reading,
 * the registration it follows, and the results table and row of the recipe it confirms (the answer
 * shows it beside that row).
 */
export interface RegisteredRoutesEntry {
  registration: string;
  /** The results table (its title) and row (its label) of the confirmed recipe. */
  table: string;
  row: string;
  /** The seeds in words ("16–25"). */
  seeds: string;
  /** The registered search in words ("best-first, tail guard at 1.2"). */
  search: string;
  /** The baseline in plain words, as the table names it. */
  baselineLabel: string;
  reading: RegisteredRoutesReading;
}

const isInterval = (x: unknown): x is [number, number] =>
  Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === 'number' && Number.isFinite(v));

/** A reading read back from its JSON: its three endpoints complete, or an error saying what is missing. */
export function parseRegisteredRoutesReading(value: unknown): RegisteredRoutesReading {
  const v = value as Partial<RegisteredRoutesReading> | null;
  if (!v || typeof v !== 'object' || typeof v.baseline !== 'string' || typeof v.split !== 'string')
    throw new Error('not a registered-routes reading (eval registered-routes --out): no baseline or split');
  const ids = (v.endpoints ?? []).map((e) => e?.id).join(',');
  if (!Array.isArray(v.endpoints) || ids !== 'E1,E2,E3') throw new Error(`a registered-routes reading needs E1, E2 and E3, not "${ids}"`);
  for (const e of v.endpoints)
    if (typeof e.mean !== 'number' || !isInterval(e.ci95) || typeof e.pHolm !== 'number' || typeof e.verdict !== 'string')
      throw new Error(`registered endpoint ${e.id} lacks its mean, interval, Holm p or verdict`);
  if (typeof v.beatsBaseline !== 'boolean' || (typeof v.improvesOnControl !== 'boolean') === (typeof v.winsLongTrips !== 'boolean'))
    throw new Error('a registered-routes reading needs its two conclusions (beatsBaseline, and improvesOnControl or winsLongTrips)');
  return v as RegisteredRoutesReading;
}
