// deck.gl layers of the comparison on the shared map: one line mesh per route kind (real trips,
// routes loaded from a file, vanilla, distilled; StyledPathsLayer, which a software renderer draws far sooner than a
// PathLayer), one per route baseline (whichever the eval worker computes: generate/baselines.ts
// BASELINE_METHODS, so a new baseline needs no change here), OD markers, and a TripsLayer for the
// animation. Visibility goes through `visible`, so a toggle never rebuilds the paths.
import { ScatterplotLayer } from '@deck.gl/layers';
import { StyledPathsLayer } from '../map/styledPathsLayer';
import { TripsLayer } from '@deck.gl/geo-layers';
import type { Layer, PickingInfo } from '@deck.gl/core';
import type { LonLat } from '../../lib/data/types';
import { escapeHtml, fmtNum } from '../format';
import type { TooltipContent } from '../stores/mapLayers.svelte';
import type { TimedPath } from './routeGeometry';
import { MODEL_NAME, baselineTitle } from '../../lib/eval/displayNames';

export type RouteKind = 'real' | 'file' | 'vanilla' | 'distilled';
/** In drawing order: 'file' is the routes loaded from a file (any generator's), drawn when one is loaded. */
export const ROUTE_KINDS: readonly RouteKind[] = ['real', 'file', 'vanilla', 'distilled'];
/** The kinds always listed in the legend (the committed or re-run report's). */
export const REPORT_ROUTE_KINDS: readonly RouteKind[] = ['real', 'vanilla', 'distilled'];

export const ROUTE_RGB: Record<RouteKind, [number, number, number]> = {
  real: [236, 240, 245],
  file: [186, 130, 255],
  vanilla: [245, 152, 66],
  distilled: [64, 214, 164],
};

export const ROUTE_LABEL: Record<RouteKind, string> = {
  real: MODEL_NAME.real,
  file: 'Routes from file',
  vanilla: MODEL_NAME.vanilla,
  distilled: MODEL_NAME.distilled,
};

/**
 * Widths stepped in drawing order, so routes that share roads all stay visible: the real trip
 * widest and translucent underneath, vanilla as a band on it, distilled as a thin line on top.
 * Where the three coincide they read as nested stripes rather than the top one hiding the others.
 */
export const ROUTE_WIDTH: Record<RouteKind, number> = { real: 14, file: 11, vanilla: 8, distilled: 3 };
// The real trip's band reads white, not grey, under the coloured lines.
const ALPHA: Record<RouteKind, number> = { real: 175, file: 220, vanilla: 235, distilled: 255 };
/** The animation's heads, stepped the same way. */
const TRIP_WIDTH: Record<RouteKind, number> = { real: 11, file: 9, vanilla: 7, distilled: 3 };

/** How a route baseline is drawn and named: the known ones by name, any other from the palette by its place. */
export interface BaselineStyle {
  name: string;
  label: string;
  rgb: [number, number, number];
}

/**
 * Thin lines in saturated colours apart from the students': sky, gold, rose, lime, violet, then red.
 * None is grey or white: the real trip is the only achromatic line on the map (a grey baseline
 * beside the translucent white real trip read as the same line).
 */
export const BASELINE_PALETTE: [number, number, number][] = [
  [96, 170, 255],
  [238, 206, 70],
  [250, 110, 160],
  [150, 220, 90],
  [196, 100, 255],
  [255, 80, 60],
];
export const BASELINE_WIDTH = 4;

export function baselineStyle(name: string, index: number): BaselineStyle {
  return {
    name,
    label: baselineTitle(name),
    rgb: BASELINE_PALETTE[index % BASELINE_PALETTE.length],
  };
}

/** A baseline's legend row: its style, routes drawn and detail line. */
export interface BaselineRow {
  style: BaselineStyle;
  count: number;
  detail: string;
}

/** One baseline's drawn routes and whether its toggle is on. */
export interface BaselineLayer {
  style: BaselineStyle;
  paths: DrawnPath[];
  visible: boolean;
}

export interface DrawnPath extends TimedPath {
  kind: RouteKind | 'baseline';
  /** A baseline's route: its style (colour, label). */
  baseline?: BaselineStyle;
  /** Tooltip title: the real trip id, the model name or the loaded route's id. */
  title: string;
  /** Tooltip detail line. */
  detail: string;
  /** Length along the drawn geometry. */
  km: number;
}

export interface OdMarker {
  position: LonLat;
  role: 'origin' | 'destination';
  road: number;
}

