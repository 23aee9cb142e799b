// Writes the reference routes of tests/generate/portoRoutes.test.ts with the code as it is now:
//   npx tsx scripts/make-route-fixture.ts
// Run it only when the search or the model is meant to change its answers (say so in the commit);
// speed work must leave the fixture untouched.
import { writeFile } from 'node:fs/promises';
import { FIXTURE_PATH, ROUTE_WORKLOAD, generatePinnedRoutes, type RouteFixture } from '../tests/generate/portoRoutes';

const t0 = performance.now();
const { beam, bestFirst, maxLen } = await generatePinnedRoutes();
const fixture: RouteFixture = { workload: ROUTE_WORKLOAD, beam, bestFirst };
await writeFile(FIXTURE_PATH, JSON.stringify(fixture) + '\n');
const long = (rs: { roads: number[] }[]) => rs.filter((r) => r.roads.length > maxLen).length;
process.stderr.write(
  `wrote ${FIXTURE_PATH} in ${((performance.now() - t0) / 1000).toFixed(1)} s: beam reached ${beam.filter((r) => r.reached).length}/${beam.length} ` +
    `(${long(beam)} longer than maxLen ${maxLen}), best-first reached ${bestFirst.filter((r) => r.reached).length}/${bestFirst.length} (${long(bestFirst)} longer)\n`,
);
