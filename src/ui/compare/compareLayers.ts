// deck.gl layers of the comparison on the shared map: one line mesh per route kind (real trips,
// routes loaded from a file, vanilla, distilled; StyledPathsLayer, which a software renderer draws far sooner than a
// PathLayer), OD markers, and a TripsLayer for the animation. Visibility goes through
// `visible`, so a toggle never rebuilds the paths.
import { ScatterplotLayer } from '@deck.gl/layers';
import { StyledPathsLayer } from '../map/styledPathsLayer';
import { TripsLayer } from '@deck.gl/geo-layers';
import type { Layer, PickingInfo } from '@deck.gl/core';
import type { LonLat } from '../../lib/data/types';
import { escapeHtml, fmtNum } from '../format';
import type { TooltipContent } from '../stores/mapLayers.svelte';
import type { TimedPath } from './routeGeometry';

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
  real: 'Real trip',
  file: 'Routes from file',
  vanilla: 'Vanilla student',
  distilled: 'Distilled student',
};

/**
 * Widths stepped in drawing order, so routes that share roads all stay visible: the real trip
 * widest and translucent underneath, vanilla as a band on it, distilled as a thin line on top.
 * Where the three coincide they read as nested stripes rather than the top one hiding the others.
 */
export const ROUTE_WIDTH: Record<RouteKind, number> = { real: 14, file: 11, vanilla: 8, distilled: 3 };
const ALPHA: Record<RouteKind, number> = { real: 130, file: 220, vanilla: 235, distilled: 255 };
/** The animation's heads, stepped the same way. */
const TRIP_WIDTH: Record<RouteKind, number> = { real: 11, file: 9, vanilla: 7, distilled: 3 };

export interface DrawnPath extends TimedPath {
  kind: RouteKind;
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
    const all = ROUTE_KINDS.flatMap((k) => (visible[k] ? paths[k] : []));
    layers.push(
      new TripsLayer<DrawnPath>({
        id: 'compare-anim',
        data: all,
        getPath: (d) => d.path,
        getTimestamps: (d) => d.timestamps,
        getColor: (d) => [...ROUTE_RGB[d.kind], 255],
        getWidth: (d) => TRIP_WIDTH[d.kind],
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
  const [r, g, b] = ROUTE_RGB[obj.kind];
  const minutes = (obj.timestamps[obj.timestamps.length - 1] ?? 0) / 60;
  return {
    html:
      `<div class="tt-head"><span class="tt-dot" style="background:rgb(${r},${g},${b})"></span>` +
      `<span class="tt-id">${escapeHtml(obj.title)}</span><span class="tt-split">${ROUTE_LABEL[obj.kind]}</span></div>` +
      `<div class="tt-row">${escapeHtml(obj.detail)} · <b>${fmtNum(minutes, 1)}</b> min</div>`,
  };
}

export function rgbCss(kind: RouteKind): string {
  const [r, g, b] = ROUTE_RGB[kind];
  return `rgb(${r}, ${g}, ${b})`;
}
