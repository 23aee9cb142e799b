// The pinned generation workload of tests/generate/portoRoutes.test.ts and the script that wrote
// its reference (scripts/make-route-fixture.ts): a maxLen-64 vanilla student on the first test OD
// pairs of the benchmark's sample, beam search and best-first, Node wasm.
import { readFile } from 'node:fs/promises';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { loadStudentScorer } from '../../src/lib/eval/protocol';
import { testOdPairs } from '../../bench/suites/suites';
import { centroidDistance, generateRoutes, type GenerateOptions } from '../../src/lib/generate/generator';

export const FIXTURE_PATH = 'tests/generate/fixtures/porto-vanilla-routes.json';
export const ROUTE_WORKLOAD = {
  dataset: 'public/data/porto',
  // The student shipped before the whole-trip students (maxLen 64), kept as a fixture so that the cropped-window
  // path stays covered; the same blob as public/checkpoints/porto/vanilla.safetensors at 199eb8a.
  checkpoint: 'tests/generate/fixtures/porto-vanilla-maxlen64.safetensors',
  nOd: 16,
  odSeed: 11,
  beam: 4,
  maxSteps: 200,
  maxExpansions: 500,
} as const;

export interface PinnedRoute {
  roads: number[];
  reached: boolean;
  logProb: number;
}

export interface RouteFixture {
  workload: typeof ROUTE_WORKLOAD;
  beam: PinnedRoute[];
  bestFirst: PinnedRoute[];
}

/** Generates the workload's routes with the code as it is now. */
export async function generatePinnedRoutes(): Promise<{ beam: PinnedRoute[]; bestFirst: PinnedRoute[]; maxLen: number }> {
  const w = ROUTE_WORKLOAD;
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived(w.dataset);
  const loaded = loadStudentScorer(new Uint8Array(await readFile(w.checkpoint)), dataset.network, derived);
  try {
    const ods = testOdPairs(dataset, w.nOd, w.odSeed);
    const base: GenerateOptions = {
      beam: w.beam,
      maxSteps: w.maxSteps,
      maxExpansions: w.maxExpansions,
      distanceToDest: centroidDistance(derived.features),
      timeMean: derived.timeMean,
      timeStd: derived.timeStd,
    };
    const pin = (g: { roads: number[]; reached: boolean; logProb: number }[]): PinnedRoute[] =>
      g.map((r) => ({ roads: r.roads, reached: r.reached, logProb: Math.round(r.logProb * 1e4) / 1e4 }));
    const beam = pin(await generateRoutes(loaded.scorer, ods, { ...base, method: 'beam' }));
    const bestFirst = pin(await generateRoutes(loaded.scorer, ods, { ...base, method: 'bestFirst' }));
    return { beam, bestFirst, maxLen: loaded.ctx.maxLen };
  } finally {
    loaded.dispose();
  }
}

export async function readRouteFixture(): Promise<RouteFixture> {
  return JSON.parse(await readFile(FIXTURE_PATH, 'utf8')) as RouteFixture;
}
