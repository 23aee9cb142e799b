import { describe, it, expect } from 'vitest';
import { scoreRouteFile, type RouteFileScore } from '../../src/lib/eval/routeFile';
import { generatedToEvalTrip, realToEvalTrip } from '../../src/lib/eval/evalTrips';
import { evaluateTrips, tripDistanceKm } from '../../src/lib/eval/tripMetrics';
import { dtw } from '../../src/lib/eval/metrics';
import { readGeneratedCsv, writeGeneratedCsv, writeHoserGeneCsv } from '../../src/lib/generate/generatedCsv';
import type { GeneratedTrip } from '../../src/lib/generate/generator';
import type { Road, SplitName, Trajectory } from '../../src/lib/data/types';

// 12 roads on a line through Porto's evaluation box, ~110 m apart.
const N_ROADS = 12;
const centroid = new Float64Array(N_ROADS * 2);
for (let r = 0; r < N_ROADS; r++) {
  centroid[2 * r] = -8.65 + r * 0.0013;
  centroid[2 * r + 1] = 41.16;
}
const network = { roads: Array.from({ length: N_ROADS }, () => ({}) as Road) };
const t0 = 1372636800;
const trip = (id: string, roads: number[]): Trajectory => ({ id, roads, times: roads.map((_, i) => t0 + 30 * i) });
const splits: Record<SplitName, Trajectory[]> = {
  train: [trip('tr-0', [0, 1, 2, 3])],
  val: [],
  test: [trip('te-0', [1, 2, 3, 4, 5]), trip('te-1', [1, 6, 5]), trip('te-2', [7, 8, 9]), trip('te-3', [10, 11])],
};
const gen = (id: string, roads: number[]): GeneratedTrip => ({
  id,
  origin: roads[0],
  dest: roads[roads.length - 1],
  roads,
  times: roads.map((_, i) => t0 + 40 * i),
  reached: true,
  logProb: NaN,
  timesFromModel: true,
});
const routes = [gen('g-0', [1, 2, 5]), gen('g-1', [7, 9])];

/** scoreRouteFile that must score (a failure fails the test with its reason). */
function scored(...args: Parameters<typeof scoreRouteFile>): RouteFileScore {
  const got = scoreRouteFile(...args);
  if (got.kind !== 'scored') throw new Error(`expected a score, got: ${got.reason}`);
  return got;
}

