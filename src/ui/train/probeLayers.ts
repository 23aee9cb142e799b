// deck.gl layers of the Train view's probe trip: each road of a fixed validation trip coloured by
// the student's probability of taking it (from the worker's TripProbe), and the road the student
// would take instead where it gets a decision wrong. Drawing only: the numbers come from the worker.
import { PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer, PickingInfo } from '@deck.gl/core';
import type { LonLat } from '../../lib/data/types';
import type { TripProbe } from '../../lib/train/tripProbe';
import type { Bounds, PathBundle } from '../../../workers/dataMessages';
import { roadCoords } from '../compare/routeGeometry';
import type { TooltipContent } from '../stores/mapLayers.svelte';
import { escapeHtml, fmtNum, tripIdText } from '../format';

type Rgb = [number, number, number];
const LOW: Rgb = [227, 102, 125];
const MID: Rgb = [230, 180, 80];
const HIGH: Rgb = [108, 196, 138];
/** The wrong road the student would take: a colour no probability maps to. */
export const WRONG_RGB: Rgb = [196, 120, 255];
export const FIRST_RGB: Rgb = [200, 208, 218];

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as Rgb;

/** Red (0) → amber (0.5) → green (1): the student's probability of the true next road. */
export function probColor(p: number): Rgb {
  const q = Math.min(1, Math.max(0, Number.isFinite(p) ? p : 0));
  return q < 0.5 ? mix(LOW, MID, q / 0.5) : mix(MID, HIGH, (q - 0.5) / 0.5);
}

export const rgbCss = (c: Rgb): string => `rgb(${c[0]},${c[1]},${c[2]})`;

interface ProbePath {
  path: LonLat[];
  color: Rgb;
  /** Index into probe.steps, or −1 for the first road. */
  step: number;
  wrong: boolean;
}

const ROAD_LAYER = 'train-probe-roads';
const WRONG_LAYER = 'train-probe-wrong';

/** Paths of the probe on `roads`; null when the probe's road ids are not all in this network. */
export function probePaths(probe: TripProbe, roads: PathBundle): ProbePath[] | null {
  if (probe.roads.some((r) => r < 0 || r >= roads.count)) return null;
  const out: ProbePath[] = [{ path: roadCoords(roads, probe.roads[0]), color: FIRST_RGB, step: -1, wrong: false }];
  probe.steps.forEach((s, k) => {
    out.push({ path: roadCoords(roads, s.next), color: probColor(s.pNext), step: k, wrong: false });
    if (s.nCands >= 2 && s.choice !== s.next) out.push({ path: roadCoords(roads, s.choice), color: WRONG_RGB, step: k, wrong: true });
  });
  return out;
}

export function probeBounds(paths: ProbePath[]): Bounds {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const p of paths)
    for (const [x, y] of p.path) {
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    }
  return [w, s, e, n];
}

export function probeLayers(paths: ProbePath[]): Layer[] {
  const ends = [
    paths[0].path[0],
    paths
      .filter((p) => !p.wrong)
      .at(-1)!
      .path.at(-1)!,
  ];
  return [
    new PathLayer<ProbePath>({
      id: WRONG_LAYER,
      data: paths.filter((p) => p.wrong),
      getPath: (d) => d.path,
      getColor: [...WRONG_RGB, 230],
      getWidth: 4,
      widthUnits: 'pixels',
      capRounded: true,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 220],
    }),
    new PathLayer<ProbePath>({
      id: ROAD_LAYER,
      data: paths.filter((p) => !p.wrong),
      getPath: (d) => d.path,
      getColor: (d) => [...d.color, 255],
      getWidth: 7,
      widthUnits: 'pixels',
      jointRounded: true,
      capRounded: true,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 220],
    }),
    new ScatterplotLayer<LonLat>({
      id: 'train-probe-ends',
      data: ends,
      getPosition: (d) => d,
      getFillColor: (_d, { index }) => (index === 0 ? [250, 250, 250, 255] : [20, 24, 30, 255]),
      getLineColor: [250, 250, 250, 255],
      getRadius: 7,
      radiusUnits: 'pixels',
      stroked: true,
      lineWidthMinPixels: 2.5,
    }),
  ];
}

export function probeTooltip(info: PickingInfo, probe: TripProbe): TooltipContent | null {
  const d = info.object as ProbePath | undefined;
  if (!d) return null;
  if (d.step < 0) return { html: `<div class="tt-row">Start of trip <b>${escapeHtml(tripIdText(probe.trip))}</b></div>` };
  const s = probe.steps[d.step];
  const head = `<div class="tt-row">Step ${d.step + 1} of ${probe.steps.length} · ${s.nCands} candidate${s.nCands === 1 ? '' : 's'}</div>`;
  if (d.wrong)
    return { html: `${head}<div class="tt-row">The student would turn onto road ${s.choice} here; the trip took road ${s.next}.</div>` };
  return {
    html: `${head}<div class="tt-row">Road ${s.next}: the student gives it <b>${fmtNum(100 * s.pNext, 1)} %</b>${s.choice === s.next ? ' (its top choice)' : ''}.</div>`,
  };
}
