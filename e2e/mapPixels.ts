// Shared e2e helper: what the map draws, counted from a screenshot.
import type { Page } from '@playwright/test';

/** A region of the map element, as fractions of its width and height. */
export interface MapRegion {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

interface MapScan {
  total: number;
  nonBackground: number;
  coloured: number;
  /** Map-element pixels inside a drawn trip or route in the region asked for (none without one). */
  inside: [number, number][];
}

/** The map element's screenshot, decoded by the browser itself (no PNG library), and counted there. */
async function scanMap(p: Page, region: MapRegion | null): Promise<MapScan> {
  const png = await p.getByTestId('map').screenshot({ style: '.maplibregl-ctrl { visibility: hidden !important; }' });
  return await p.evaluate(
    async ({ b64, region }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const { width: w, height: h } = c;
      const d = g.getImageData(0, 0, w, h).data;
      // No named functions in here: under tsx (the browser benchmark) esbuild wraps them in a __name
      // helper that the page lacks. Saturated pixels are marked once, then read.
      const sat = new Uint8Array(w * h);
      // The top-left corner is background: the network is framed with padding and controls are hidden.
      const bg = [d[0], d[1], d[2]];
      let nonBackground = 0;
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 24) nonBackground++;
        if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 45) {
          sat[i / 4] = 1;
          coloured++;
        }
      }
      // Inside a line: saturated, and so are its four neighbours.
      const inside: [number, number][] = [];
      if (region)
        for (let y = Math.max(1, Math.floor(region.y0 * h)); y <= Math.min(h - 2, Math.floor(region.y1 * h)); y++)
          for (let x = Math.max(1, Math.floor(region.x0 * w)); x <= Math.min(w - 2, Math.floor(region.x1 * w)); x++) {
            const o = y * w + x;
            if (sat[o] && sat[o - 1] && sat[o + 1] && sat[o - w] && sat[o + w]) inside.push([x, y]);
          }
      return { total: d.length / 4, nonBackground, coloured, inside };
    },
    { b64: png.toString('base64'), region },
  );
}

/**
 * Pixel census of the map element's screenshot: `nonBackground` = pixels differing from the map
 * background, `coloured` = saturated pixels, which only the view's layers (trips, routes) draw: roads
 * are grey.
 */
export async function mapPixels(p: Page): Promise<{ total: number; nonBackground: number; coloured: number }> {
  const { total, nonBackground, coloured } = await scanMap(p, null);
  return { total, nonBackground, coloured };
}

/**
 * Up to `max` page points in `region` that sit inside a drawn trip or route, spread over the region in
 * scan order. A spec hovers these instead of sweeping a grid: on software WebGL every pointer move
 * renders deck.gl's picking pass.
 */
export async function colouredPoints(p: Page, region: MapRegion, max: number): Promise<{ x: number; y: number }[]> {
  const box = (await p.getByTestId('map').boundingBox())!;
  const { inside } = await scanMap(p, region);
  const stride = Math.max(1, Math.floor(inside.length / max));
  return inside
    .filter((_, i) => i % stride === 0)
    .slice(0, max)
    .map(([x, y]) => ({ x: box.x + x, y: box.y + y }));
}
