import { describe, expect, it } from 'vitest';
import { tripIdText } from '../../src/ui/format';
import { tooltipTransform } from '../../src/ui/map/tooltipPlacement';

// The Data view's hover tooltip (issue 66, item 6): it stays on the map near the right and bottom
// edges, and every trip id reads the same way whatever copy of the ECML data it came from.
describe('map text', () => {
  it('puts the tooltip on the side of the pointer with room', () => {
    expect(tooltipTransform(100, 100, 1000, 800)).toBe('translate(112px, 112px)');
    // Near the right edge: to the pointer's left (its right edge 12 px left of the pointer).
    expect(tooltipTransform(990, 100, 1000, 800)).toBe('translate(calc(978px - 100%), 112px)');
    expect(tooltipTransform(990, 790, 1000, 800)).toBe('translate(calc(978px - 100%), calc(778px - 100%))');
  });

  it('shows every trip id as its own id, then its source', () => {
    expect(tripIdText('BLUE:766816')).toBe('766816 (BLUE)');
    expect(tripIdText('taxi-trajectory-prediction:1376523546620000376')).toBe('1376523546620000376 (taxi-trajectory-prediction)');
    expect(tripIdText('1372636854620000520-1')).toBe('1372636854620000520-1');
    expect(tripIdText('g105')).toBe('g105');
    // Never a bare "BLUE:766816" form.
    for (const id of ['BLUE:1', 'GREEN:692', 'RNTrajRec:5', 'x:y']) expect(tripIdText(id)).not.toContain(':');
  });
});
