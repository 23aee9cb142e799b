import { describe, it, expect } from 'vitest';
import { ROUTE_WORKLOAD, generatePinnedRoutes, readRouteFixture, type PinnedRoute } from './portoRoutes';

// Speed work on generation must not change a single route: the vanilla student shipped before
// the whole-trip students (tests/generate/fixtures/porto-vanilla-maxlen64.safetensors) on 16 test OD pairs (8 of the beam routes run past the checkpoint's maxLen of 64 roads, so the cropped
// window path is covered too), beam 4 and best-first, against the reference written by the search
// as it was before the speed work (scripts/make-route-fixture.ts, committed first).

function expectSame(got: PinnedRoute[], want: PinnedRoute[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect({ od: i, roads: g.roads, reached: g.reached }).toEqual({ od: i, roads: want[i].roads, reached: want[i].reached });
    expect(Math.abs(g.logProb - want[i].logProb)).toBeLessThan(2e-3);
  });
}

describe('generation on Porto with the maxLen-64 student', () => {
  it('gives the pinned beam-search and best-first routes', async () => {
    const fixture = await readRouteFixture();
    expect(fixture.workload).toEqual(ROUTE_WORKLOAD);
    const { beam, bestFirst, maxLen } = await generatePinnedRoutes();
    expect(beam.filter((r) => r.roads.length > maxLen).length).toBeGreaterThan(0);
    expectSame(beam, fixture.beam);
    expectSame(bestFirst, fixture.bestFirst);
  }, 300_000);
});
