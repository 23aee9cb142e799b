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
