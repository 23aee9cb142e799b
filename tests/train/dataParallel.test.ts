import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batchShard, ExchangeHub, sumContributions, sumCounts, type ShardContribution } from '../../src/lib/train/dataParallel';
import { StudentTrainer, type StudentTrainerOptions } from '../../src/lib/train/studentTrainer';
import { makeCity, tinyTrainer, type SynthCity } from '../models/studentFixture';

let city: SynthCity;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 40, 16, 4);
});

function trainer(opts: Partial<StudentTrainerOptions> = {}): StudentTrainer {
  // Micro-batches of 4: each shard accumulates several, as the joined batch does.
  return tinyTrainer(city, 7, { batchSize: 20, microBatch: 4, epochs: 2, ...opts });
}

/** Trainable weights in the student's variable order (tf names differ between models). */
function weights(t: StudentTrainer): Float32Array[] {
  return t.student.trainableVariables().map((v) => v.dataSync() as Float32Array);
}

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  expect(b.length).toBe(a.length);
  for (const [j, x] of a.entries()) {
    const y = b[j];
    expect(y.length).toBe(x.length);
    let num = 0;
    let den = 0;
    for (let i = 0; i < x.length; i++) {
      num = Math.max(num, Math.abs(x[i] - y[i]));
      den = Math.max(den, Math.abs(x[i]));
    }
    worst = Math.max(worst, num / Math.max(den, 1e-3));
  }
  return worst;
}

const contribution = (grad: number[], present: number[], stats: number[]): ShardContribution => ({
  grad: Float32Array.from(grad),
  present: Uint8Array.from(present),
  stats: Float64Array.from(stats),
});

describe('batchShard', () => {
  it('gives worker r of k the positions r, r + k, … and covers the batch once', () => {
    const batch = [10, 11, 12, 13, 14, 15, 16];
    expect(batchShard(batch, 2, 0)).toEqual([10, 12, 14, 16]);
    expect(batchShard(batch, 2, 1)).toEqual([11, 13, 15]);
    const three = [0, 1, 2].map((r) => batchShard(batch, 3, r));
    expect(three.flat().sort()).toEqual(batch);
    expect(batchShard(batch, 1, 0)).toEqual(batch);
  });

  it('leaves the last workers empty when the batch is smaller, and refuses a bad rank', () => {
    expect(batchShard([1, 2], 4, 3)).toEqual([]);
    expect(() => batchShard([1], 2, 2)).toThrow('rank');
    expect(() => batchShard([1], 0, 0)).toThrow('size');
  });
});

describe('sums', () => {
  it('adds counts, gradients and stats in rank order and ORs the variables reached', () => {
    expect(
      sumCounts([
        { ce: 3, time: 2, kl: 1 },
        { ce: 4, time: 0, kl: 5 },
      ]),
    ).toEqual({ ce: 7, time: 2, kl: 6 });
    const s = sumContributions([contribution([1, 2, 0], [1, 0], [0.5]), contribution([3, 0, 4], [0, 1], [1.5])]);
    expect(Array.from(s.grad)).toEqual([4, 2, 4]);
    expect(Array.from(s.present)).toEqual([1, 1]);
    expect(Array.from(s.stats)).toEqual([2]);
    expect(() => sumContributions([contribution([1], [1], []), contribution([1, 2], [1], [])])).toThrow('disagree');
  });

  it('meets the k-th call of every rank in one round and fails every waiter on fail()', async () => {
    const hub = new ExchangeHub(2);
    const a = hub.endpoint(0);
    const b = hub.endpoint(1);
    const [x, y] = await Promise.all([a.counts({ ce: 1, time: 1, kl: 0 }), b.counts({ ce: 2, time: 0, kl: 1 })]);
    expect(x).toEqual({ ce: 3, time: 1, kl: 1 });
    expect(y).toEqual(x);
    // Rank 0 runs ahead by one round: its second call waits for rank 1's second call.
    const first = a.counts({ ce: 1, time: 0, kl: 0 });
    const second = a.counts({ ce: 10, time: 0, kl: 0 });
    expect((await Promise.all([b.counts({ ce: 2, time: 0, kl: 0 }), first]))[1].ce).toBe(3);
    const late = b.counts({ ce: 20, time: 0, kl: 0 });
    expect((await second).ce).toBe(30);
    expect((await late).ce).toBe(30);
    const waiting = a.contribute(contribution([1], [1], []));
    hub.fail(new Error('worker 1 died'));
    await expect(waiting).rejects.toThrow('worker 1 died');
    await expect(b.counts({ ce: 0, time: 0, kl: 0 })).rejects.toThrow('worker 1 died');
  });
});

describe('data-parallel steps', () => {
  for (const k of [2, 3]) {
    it(`${k} workers' summed-gradient steps equal one worker on the joined batch (float tolerance), and the workers stay equal`, async () => {
      const one = trainer();
      const hub = new ExchangeHub(k);
      const workers = Array.from({ length: k }, (_, r) => {
        const t = trainer();
        t.dataParallel = hub.endpoint(r);
        return t;
      });
      for (let s = 0; s < 3; s++) {
        const m1 = await one.stepAsync();
        const mk = await Promise.all(workers.map((w) => w.stepAsync()));
        for (const m of mk) {
          expect(m.finite).toBe(true);
          expect(m.total).toBeCloseTo(m1.total, 5);
          expect(m.ce).toBeCloseTo(m1.ce, 5);
          expect(m.time).toBeCloseTo(m1.time, 5);
          expect(m.trainAcc).toBeCloseTo(m1.trainAcc, 6);
          expect(m.gradNorm).toBeCloseTo(m1.gradNorm, 4);
        }
      }
      const w0 = weights(workers[0]);
      for (const w of workers.slice(1)) expect(maxRelDiff(w0, weights(w))).toBe(0);
      expect(maxRelDiff(weights(one), w0)).toBeLessThan(1e-4);
      // More steps leave the tensor count flat (every gradient and exchange tensor disposed).
      const mid = tf.memory().numTensors;
      await one.stepAsync();
      await Promise.all(workers.map((w) => w.stepAsync()));
      expect(tf.memory().numTensors).toBe(mid);
      for (const t of [one, ...workers]) t.dispose();
    });
  }

  it('refuses the synchronous driver (it cannot wait for the other workers)', () => {
    const t = trainer();
    t.dataParallel = new ExchangeHub(2).endpoint(0);
    expect(() => t.step()).toThrow('runTaskAsync');
    t.dispose();
  });
});
