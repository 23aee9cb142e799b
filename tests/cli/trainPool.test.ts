// Data-parallel training on worker threads (src/cli/train/trainPool.ts): two threads, each on half of
// every batch, take the same steps as one thread on the whole batch (the second step's loss is
// computed on the weights the first summed update left), and the two ranks agree exactly. A tiny
// synthetic city written to disk as the CLI reads it. The maths itself: tests/train/dataParallel.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeCity } from '../models/studentFixture';
import { removeTempDirs, tempDir } from '../tempDirs';
import { writeDatasetFiles } from '../../src/cli/common/fsDataset';
import { TrainPool } from '../../src/cli/train/trainPool';
import { normaliseHyper } from '../../src/lib/train/sessionHyper';

let datasetDir: string;
const hyper = normaliseHyper({ mode: 'vanilla', size: 'small', batch: 12, microBatch: 4, maxLen: 16, epochs: 1, seed: 3 });

beforeAll(async () => {
  datasetDir = join(tempDir('trajdistill-trainpool-'), 'city');
  await writeDatasetFiles(datasetDir, makeCity(6, 40, 10, 6).ds);
});

afterAll(() => removeTempDirs());

describe('TrainPool', () => {
  it(
    '2 threads on half batches each take one thread’s steps (float tolerance), and agree with each other exactly',
    { timeout: 120_000 },
    async () => {
      const run = async (size: number): Promise<{ total: number; steps: number }[]> => {
        const pool = await TrainPool.start({ datasetDir, hyper, size });
        try {
          expect(pool.threadCount).toBe(size);
          const first = await pool.steps(1);
          const second = await pool.steps(2);
          return [...first, ...second];
        } finally {
          await pool.close();
        }
      };
      const [one, two] = [await run(1), await run(2)];
      // [step 1 of rank 0, …, steps 2–3 of rank 0, …]: the last reported loss of each call.
      expect(one).toHaveLength(2);
      expect(two).toHaveLength(4);
      expect(two[0].total).toBe(two[1].total);
      expect(two[2].total).toBe(two[3].total);
      expect(two[2].steps).toBe(2);
      expect(two[0].total).toBeCloseTo(one[0].total, 5);
      expect(two[2].total).toBeCloseTo(one[1].total, 5);
      expect(Number.isFinite(one[1].total)).toBe(true);
    },
  );
});
