// Colours shared by the map layers and the side panel legend, so a swatch always matches its line.
import type { SplitName } from '../../lib/data/types';

export const MAP_BACKGROUND = '#0b0f14';

/** RGB per split; the legend uses the hex form, deck.gl the array plus an alpha. */
export const SPLIT_RGB: Record<SplitName, [number, number, number]> = {
  train: [79, 179, 217],
  val: [230, 180, 80],
  test: [227, 102, 125],
};

/**
 * Train (~70 % of the trips) is the base: drawn first, wide and fairly opaque, so the city reads as
 * train. Val and test are drawn over it as thin lines, so each shows as a coloured core inside the
 * train stroke on the roads they share, and the train colour stays visible around them.
 */
export const SPLIT_ALPHA: Record<SplitName, number> = { train: 150, val: 210, test: 190 };
export const SPLIT_WIDTH: Record<SplitName, number> = { train: 3, val: 1.2, test: 1.2 };

export function rgbHex([r, g, b]: [number, number, number]): string {
  return '#' + [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');
}

export const SPLIT_LABEL: Record<SplitName, string> = { train: 'Train', val: 'Validation', test: 'Test' };
