// The reading of registration 3 (docs/experiments/registration-3.md): the final recipe's routes
// against the best val-chosen baseline on test. E1 the mean per-OD DTW-per-km difference and E2 the
// per-OD win − loss share, both over every OD pair; E3 the same share on the long third of the real
// trips' lengths, where the earlier recipes lost most. Each is resampled over OD pairs (each OD
// pair's seeds together) with a sign-flip p; Holm over those three alone. Written before any of its
// runs, so that the reading is fixed before the numbers exist.
import { strataReading, type Stratum } from './lengthStrata';
import { SHARE_WORDS, adjustEndpoints, baselineEndpoints, endpointsMarkdown, type RegisteredRoutesEndpoint } from './registeredRoutes';

export interface RegisteredLongResult {
  alpha: number;
  /** The real trip's length (km) at the thirds' cuts; the long third is above the second. */
  cutsKm: [number, number];
  endpoints: RegisteredRoutesEndpoint[];
  /** E1 below the baseline and E2 more wins than losses. */
  beatsBaseline: boolean;
  /** E3 more wins than losses. */
  winsLongTrips: boolean;
}

/**
 * `recipe[seed][od]` is the recipe's DTW per km on each OD pair (null where unscored), `baseline[od]`
 * the baseline's, `realKm[od]` the real trip's length, all in the split's OD order.
 */
export function readRegisteredLongTrips(
  recipe: ReadonlyArray<ReadonlyArray<number | null>>,
  baseline: ReadonlyArray<number | null>,
  realKm: readonly number[],
  alpha = 0.05,
): RegisteredLongResult {
  // The strata tables' own reading (same bootstrap), so the registered figures are the table's.
  const reading = strataReading(recipe, baseline, realKm, { resamples: 2000, seed: 31_337 });
  const stratum = (name: Stratum) => reading.strata.find((x) => x.stratum === name)!;
  const [all, long] = [stratum('all'), stratum('long')];
  const endpoints = adjustEndpoints(
    [
      ...baselineEndpoints({ mean: all.meanDiff, ci95: all.meanDiffCi95, p: all.meanDiffP }, all),
      {
        id: 'E3',
        label: `the same share on the long third, real trips over ${reading.cutsKm[1].toFixed(2)} km (${long.win} wins, ${long.tie} ties, ${long.loss} losses)`,
        unit: `${long.nOd} OD pairs`,
        mean: long.share,
        ci95: long.ci95,
        p: long.p,
        words: SHARE_WORDS,
      },
    ],
    alpha,
  );
  return {
    alpha,
    cutsKm: reading.cutsKm,
    endpoints,
    beatsBaseline: endpoints[0].verdict === 'below the baseline' && endpoints[1].verdict === 'more wins than losses',
    winsLongTrips: endpoints[2].verdict === 'more wins than losses',
  };
}

/** The registered result as a Markdown table and its two conclusions. */
export function registeredLongTripsMarkdown(r: RegisteredLongResult, baseline: string, split = 'test'): string {
  return [
    endpointsMarkdown(r.endpoints, baseline, split, false),
    '',
    `The recipe ${r.beatsBaseline ? 'beats' : 'does not beat'} the best val-chosen baseline on ${split}, and ${r.winsLongTrips ? 'wins more than it loses' : 'does not win more than it loses'} on the long third (α ${r.alpha}, Holm over the three registered endpoints).`,
  ].join('\n');
}
