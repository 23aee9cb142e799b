// deck.gl layers for real trips: one binary PathLayer per split, toggled with `visible` so a
// filter change never re-tessellates the paths.
import { PathLayer } from '@deck.gl/layers';
import type { PickingInfo } from '@deck.gl/core';
import type { SplitName } from '../../lib/data/types';
import { SPLITS } from '../../lib/data/types';
import type { TripRender } from '../../../workers/dataMessages';
import { escapeHtml, fmtInt, fmtNum } from '../format';
import type { TooltipContent } from '../stores/mapLayers.svelte';
import { SPLIT_ALPHA, SPLIT_LABEL, SPLIT_RGB, rgbHex } from './palette';

/** deck.gl's binary path input; built once per dataset and reused across re-renders. */
export interface BinaryPaths {
  length: number;
  startIndices: Uint32Array;
  attributes: { getPath: { value: Float32Array; size: 2 } };
}

/** The simplified display geometry (see TripRender.display); picking indices stay trip indices. */
export function binaryPaths(t: TripRender): BinaryPaths {
  const d = t.display;
  return { length: d.count, startIndices: d.starts, attributes: { getPath: { value: d.positions, size: 2 } } };
}

export function tripLayerId(split: SplitName): string {
  return `trips-${split}`;
}

export function tripLayers(data: Record<SplitName, BinaryPaths>, visible: Record<SplitName, boolean>): PathLayer[] {
  return SPLITS.map(
    (split) =>
      new PathLayer({
        id: tripLayerId(split),
        data: data[split],
        // Paths are already flat lon,lat runs: skip deck's per-path normalisation.
        _pathType: 'open',
        getColor: [...SPLIT_RGB[split], SPLIT_ALPHA[split]],
        getWidth: 2,
        widthUnits: 'pixels',
        widthMinPixels: 1,
        jointRounded: true,
        capRounded: true,
        visible: visible[split],
        pickable: true,
        autoHighlight: true,
        highlightColor: [255, 255, 255, 230],
      }),
  );
}

export function tripTooltip(info: PickingInfo, trips: Record<SplitName, TripRender>): TooltipContent | null {
  const split = SPLITS.find((s) => info.layer?.id === tripLayerId(s));
  if (!split || info.index < 0) return null;
  const t = trips[split];
  const i = info.index;
  if (i >= t.count) return null;
  const colour = rgbHex(SPLIT_RGB[split]);
  return {
    html:
      `<div class="tt-head"><span class="tt-dot" style="background:${colour}"></span>` +
      `<span class="tt-id">${escapeHtml(t.ids[i])}</span><span class="tt-split">${SPLIT_LABEL[split]}</span></div>` +
      `<div class="tt-row"><b>${fmtInt(t.roadCounts[i])}</b> roads · <b>${fmtNum(t.km[i], 2)}</b> km · <b>${fmtNum(t.minutes[i], 1)}</b> min</div>`,
  };
}
