import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASELINE_PALETTE, ROUTE_LABEL, ROUTE_RGB, baselineStyle } from '../../src/ui/compare/compareLayers';
import { BASELINE_NAME, MODEL_NAME } from '../../src/lib/eval/displayNames';
import { BASELINE_METHODS } from '../../src/lib/generate/baselines';
import { baselineLabel } from '../../src/lib/eval/resultsTable';
import { defaultOdIndex, dtwGain, splitBadge } from '../../src/ui/compare/odList';
import { parseRoutes } from '../../src/ui/compare/reportTypes';
import { sameRoute } from '../../src/ui/compare/routeGeometry';

// Compare's map cannot be misread (issue 66, item 4): the real trip is the only grey-white line,
// every generator has its one plain name, each OD row carries its own split, and the view opens on a
// test pair.
const chroma = ([r, g, b]: readonly number[]) => Math.max(r, g, b) - Math.min(r, g, b);

describe('the Compare map', () => {
  it('draws the real trip as the only achromatic line: every model and baseline is a saturated colour', () => {
    expect(chroma(ROUTE_RGB.real)).toBeLessThan(20);
    for (const k of ['file', 'vanilla', 'distilled'] as const) expect(chroma(ROUTE_RGB[k]), k).toBeGreaterThanOrEqual(80);
    for (let i = 0; i < 8; i++) expect(chroma(baselineStyle('any', i).rgb), `baseline colour ${i}`).toBeGreaterThanOrEqual(80);
    expect(BASELINE_PALETTE.length).toBeGreaterThanOrEqual(BASELINE_METHODS.length);
  });

  it('names every baseline and model from the one table of display names, never by its code name', () => {
    for (const [i, m] of BASELINE_METHODS.entries()) {
      const label = baselineStyle(m, i).label;
      expect(label.toLowerCase()).toBe(BASELINE_NAME[m].toLowerCase());
      expect(label).not.toMatch(/[a-z][A-Z]|baseline$/); // no camelCase method name, no "… baseline"
      expect(baselineLabel(m, {}).startsWith(BASELINE_NAME[m])).toBe(true);
    }
    expect(baselineStyle('fittedFastest', 2).label).toBe('Fastest path, speeds fitted on train trips');
    expect(baselineStyle('markovLength', 4).label).toBe('Markov chain + length');
    expect(ROUTE_LABEL.real).toBe(MODEL_NAME.real);
    expect(ROUTE_LABEL.distilled).toBe(MODEL_NAME.distilled);
  });

  it('the README names the baselines as the app does', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const m of BASELINE_METHODS) expect(readme, m).toContain(BASELINE_NAME[m]);
    expect(readme).not.toMatch(/FittedFastest|MarkovLength|fittedFastest baseline|markovLength baseline/);
  });

  it('tags each OD row with its own split, and opens on a typical test pair of the committed routes', () => {
    expect(splitBadge('train')).toBe('TR');
    expect(splitBadge('test')).toBe('TE');
    const routes = parseRoutes(JSON.parse(readFileSync('public/reports/porto-routes.json', 'utf8')));
    expect(routes.some((r) => r.split === 'train')).toBe(true);
    const differ = (r: (typeof routes)[number]) => !sameRoute(r.vanilla, r.distilled);
    const i = defaultOdIndex(routes, differ)!;
    const r = routes[i];
    expect(r.split).toBe('test');
    expect(differ(r) && r.vanilla.reached && r.distilled.reached).toBe(true);
    // The median gain among such test pairs: as many above it as below.
    const gains = routes.filter((x) => x.split === 'test' && differ(x) && x.vanilla.reached && x.distilled.reached).map((x) => dtwGain(x)!);
    const g = dtwGain(r)!;
    expect(Math.abs(gains.filter((x) => x < g).length - gains.filter((x) => x > g).length)).toBeLessThanOrEqual(1);
    // Without a differing test pair: the first test pair; without a test pair: the first pair.
    expect(defaultOdIndex(routes, () => false)).toBe(routes.findIndex((x) => x.split === 'test'));
    const train = routes.filter((x) => x.split === 'train');
    expect(defaultOdIndex(train, differ)).toBe(0);
    expect(defaultOdIndex([], differ)).toBeNull();
  });
});
