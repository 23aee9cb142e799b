// Views contribute deck.gl layers to the one shared map by owner key (e.g. 'data', later
// 'compare'); the map draws them all in one MapboxOverlay, in owner registration order.
import { untrack } from 'svelte';
import type { Layer, PickingInfo } from '@deck.gl/core';

export interface TooltipContent {
  html: string;
}

export interface LayerSet {
  layers: Layer[];
  /** Hover text for an object picked in one of this owner's layers, or null for none. */
  tooltip?: (info: PickingInfo) => TooltipContent | null;
}

class MapLayersStore {
  owners = $state.raw<Record<string, LayerSet>>({});

  // Writers are usually effects: untrack the read so setting does not subscribe them to `owners`.
  set(owner: string, set: LayerSet): void {
    this.owners = { ...untrack(() => this.owners), [owner]: set };
  }

  clear(owner: string): void {
    const { [owner]: _removed, ...rest } = untrack(() => this.owners);
    this.owners = rest;
  }

  get all(): Layer[] {
    return Object.values(this.owners).flatMap((s) => s.layers);
  }

  tooltipFor(info: PickingInfo): TooltipContent | null {
    if (!info.layer) return null;
    const id = info.layer.id;
    for (const set of Object.values(this.owners)) {
      if (set.tooltip && set.layers.some((l) => l.id === id)) return set.tooltip(info);
    }
    return null;
  }
}

export const mapLayers = new MapLayersStore();
