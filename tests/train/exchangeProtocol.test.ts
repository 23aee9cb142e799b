import { describe, it, expect, beforeAll } from 'vitest';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { ExchangeHub, sumContributions, sumCounts, type GradientExchange, type ShardContribution } from '../../src/lib/train/dataParallel';
import { PortExchange, serveExchange, type ExchangeDown, type ExchangeUp } from '../../src/lib/train/exchangeProtocol';
import type { Counts } from '../../src/lib/train/studentLoss';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// The exchange protocol the browser's gradient helpers speak (workers/gradHelpers.ts and
// trainGradWorker.ts; the Node pool speaks it too), run in one process over real MessagePorts
// (node:worker_threads' MessageChannel, which structured-clones and transfers as the browser's
// does): rank 0 holds the hub and serves each other rank over its port.

/** `size` ranks: rank 0 the hub's endpoint, the others PortExchanges over a MessageChannel each. */
function portRanks(size: number): { hub: ExchangeHub; ranks: GradientExchange[]; ports: MessagePort[] } {
  const hub = new ExchangeHub(size);
  const ranks: GradientExchange[] = [hub.endpoint(0)];
  const ports: MessagePort[] = [];
  for (let rank = 1; rank < size; rank++) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    port1.on('message', (m: ExchangeUp) => serveExchange(hub, rank, m, (d, transfer) => port1.postMessage(d, transfer)));
    const ex = new PortExchange(rank, size, (m, transfer) => port2.postMessage(m, transfer));
    port2.on('message', (m: ExchangeDown) => ex.receive(m));
    ranks.push(ex);
  }
  return { hub, ranks, ports };
}

function randomShare(seed: number, n: number, vars: number): ShardContribution {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return {
    grad: Float32Array.from({ length: n }, rnd),
    present: Uint8Array.from({ length: vars }, (_, i) => ((i + seed) % 3 === 0 ? 1 : 0)),
    stats: Float64Array.from({ length: 7 }, rnd),
  };
}

describe('the exchange over MessagePorts', () => {
  it('gives every rank the same sums as ExchangeHub (sumCounts, sumContributions in rank order), round after round', async () => {
    const size = 3;
    const { ranks, ports } = portRanks(size);
    try {
      for (let round = 0; round < 3; round++) {
        const counts: Counts[] = ranks.map((_, r) => ({ ce: 10 * r + round, time: r + 1, kl: round }));
        const expectedCounts = sumCounts(counts);
        const got = await Promise.all(ranks.map((x, r) => x.counts(counts[r])));
        for (const c of got) expect(c).toEqual(expectedCounts);
        const shares = ranks.map((_, r) => randomShare(100 * round + r + 1, 1000, 9));
        // What an in-process hub gives (copies: the ports move the helpers' gradient buffers).
        const direct = new ExchangeHub(size);
        const copies = shares.map((p) => ({ grad: p.grad.slice(), present: p.present.slice(), stats: p.stats.slice() }));
        const expected = (await Promise.all(copies.map((p, r) => direct.contribute(r, p))))[0];
        expect(expected).toEqual(sumContributions(shares.map((p) => ({ grad: p.grad.slice(), present: p.present, stats: p.stats }))));
        const sums = await Promise.all(ranks.map((x, r) => x.contribute(shares[r])));
        for (const s of sums) {
          expect(Array.from(s.grad)).toEqual(Array.from(expected.grad));
          expect(Array.from(s.present)).toEqual(Array.from(expected.present));
          expect(Array.from(s.stats)).toEqual(Array.from(expected.stats));
        }
        // Each rank got its own gradient buffer.
        expect(new Set(sums.map((s) => s.grad.buffer)).size).toBe(size);
      }
    } finally {
      for (const p of ports) p.close();
    }
  });

  it('rejects a helper rank’s call, and every later one, when the hub fails (a worker died)', async () => {
    const { hub, ranks, ports } = portRanks(2);
    try {
      const waiting = ranks[1].counts({ ce: 1, time: 1, kl: 0 });
      hub.fail(new Error('helper 1 of 1: gone'));
      await expect(waiting).rejects.toThrow('gone');
      await expect(ranks[1].counts({ ce: 1, time: 1, kl: 0 })).rejects.toThrow('gone');
      await expect(ranks[0].counts({ ce: 1, time: 1, kl: 0 })).rejects.toThrow('gone');
    } finally {
      for (const p of ports) p.close();
    }
  });
});

describe('trainers over the ports', () => {
  let city: SynthCity;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(5, 40, 16, 4);
  });
  const trainer = (): StudentTrainer =>
    new StudentTrainer({
      network: city.net,
      derived: city.derived,
      train: city.ds.splits.train,
      val: city.ds.splits.val,
      studentConfig: { ...TINY_STUDENT, layers: 1 },
      options: { batchSize: 20, microBatch: 4, epochs: 1, lr: 5e-3, warmupRatio: 0, weightDecay: 0.01, seed: 7 },
    });

  it('2 ranks, one over a MessagePort, step as one worker on the joined batch (float tolerance)', async () => {
    const one = trainer();
    const { ranks, ports } = portRanks(2);
    const workers = ranks.map((ex) => {
      const t = trainer();
      t.dataParallel = ex;
      return t;
    });
    try {
      for (let s = 0; s < 2; s++) {
        const m1 = await one.stepAsync();
        const m2 = await Promise.all(workers.map((w) => w.stepAsync()));
        for (const m of m2) {
          expect(m.total).toBeCloseTo(m1.total, 5);
          expect(m.trainAcc).toBeCloseTo(m1.trainAcc, 6);
          expect(m.gradNorm).toBeCloseTo(m1.gradNorm, 4);
        }
      }
    } finally {
      for (const p of ports) p.close();
      for (const t of [one, ...workers]) t.dispose();
    }
  });

  it('a failed exchange gives the step’s batch back: the run goes on with one worker from the same batch', async () => {
    const fresh = trainer();
    const t = trainer();
    const hub = new ExchangeHub(2);
    t.dataParallel = hub.endpoint(0);
    const step = t.stepAsync();
    hub.fail(new Error('helper 1 of 1: gone'));
    await expect(step).rejects.toThrow('gone');
    t.dataParallel = null;
    const a = await t.stepAsync();
    const b = await fresh.stepAsync();
    expect(a.total).toBeCloseTo(b.total, 6);
    expect(t.steps).toBe(fresh.steps);
    for (const x of [fresh, t]) x.dispose();
  });
});
