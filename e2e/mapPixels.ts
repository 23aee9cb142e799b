// Shared e2e helper: what the map draws, counted from a screenshot.
import type { Page } from '@playwright/test';

/**
 * Pixel census of the map element's screenshot, decoded by the browser itself (no PNG library):
 * `nonBackground` = pixels differing from the map background, `coloured` = saturated pixels,
 * which only the view's layers (trips, routes) draw: roads are grey.
 */
export async function mapPixels(p: Page): Promise<{ total: number; nonBackground: number; coloured: number }> {
  const png = await p.getByTestId('map').screenshot({ style: '.maplibregl-ctrl { visibility: hidden !important; }' });
  return await p.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    // The top-left corner is background: the network is framed with padding and controls are hidden.
    const bg = [d[0], d[1], d[2]];
    let nonBackground = 0;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, gr, b] = [d[i], d[i + 1], d[i + 2]];
      if (Math.abs(r - bg[0]) + Math.abs(gr - bg[1]) + Math.abs(b - bg[2]) > 24) nonBackground++;
      if (Math.max(r, gr, b) - Math.min(r, gr, b) > 45) coloured++;
    }
    return { total: d.length / 4, nonBackground, coloured };
  }, png.toString('base64'));
}

/** A region of the map element, as fractions of its width and height. */
export interface MapRegion {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Up to `max` page points in `region` that sit inside a drawn trip or route: a saturated pixel whose
 * four neighbours are saturated too, spread over the region in scan order. A spec hovers these
 * instead of sweeping a grid: on software WebGL every pointer move renders deck.gl's picking pass.
 */
export async function colouredPoints(p: Page, region: MapRegion, max: number): Promise<{ x: number; y: number }[]> {
  const map = p.getByTestId('map');
  const box = (await map.boundingBox())!;
  const png = await map.screenshot({ style: '.maplibregl-ctrl { visibility: hidden !important; }' });
  const found = await p.evaluate(
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
      const sat = (x: number, y: number): boolean => {
        const i = (y * w + x) * 4;
        return Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 45;
      };
      const pts: [number, number][] = [];
      const [xa, xb] = [Math.max(1, Math.floor(region.x0 * w)), Math.min(w - 2, Math.floor(region.x1 * w))];
      const [ya, yb] = [Math.max(1, Math.floor(region.y0 * h)), Math.min(h - 2, Math.floor(region.y1 * h))];
      for (let y = ya; y <= yb; y++)
        for (let x = xa; x <= xb; x++) if (sat(x, y) && sat(x - 1, y) && sat(x + 1, y) && sat(x, y - 1) && sat(x, y + 1)) pts.push([x, y]);
      return pts;
    },
    { b64: png.toString('base64'), region },
  );
  const stride = Math.max(1, Math.floor(found.length / max));
  return found
    .filter((_, i) => i % stride === 0)
    .slice(0, max)
    .map(([x, y]) => ({ x: box.x + x, y: box.y + y }));
}
