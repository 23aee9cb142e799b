// Colours of the teaching view, shared by map layers and panels so a bar matches its road.
import { ROUTE_RGB } from '../compare/compareLayers';

export type RGB = [number, number, number];

export const TEACHER_RGB: RGB = [181, 140, 255];
/** Same colours as the comparison view's routes. */
export const VANILLA_RGB: RGB = ROUTE_RGB.vanilla;
export const DISTILLED_RGB: RGB = ROUTE_RGB.distilled;
export const WINDOW_RGB: RGB = [230, 180, 80];
export const PREFIX_RGB: RGB = [108, 180, 238];
export const DEST_RGB: RGB = [227, 102, 125];
export const PUSH_UP_RGB: RGB = [108, 196, 138];
export const PUSH_DOWN_RGB: RGB = [239, 123, 134];

export const hex = ([r, g, b]: RGB): string => '#' + [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');

/** Candidate letters are neutral, so no letter reads as the teacher's or a student's colour. */
export const LETTER_RGB: RGB = [223, 228, 236];

/** Letters naming the candidates on the map and in the bars. */
export const CAND_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Probability 0 → dim slate, 1 → hot yellow (through magenta and orange), readable on the dark map. */
const STOPS: [number, RGB][] = [
  [0, [70, 80, 100]],
  [0.25, [150, 70, 160]],
  [0.5, [230, 90, 100]],
  [0.75, [250, 160, 60]],
  [1, [255, 236, 120]],
];

export function probColor(p: number): RGB {
  const x = Math.min(1, Math.max(0, p));
  for (let i = 1; i < STOPS.length; i++) {
    const [x1, c1] = STOPS[i];
    if (x <= x1) {
      const [x0, c0] = STOPS[i - 1];
      const t = (x - x0) / (x1 - x0);
      return [0, 1, 2].map((k) => Math.round(c0[k] + t * (c1[k] - c0[k]))) as RGB;
    }
  }
  return STOPS[STOPS.length - 1][1];
}

/** Surprisal (nats) → colour: calm blue when expected, red when the teacher is surprised. */
export function surprisalColor(s: number, max = 8): RGB {
  if (!Number.isFinite(s)) return [120, 120, 120];
  const x = Math.min(1, Math.max(0, s / max));
  const lo: RGB = [70, 170, 230];
  const mid: RGB = [240, 220, 110];
  const hi: RGB = [240, 70, 80];
  const [a, b, t] = x < 0.5 ? [lo, mid, x * 2] : [mid, hi, (x - 0.5) * 2];
  return [0, 1, 2].map((k) => Math.round(a[k] + t * (b[k] - a[k]))) as RGB;
}
