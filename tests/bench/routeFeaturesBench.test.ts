// The route-features benchmark compares like with like: its base reads no route features, its twin
// searches the same routes as the base, and a shipped student that reads them is timed beside.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { routeFeaturesBench } from '../../bench/suites/routeFeaturesBench';
import { batchContext } from '../../src/lib/features/studentBatch';
import { Student } from '../../src/lib/models/student';
import { makeCity, TINY_STUDENT } from '../models/studentFixture';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('routeFeaturesBench', () => {
  const city = makeCity(5, 12, 12);
  const dataset = { ...city.ds, splits: { ...city.ds.splits, test: city.ds.splits.val } };
  const ctx = batchContext(city.net, city.derived);
  const run = (base: Student, shipped?: Student) =>
    routeFeaturesBench({
      dataset,
      derived: city.derived,
      base,
      ctx,
      nOd: 4,
      timing: { warmup: 0, repeats: 1, minRepeats: 1 },
      shipped: shipped ? { student: shipped, source: 'shipped.safetensors' } : undefined,
    });

  it('times the base, its zero-weight twin (same routes) and the shipped feature student, and leaks no tensors', async () => {
    const base = new Student(city.derived, TINY_STUDENT, 3);
    const shipped = new Student(city.derived, { ...TINY_STUDENT, routeFeatures: { speeds: 'free-flow' } }, 4);
    const before = tf.memory().numTensors;
    const r = await run(base, shipped);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.nOd).toBe(4);
    expect(r.sameRoutes).toBe(true);
    expect(r.tripsPerSec.off).toBeGreaterThan(0);
    expect(r.shipped?.source).toBe('shipped.safetensors');
    expect(r.shipped?.tripsPerSec).toBeGreaterThan(0);
    expect(r.shipped?.overOff.n).toBe(1);
    base.dispose();
    shipped.dispose();
  });

  it('refuses a base that already reads the route features (its twin would not be today’s decoder)', async () => {
    const base = new Student(city.derived, { ...TINY_STUDENT, routeFeatures: { speeds: 'free-flow' } }, 3);
    await expect(run(base)).rejects.toThrow('the base must be a student without the route features');
    base.dispose();
  });
});
