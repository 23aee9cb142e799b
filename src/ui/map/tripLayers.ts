// deck.gl layers for real trips: one trip-mesh layer per split (TripLinesLayer), toggled with
// `visible` so a filter change never re-uploads the geometry.
import type { PickingInfo } from '@deck.gl/core';
import type { SplitName } from '../../lib/data/types';
import { SPLITS } from '../../lib/data/types';
import type { TripRender } from '../../../workers/dataMessages';
import { escapeHtml, fmtInt, fmtNum, tripIdText } from '../format';
import type { TooltipContent } from '../stores/mapLayers.svelte';
import { SPLIT_ALPHA, SPLIT_LABEL, SPLIT_RGB, SPLIT_WIDTH, rgbHex } from './palette';
import { TripLinesLayer } from './tripLinesLayer';

export function tripLayerId(split: SplitName): string {
  return `trips-${split}`;
}

/** Draws each split's simplified geometry (TripRender.display, as its mesh); picking indices are trip indices. */
export function tripLayers(trips: Record<SplitName, TripRender>, visible: Record<SplitName, boolean>): TripLinesLayer[] {
  return SPLITS.map(
    (split) =>
      new TripLinesLayer({
        id: tripLayerId(split),
        mesh: trips[split].mesh,
        color: [...SPLIT_RGB[split], SPLIT_ALPHA[split]],
        // PathLayer's widthMinPixels was 1.
        widthPixels: Math.max(1, SPLIT_WIDTH[split]),
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
      `<span class="tt-id">${escapeHtml(tripIdText(t.ids[i]))}</span><span class="tt-split">${SPLIT_LABEL[split]}</span></div>` +
      `<div class="tt-row"><b>${fmtInt(t.roadCounts[i])}</b> roads · <b>${fmtNum(t.km[i], 2)}</b> km · <b>${fmtNum(t.minutes[i], 1)}</b> min</div>`,
  };
}
