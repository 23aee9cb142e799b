// Colours shared by the map layers and the side panel legend, so a swatch always matches its line.
import type { SplitName } from '../../lib/data/types';

export const MAP_BACKGROUND = '#0b0f14';

/** RGB per split; the legend uses the hex form, deck.gl the array plus an alpha. */
export const SPLIT_RGB: Record<SplitName, [number, number, number]> = {
  train: [79, 179, 217],
  val: [230, 180, 80],
  test: [227, 102, 125],
};

/** Train has ~7× the trips of val, so it is drawn fainter to keep the others readable. */
export const SPLIT_ALPHA: Record<SplitName, number> = { train: 70, val: 150, test: 120 };

export function rgbHex([r, g, b]: [number, number, number]): string {
  return '#' + [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');
}

export const SPLIT_LABEL: Record<SplitName, string> = { train: 'Train', val: 'Validation', test: 'Test' };