export interface AnimationState {
  /** Seconds since every trip's start; null hides the animation layer. */
  time: number | null;
  trailSeconds: number;
}

export function layerId(kind: RouteKind): string {
  return `compare-${kind}`;
}

export function compareLayers(
  paths: Record<RouteKind, DrawnPath[]>,
  visible: Record<RouteKind, boolean>,
  markers: OdMarker[],
  anim: AnimationState,
  baselines: readonly BaselineLayer[] = [],
): Layer[] {
  const layers: Layer[] = ROUTE_KINDS.map((kind) => {
    const color = [...ROUTE_RGB[kind], anim.time === null ? ALPHA[kind] : Math.round(ALPHA[kind] * 0.35)] as const;
    return new StyledPathsLayer<DrawnPath>({
      id: layerId(kind),
      data: paths[kind],
      getPath: (d) => d.path,
      getColor: () => color,
      getWidth: () => ROUTE_WIDTH[kind],
      visible: visible[kind],
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 200],
      updateTriggers: { getColor: anim.time === null },
    });
  });
  // Baselines under the students' lines (thin, opaque), over the real trip's band.
  layers.splice(
    1,
    0,
    ...baselines.map((b) => {
      const color = [...b.style.rgb, anim.time === null ? 235 : 80] as const;
      return new StyledPathsLayer<DrawnPath>({
        id: `compare-baseline-${b.style.name}`,
        data: b.paths,
        getPath: (d) => d.path,
        getColor: () => color,
        getWidth: () => BASELINE_WIDTH,
        visible: b.visible,
        pickable: true,
        autoHighlight: true,
        highlightColor: [255, 255, 255, 200],
        updateTriggers: { getColor: anim.time === null },
      });
    }),
  );
  layers.push(
    new ScatterplotLayer<OdMarker>({
      id: 'compare-od',
      data: markers,
      getPosition: (d) => d.position,
      getFillColor: (d) => (d.role === 'origin' ? [250, 250, 250, 255] : [20, 24, 30, 255]),
      getLineColor: [250, 250, 250, 255],
      getRadius: 7,
      radiusUnits: 'pixels',
      stroked: true,
      lineWidthMinPixels: 2.5,
      pickable: true,
    }),
  );
  if (anim.time !== null) {
    const all = [...ROUTE_KINDS.flatMap((k) => (visible[k] ? paths[k] : [])), ...baselines.flatMap((b) => (b.visible ? b.paths : []))];
    layers.push(
      new TripsLayer<DrawnPath>({
        id: 'compare-anim',
        data: all,
        getPath: (d) => d.path,
        getTimestamps: (d) => d.timestamps,
        getColor: (d) => [...(d.baseline?.rgb ?? ROUTE_RGB[d.kind as RouteKind]), 255],
        getWidth: (d) => (d.baseline ? BASELINE_WIDTH : TRIP_WIDTH[d.kind as RouteKind]),
        widthUnits: 'pixels',
        jointRounded: true,
        capRounded: true,
        fadeTrail: true,
        trailLength: anim.trailSeconds,
        currentTime: anim.time,
      }),
    );
  }
  return layers;
}

export function compareTooltip(info: PickingInfo): TooltipContent | null {
  const obj = info.object as DrawnPath | OdMarker | undefined;
  if (!obj) return null;
  if ('role' in obj) {
    return {
      html: `<div class="tt-head"><span class="tt-id">${obj.role === 'origin' ? 'Origin' : 'Destination'}</span><span class="tt-split">road ${obj.road}</span></div>`,
    };
  }
  const [r, g, b] = obj.baseline?.rgb ?? ROUTE_RGB[obj.kind as RouteKind];
  const minutes = (obj.timestamps[obj.timestamps.length - 1] ?? 0) / 60;
  return {
    html:
      `<div class="tt-head"><span class="tt-dot" style="background:rgb(${r},${g},${b})"></span>` +
      `<span class="tt-id">${escapeHtml(obj.title)}</span><span class="tt-split">${escapeHtml(obj.baseline?.label ?? ROUTE_LABEL[obj.kind as RouteKind])}</span></div>` +
      `<div class="tt-row">${escapeHtml(obj.detail)} · <b>${fmtNum(minutes, 1)}</b> min</div>`,
  };
}

export function rgbCss(kind: RouteKind): string {
  const [r, g, b] = ROUTE_RGB[kind];
  return `rgb(${r}, ${g}, ${b})`;
}
