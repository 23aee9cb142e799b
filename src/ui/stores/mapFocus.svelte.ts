// A request to frame part of the shared map (e.g. the OD pair the reviewer picked). MapView reads
// `request` in an effect and fits the bounds; `seq` makes a repeated request for the same bounds
// still count as new.
import type { Bounds } from '../../../workers/dataMessages';

export type FocusPadding = number | { top: number; bottom: number; left: number; right: number };

export interface FocusRequest {
  bounds: Bounds;
  /** Screen padding in px around the bounds (per side to keep clear of floating cards). */
  padding: FocusPadding;
  seq: number;
}

class MapFocusStore {
  request = $state.raw<FocusRequest | null>(null);
  private seq = 0;

  fit(bounds: Bounds, padding: FocusPadding = 60): void {
    this.request = { bounds, padding, seq: ++this.seq };
  }
}

export const mapFocus = new MapFocusStore();
