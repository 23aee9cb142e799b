// Generation on several threads gives one thread's routes bit for bit: the pool (src/cli/generate/generatePool.ts)
// against generateRoutes in this thread, and `eval paired-report --workers 2` against --workers 1
// (every metric of the report). A tiny synthetic city and an untrained tiny student, written to disk
// as the CLI reads them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { makeCity, makeTrips, TINY_STUDENT } from '../models/studentFixture';
import { removeTempDirs, tempDir } from '../tempDirs';
import { loadDatasetWithDerived, writeDatasetFiles } from '../../src/cli/common/fsDataset';
import { GenerationPool, parseWorkers } from '../../src/cli/generate/generatePool';
import { run as pairedReport } from '../../src/cli/eval/evalPairedReport';
import { run as generate } from '../../src/cli/generate/generate';
import { readGeneratedCsv } from '../../src/lib/generate/generatedCsv';
import { Student } from '../../src/lib/models/student';
import { encodeCheckpoint, weightsFromVariables } from '../../src/lib/checkpoint/checkpoint';
import { loadStudentScorer } from '../../src/lib/eval/protocol';
import { centroidDistance, generateRoutes, sampleOdPairs, type GenOD } from '../../src/lib/generate/generator';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { makeRng } from '../../src/lib/random';
import type { Dataset } from '../../src/lib/data/types';
import type { Derived } from '../../src/lib/data/derivedTypes';

let dir: string;
let datasetDir: string;
let derived: Derived;
let dataset: Dataset;
const checkpoints: string[] = [];

beforeAll(async () => {
  await initNodeBackend('wasm');
  const city = makeCity(6, 40, 10, 6);
  dir = tempDir('trajdistill-pool-');
  datasetDir = join(dir, 'city');
  await writeDatasetFiles(datasetDir, { ...city.ds, splits: { ...city.ds.splits, test: makeTrips(6, city.roadOf, 24, 3, 'test') } });
  ({ dataset, derived } = await loadDatasetWithDerived(datasetDir));
  // Two seeds × two arms: untrained students with different weights.
  for (const [i, seed] of [11, 12, 13, 14].entries()) {
    const s = new Student(derived, TINY_STUDENT, seed);
    const file = join(dir, `s${i}.safetensors`);
    const hyper = { seed: i < 2 ? i + 1 : i - 1 };
    const ck = {
      kind: 'student' as const,
      config: s.config,
      fingerprint: derived.fingerprint,
      training: { epoch: 1, step: 1 },
      hyper,
      created: 'now',
    };
    await writeFile(file, encodeCheckpoint({ ...ck, weights: weightsFromVariables(s.store.variables()) }));
    s.dispose();
    checkpoints.push(file);
  }
}, 60_000);

afterAll(() => removeTempDirs());

describe('--workers', () => {
  it('parses 1 (default), N and auto', () => {
    expect(parseWorkers(undefined)).toBe(1);
    expect(parseWorkers('3')).toBe(3);
    expect(parseWorkers('auto')).toBeGreaterThanOrEqual(1);
    expect(() => parseWorkers('0')).toThrow(/positive integer/);
    expect(() => parseWorkers(true)).toThrow(/positive integer/);
  });
});

describe('GenerationPool', () => {
  it('two threads give the routes, times and log-probabilities of one thread here, bit for bit', async () => {
    const base = sampleOdPairs(dataset.splits.train, 30, makeRng(4));
    // Re-timed origins: the scorer's start-time path and the chunk planner's deferrals.
    const ods: GenOD[] = [
      ...base,
      { ...base[0], startTime: base[0].startTime + 3600 * 9 },
      { ...base[3], startTime: base[3].startTime + 3600 * 30 },
    ];
    const common = {
      distanceToDest: centroidDistance(derived.features),
      timeMean: derived.timeMean,
      timeStd: derived.timeStd,
      maxSteps: 10,
    };
    for (const method of ['beam', 'bestFirst'] as const) {
      const opts = { ...common, method, beam: 3, maxExpansions: 60, batchSize: 256, idPrefix: `${method}-` };
      const here = loadStudentScorer(new Uint8Array(await readFile(checkpoints[0])), dataset.network, derived);
      const one = await generateRoutes(here.scorer, ods, opts);
      here.dispose();
      const pool = await GenerationPool.start(2, datasetDir);
      try {
        const seen: number[] = [];
        // Pieces of 16: neither the one-thread chunk nor a shard boundary that a row could notice.
        const two = await pool.generate(checkpoints[0], ods, { ...opts, onProgress: (p) => seen.push(p.done) });
        expect(two).toEqual(one);
        // Exact equality, NaN-safe and -0-safe, field by field.
        two.forEach((t, i) => {
          expect(Object.is(t.logProb, one[i].logProb)).toBe(true);
          expect(t.times).toEqual(one[i].times);
        });
        expect(seen.at(-1)).toBe(ods.length);
        expect(one.some((t) => t.reached)).toBe(true);
      } finally {
        await pool.close();
      }
    }
    expect(tf.getBackend()).toBe('wasm');
  }, 120_000);

  it('eval paired-report --workers 2 writes the report of --workers 1, every metric equal', async () => {
    const report = async (workers: number): Promise<Record<string, unknown>> => {
      const out = join(dir, `paired-${workers}.json`);
      const args = ['--vanilla', `${checkpoints[0]},${checkpoints[1]}`, '--distilled', `${checkpoints[2]},${checkpoints[3]}`];
      args.push('--dataset', datasetDir, '--out', out, '--train-od', '20', '--beam', '2', '--max-steps', '10');
      args.push('--bootstrap', '50', '--oracle', '3', '--workers', String(workers));
      expect(await pairedReport(args)).toBe(0);
      return JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    };
    const strip = (r: Record<string, unknown>): unknown =>
      JSON.parse(JSON.stringify(r, (k, v: unknown) => (['genSeconds', 'created', 'createdWith', 'machine'].includes(k) ? undefined : v)));
    const one = await report(1);
    const two = await report(2);
    expect(strip(two)).toEqual(strip(one));
    expect(JSON.stringify(strip(one)).length).toBeGreaterThan(2000);
  }, 180_000);
});

describe('generate --guard-cap', () => {
  it('writes the fastest path for every route the search left unreached, and refuses a cap below 1', async () => {
    const reached = async (extra: string[]): Promise<boolean[]> => {
      const out = join(dir, `gen-${extra.length}.csv`);
      const args = ['--checkpoint', checkpoints[0], '--dataset', datasetDir, '--od', 'test', '--beam', '2', '--max-steps', '4'];
      expect(await generate([...args, '--out', out, ...extra])).toBe(0);
      return readGeneratedCsv(await readFile(out, 'utf8')).map((t) => t.reached);
    };
    // An untrained student with 4 steps leaves routes unreached; the guard replaces each of them.
    expect((await reached([])).some((r) => !r)).toBe(true);
    expect((await reached(['--guard-cap', '1.2'])).every((r) => r)).toBe(true);
    expect(
      await generate([
        '--checkpoint',
        checkpoints[0],
        '--dataset',
        datasetDir,
        '--od',
        'test',
        '--out',
        join(dir, 'x.csv'),
        '--guard-cap',
        '0.9',
      ]),
    ).toBe(2);
  }, 60_000);
});
