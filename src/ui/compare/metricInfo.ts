// What each report metric means, which direction is better, and how to print it. The table's
// hover text comes from here, so the wording follows the thesis §6.2 and App. A.2.
import type { MetricValue } from './reportTypes';

export type Better = 'lower' | 'higher';
export type MetricFormat = 'jsd' | 'km' | 'ratio' | 'rate' | 'speed';

export interface MetricInfo {
  key: string;
  label: string;
  group: 'Global distributions' | 'OD-paired (local)' | 'Coverage' | 'Spatial patterns' | 'Speed';
  better: Better;
  format: MetricFormat;
  explain: string;
  /** Shown before "show all": the thesis's headline metrics (thesis §6.2). */
  headline: boolean;
}

const JSD_NOTE =
  'Jensen–Shannon divergence (natural log, 0 … ln 2 ≈ 0.693) between the real and generated histograms, 100 bins on [0, max real] plus an overflow bin.';

export const METRICS: readonly MetricInfo[] = [
  {
    key: 'distanceJSD',
    label: 'Distance JSD',
    group: 'Global distributions',
    better: 'lower',
    format: 'jsd',
    explain: `Trip length (sum of hops between road centroids, km). ${JSD_NOTE}`,
    headline: true,
  },
  {
    key: 'durationJSD',
    label: 'Duration JSD',
    group: 'Global distributions',
    better: 'lower',
    format: 'jsd',
    explain: `Per-hop travel time (minutes between consecutive road entries). ${JSD_NOTE}`,
    headline: true,
  },
  {
    key: 'radiusJSD',
    label: 'Radius JSD',
    group: 'Global distributions',
    better: 'lower',
    format: 'jsd',
    explain: `Radius of gyration (mean km from a trip's points to their mean position). ${JSD_NOTE}`,
    headline: true,
  },
  {
    key: 'stepDistanceJSD',
    label: 'Step distance JSD',
    group: 'Global distributions',
    better: 'lower',
    format: 'jsd',
    explain: `Distance of each hop between consecutive roads (HTP). ${JSD_NOTE}`,
    headline: false,
  },
  {
    key: 'hausdorffKm',
    label: 'Hausdorff',
    group: 'OD-paired (local)',
    better: 'lower',
    format: 'km',
    explain:
      'Hausdorff distance (km) between a generated trip and a real trip with the same origin and destination cells (200 m grid), averaged over the pairs: the worst point-to-route gap.',
    headline: true,
  },
  {
    key: 'dtwKm',
    label: 'DTW',
    group: 'OD-paired (local)',
    better: 'lower',
    format: 'km',
    explain:
      'Dynamic time warping distance (km, summed over the aligned points) between OD-paired real and generated trips, averaged over the pairs: how far the whole route strays. A sum, so it grows with the trip: tens of km for a few-km route is normal; DTW per km divides it by the real trip’s length.',
    headline: true,
  },
  {
    key: 'dtwPerKm',
    label: 'DTW per km',
    group: 'OD-paired (local)',
    better: 'lower',
    format: 'ratio',
    explain:
      'DTW divided by the real trip’s length (km), so long trips do not dominate the mean: km strayed per km driven. Computed in the page over the OD pairs listed below (the real length from the dataset’s trips), ± its spread over those pairs; the File column over every route of the loaded file.',
    headline: true,
  },
  {
    key: 'edr',
    label: 'EDR',
    group: 'OD-paired (local)',
    better: 'lower',
    format: 'ratio',
    explain:
      'Edit distance on real sequences (match within 100 m), normalised by the longer trip: share of points that must be edited to turn one trip into the other.',
    headline: true,
  },
  {
    key: 'odMatchRate',
    label: 'OD match rate',
    group: 'Coverage',
    better: 'higher',
    format: 'rate',
    explain: "Share of generated trips whose actual (first, last) point pair, binned at 0.001°, occurs among the real trips' OD pairs.",
    headline: true,
  },
  {
    key: 'reachedRate',
    label: 'Reached destination',
    group: 'Coverage',
    better: 'higher',
    format: 'rate',
    explain:
      'Share of generated trips that reached the destination road before the step cap (the rest end at the partial path closest to it).',
    headline: true,
  },
  {
    key: 'gridDensityCos',
    label: 'Grid density (cos)',
    group: 'Spatial patterns',
    better: 'higher',
    format: 'ratio',
    explain:
      'Cosine similarity of point counts on 100 m cells, real vs generated (HTP): do the trips cover the city in the same proportions?',
    headline: false,
  },
  {
    key: 'gridPatternF1',
    label: 'Grid pattern F1',
    group: 'Spatial patterns',
    better: 'higher',
    format: 'ratio',
    explain: 'F1 between the top-100 busiest 100 m cells of real and generated trips (HTP).',
    headline: false,
  },
  {
    key: 'roadDensityCos',
    label: 'Road density (cos)',
    group: 'Spatial patterns',
    better: 'higher',
    format: 'ratio',
    explain: 'Cosine similarity of per-road visit counts, real vs generated (HTP).',
    headline: false,
  },
  {
    key: 'roadPatternF1',
    label: 'Road pattern F1',
    group: 'Spatial patterns',
    better: 'higher',
    format: 'ratio',
    explain: 'F1 between the top-100 most used roads of real and generated trips (HTP).',
    headline: false,
  },
  {
    key: 'tripsPerSec',
    label: 'Generation speed',
    group: 'Speed',
    better: 'higher',
    format: 'speed',
    explain: 'Generated trips per second (wall time of the generation, on the machine that wrote the report).',
    headline: false,
  },
];

export function formatMetric(v: number, format: MetricFormat): string {
  switch (format) {
    case 'jsd':
      return v.toFixed(4);
    case 'km':
      return v >= 100 ? v.toFixed(1) : v.toFixed(3);
    case 'ratio':
      return v.toFixed(3);
    case 'rate':
      return `${(v * 100).toFixed(1)}%`;
    case 'speed':
      return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  }
}

/** "0.0812 ± 0.0040" (or just the mean when the report gave a single number); "—" for null. */
export function formatValue(v: MetricValue | null, format: MetricFormat): { mean: string; std: string | null } {
  if (!v) return { mean: '—', std: null };
  return { mean: formatMetric(v.mean, format), std: v.std === null ? null : formatMetric(v.std, format) };
}
