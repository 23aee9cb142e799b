import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { readHoserDataset } from '../../src/lib/data/hoserReader';
import { hoserDistributionJSDs, shapelyCentroids, type HoserJSDs } from '../../src/lib/eval/hoserMetrics';
import { generatedToEvalTrip, realToEvalTrip } from '../../src/lib/eval/evalTrips';
import { generatedCsvFormat, readGeneratedCsv } from '../../src/lib/generate/generatedCsv';

// `eval --metrics hoser` against HOSER's evaluation notebook itself: the notebook's global cells,
// reproduced in numpy by scripts/hoser_metrics_reference.py, were run on a small fixture of real
// Porto test trips and the shipped students' routes for their OD pairs in gene.py's format
// (tests/fixtures/hoser-metrics/); their outputs are committed as expected.json. Our code reads the
// same files the way `eval --metrics hoser` does and must give the same three JSDs.
const DIR = 'tests/fixtures/hoser-metrics/';
const text = (name: string): string => readFileSync(DIR + name, 'utf8');
const expected = JSON.parse(text('expected.json')) as {
  real: { trips: number; hops: number };
  generated: Record<string, HoserJSDs & { n: number }>;
};

describe("eval --metrics hoser against HOSER's notebook (committed reference values)", () => {
  const ds = readHoserDataset(
    ['roadmap.geo', 'roadmap.rel', 'test.csv'].map((name) => ({ name, text: text(name) })),
    'hoser-metrics',
  );
  const points = shapelyCentroids(ds.network);
  const real = ds.splits.test.map((t) => realToEvalTrip(t, points));

  it('reads the fixture the notebook read', () => {
    expect(real).toHaveLength(expected.real.trips);
    expect(real.reduce((n, t) => n + t.times.length - 1, 0)).toBe(expected.real.hops);
    expect(Object.keys(expected.generated)).toEqual(['gene-vanilla.csv', 'gene-distilled.csv']);
  });

  for (const [file, want] of Object.entries(expected.generated)) {
    it(`${file}: distance, radius and duration JSD within 0.002 of the notebook's (in fact to 1e-12)`, () => {
      const csv = text(file);
      expect(generatedCsvFormat(csv).name).toBe('hoser');
      const gen = readGeneratedCsv(csv, file);
      expect(gen).toHaveLength(want.n);
      const ours = hoserDistributionJSDs(
        real,
        gen.map((t) => generatedToEvalTrip(t, points)),
      );
      for (const k of ['distanceJSD', 'radiusJSD', 'durationJSD'] as const) {
        expect(Number.isFinite(ours[k]), k).toBe(true);
        expect(Math.abs(ours[k] - want[k]), `${k}: ours ${ours[k]}, HOSER's ${want[k]}`).toBeLessThan(0.002);
        expect(Math.abs(ours[k] - want[k]), `${k}: ours ${ours[k]}, HOSER's ${want[k]}`).toBeLessThan(1e-12);
      }
    });
  }
});