describe('scoreRouteFile', () => {
  it('pairs each route with the split’s real trips of its OD pair and scores them with evaluateTrips', () => {
    const got = scored(writeGeneratedCsv(routes), 'ours.csv', network, splits, 'test', centroid);
    expect(got.format).toBe('ours');
    expect(got.routes.map((r) => [r.id, r.realTripIds])).toEqual([
      ['g-0', ['te-0', 'te-1']],
      ['g-1', ['te-2']],
    ]);
    // The real side is the paired trips only (te-3's OD pair has no route), scored by the protocol's own code.
    expect(got.realN).toBe(3);
    const real = [splits.test[0], splits.test[1], splits.test[2]].map((t) => realToEvalTrip(t, centroid));
    const expected = evaluateTrips(
      real,
      routes.map((t) => generatedToEvalTrip(t, centroid)),
    );
    expect(got.report).toEqual(expected);
    expect(got.report.n).toBe(2);
    expect(got.report.pairedN).toBeGreaterThan(0);
    expect(got.report.reachedRate).toBe(1);
  });

  it('gives DTW per km of the real trip over the same pairs as the summed DTW (the file column of Compare)', () => {
    const got = scored(writeGeneratedCsv(routes), 'ours.csv', network, splits, 'test', centroid);
    // g-0 pairs with te-0 (the first real trip of its OD pair), g-1 with te-2.
    const pts = (roads: number[]) => realToEvalTrip(trip('x', roads), centroid).points;
    const want = [
      [routes[0].roads, splits.test[0].roads],
      [routes[1].roads, splits.test[2].roads],
    ].map(([g, r]) => dtw(pts(g), pts(r)) / tripDistanceKm(pts(r)));
    expect(got.dtwPerKm).toBeCloseTo((want[0] + want[1]) / 2, 12);
    expect(got.dtwPerKm).toBeGreaterThan(0);
    // Routes that are their real trips: no distance at all.
    const same = [gen('s-0', splits.test[0].roads), gen('s-2', splits.test[2].roads)];
    expect(scored(writeGeneratedCsv(same), 'same.csv', network, splits, 'test', centroid).dtwPerKm).toBe(0);
  });

  it('reads HOSER gene.py’s format (no OD columns: first and last road) to the same scores', () => {
    const text = writeHoserGeneCsv(routes);
    expect(text.split('\n')[0]).toBe('gene_trace_road_id,gene_trace_datetime');
    const hoser = scored(text, 'gene.csv', network, splits, 'test', centroid);
    const ours = scored(writeGeneratedCsv(routes), 'ours.csv', network, splits, 'test', centroid);
    expect(hoser.format).toBe('hoser');
    expect(hoser.routes.map((r) => r.roads)).toEqual(readGeneratedCsv(text).map((t) => t.roads));
    expect(hoser.report).toEqual(ours.report);
  });

  it('drops a route with a road id outside the network or an OD pair not in the split alone, with its line, and scores the rest', () => {
    const text = writeHoserGeneCsv([gen('a', [1, 2, 5]), gen('b', [1, 40, 5]), gen('c', [0, 1, 3])]);
    const got = scored(text, 'gene.csv', network, splits, 'test', centroid);
    expect(got.routes.map((r) => [r.line, r.roads])).toEqual([[2, [1, 2, 5]]]);
    expect(got.rows).toBe(3);
    expect(got.report.n).toBe(1);
    expect(got.dropped.count).toBe(2);
    expect(got.dropped.problems.map((p) => `${p.file}:${p.line}: ${p.reason}`)).toEqual([
      'gene.csv:3: road id 40 is not in this network (12 roads, ids 0–11); was it generated on another network?',
      "gene.csv:4: OD pair 0 → 3 is not the OD pair of any test trip (it is a train trip's)",
    ]);
    // The one OD miss is a train pair: the view may offer to score against train.
    expect(got.dropped.otherSplit).toEqual({ split: 'train', n: 1 });
    // The same route is fine on the split it came from.
    expect(scored(writeHoserGeneCsv([gen('c', [0, 1, 3])]), 'g.csv', network, splits, 'train', centroid).realN).toBe(1);
  });

  it('fails, keeping every reason, when no route fits the split, and names the split whose OD pairs they are', () => {
    const text = writeHoserGeneCsv([gen('c', [0, 1, 3]), gen('d', [0, 2, 3])]);
    const got = scoreRouteFile(text, 'train.csv', network, splits, 'test', centroid);
    expect(got.kind).toBe('failed');
    if (got.kind !== 'failed') return;
    expect(got.reason).toBe('train.csv: none of its 2 routes can be scored here: they are train OD pairs');
    expect(got.dropped.otherSplit).toEqual({ split: 'train', n: 2 });
    expect(got.dropped.problems.map((p) => p.line)).toEqual([2, 3]);
  });

  it('merges the parser’s dropped rows with its own in line order, each line once', () => {
    const lines = writeHoserGeneCsv([gen('a', [1, 2, 5]), gen('b', [1, 40, 5]), gen('c', [7, 9])])
      .trimEnd()
      .split('\n');
    lines.splice(2, 0, `"[1, -2]","['2013-07-01T00:00:00Z', '2013-07-01T00:00:30Z']"`); // line 3
    lines.push(`"[7, 8`); // line 6: cut short
    const got = scored(lines.join('\n') + '\n', 'm.csv', network, splits, 'test', centroid);
    expect(got.routes.map((r) => r.line)).toEqual([2, 5]);
    expect(got.dropped.problems.map((p) => p.line)).toEqual([3, 4, 6]);
    expect(got.dropped.count).toBe(3);
  });

  it('fails with the reason for unreadable, empty and header-only files', () => {
    const reason = (text: string, name: string) => {
      const got = scoreRouteFile(text, name, network, splits, 'test', centroid);
      return got.kind === 'failed' ? got.reason : 'scored';
    };
    expect(reason('a,b\n1,2\n', 'x.csv')).toMatch(/^x\.csv:1: needs a rid_list and a time_list column/);
    expect(reason('', 'e.csv')).toBe('e.csv: the file is empty');
    expect(reason('gene_trace_road_id,gene_trace_datetime\n', 'h.csv')).toBe('h.csv: no routes (only a header)');
    const bad = 'gene_trace_road_id,gene_trace_datetime\n"[1, 2]","[\'2013-07-01T00:00:00Z\']"\n';
    const got = scoreRouteFile(bad, 'bad.csv', network, splits, 'test', centroid);
    expect(got.kind === 'failed' && got.dropped.problems.map((p) => `${p.line}: ${p.reason}`)).toEqual(['2: 2 roads but 1 timestamps']);
  });
});
