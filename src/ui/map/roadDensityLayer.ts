// All trips of a set too big to draw trip by trip (RenderData.aggregate): each road that trips pass
// drawn in a colour and width that grow with how many do (log scale), one StyledPathsLayer over the
// roads. Its size is the network's, whatever the number of trips.
import type { PickingInfo } from '@deck.gl/core';
import type { LonLat, SplitName } from '../../lib/data/types';
import { SPLITS } from '../../lib/data/types';
import type { RoadRender } from '../../../workers/dataMessages';
import { fmtInt } from '../format';
import type { TooltipContent } from '../stores/mapLayers.svelte';
import { SPLIT_LABEL } from './palette';
import { StyledPathsLayer } from './styledPathsLayer';

export const DENSITY_LAYER_ID = 'trip-density';

/** Few trips → dark blue, many → yellow (viridis' ends and middle). */
const RAMP: readonly [number, number, number][] = [
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** The ramp's colour at t ∈ [0, 1], as a CSS colour (the legend) or RGBA (the layer). */
export function densityRgb(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i];
  const b = RAMP[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k]))) as [number, number, number];
}

/** CSS gradient of the ramp, for the legend. */
export const DENSITY_GRADIENT = `linear-gradient(to right, ${[0, 1 / 3, 2 / 3, 1].map((t) => `rgb(${densityRgb(t).join(',')})`).join(', ')})`;

function roadPath(roads: RoadRender, i: number): LonLat[] {
  const out: LonLat[] = [];
  for (let v = roads.starts[i]; v < roads.starts[i + 1]; v++) out.push([roads.positions[2 * v], roads.positions[2 * v + 1]]);
  return out;
}

/** Roads with at least one trip, coloured and widened by log(1 + count) against the busiest road's. */
export function roadDensityLayer(roads: RoadRender, counts: Uint32Array): StyledPathsLayer<number> {
  const used: number[] = [];
  let max = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    used.push(i);
    if (counts[i] > max) max = counts[i];
  }
  const scale = Math.log1p(max) || 1;
  const t = (i: number): number => Math.log1p(counts[i]) / scale;
  return new StyledPathsLayer<number>({
    id: DENSITY_LAYER_ID,
    data: used,
    getPath: (i) => roadPath(roads, i),
    getColor: (i) => {
      const [r, g, b] = densityRgb(t(i));
      return [r, g, b, 235] as const;
    },
    getWidth: (i) => 1 + 3.5 * t(i),
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 255, 255, 230],
  });
}

/** The busiest road's count (the legend's top). */
export function maxCount(counts: Uint32Array): number {
  let max = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > max) max = counts[i];
  return max;
}

/** A road's trips, all visible splits and each split. `data` is the layer's road list. */
export function densityTooltip(
  info: PickingInfo,
  perSplit: Record<SplitName, Uint32Array>,
  visible: Record<SplitName, boolean>,
): TooltipContent | null {
  if (info.layer?.id !== DENSITY_LAYER_ID || info.index < 0) return null;
  const road = (info.layer.props.data as readonly number[])[info.index];
  if (road === undefined) return null;
  const parts = SPLITS.filter((s) => visible[s]).map((s) => `${SPLIT_LABEL[s]} <b>${fmtInt(perSplit[s][road])}</b>`);
  const all = SPLITS.reduce((n, s) => n + (visible[s] ? perSplit[s][road] : 0), 0);
  return {
    html:
      `<div class="tt-head"><span class="tt-id">road ${road}</span></div>` +
      `<div class="tt-row"><b>${fmtInt(all)}</b> trips pass here</div><div class="tt-row">${parts.join(' · ')}</div>`,
  };
}
