// Where the map's hover tooltip goes: beside the pointer, on the side with room. deck.gl puts its
// top-left corner at the pointer, so near the map's right or bottom edge the tooltip ran off the
// map and was clipped; this flips it to the pointer's left or above it there.

/** Gap between the pointer and the tooltip, in px. */
const GAP = 12;

/**
 * The CSS transform for a tooltip at pointer (x, y) in a map of width × height px: to the right and
 * below in the map's left and top halves, to the left (and above) in its right (and bottom) halves.
 * Percentages are the tooltip's own size, so its width need not be known.
 */
export function tooltipTransform(x: number, y: number, width: number, height: number): string {
  const tx = x > width / 2 ? `calc(${x - GAP}px - 100%)` : `${x + GAP}px`;
  const ty = y > height / 2 ? `calc(${y - GAP}px - 100%)` : `${y + GAP}px`;
  return `translate(${tx}, ${ty})`;
}
