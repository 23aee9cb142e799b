// Route-aware candidate features (issue 49, lever 3a): the reverse Dijkstra's exact remaining times,
// the features built from them, the same features on the training and the generation paths, the
// config through a checkpoint, students without the feature unchanged, and clear refusals.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { RemainingTimes, checkRouteFeatureSpec, remainingTimesFor, roadSecondsFor } from '../../src/lib/data/remainingTimes';
import { ROUTE_UNREACHABLE_DELAY, routeCandidateFeatures } from '../../src/lib/data/candidates';
import { freeFlowSeconds } from '../../src/lib/data/speeds';
import type { RoadNetwork } from '../../src/lib/data/types';
import {
  batchContext,
  buildBatch,
  buildQueryBatch,
  prepareTrip,
  stepCandidates,
  withRouteFeatures,
  type BatchContext,
} from '../../src/lib/features/studentBatch';
import { Student } from '../../src/lib/models/student';
import { decodeCheckpoint, encodeCheckpoint, weightsFromVariables } from '../../src/lib/checkpoint/checkpoint';
import { loadStudent } from '../../src/lib/checkpoint/loadModel';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';
import { expectFlatTensorsWhileTraining, expectIncrementalAsFull } from './routeInputChecks';
import { writeTorchExport } from '../../src/cli/data/exportTorch';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUTE = { speeds: 'free-flow' as const };
const START = 1_380_000_000;

/** Five roads: 0 → 1 → 2, 0 → 3 → 2, 4 → 0; nothing leads into 4. */
function smallNetwork(): RoadNetwork {
  const links: Array<[number, number]> = [
    [0, 1],
    [1, 2],
    [0, 3],
    [3, 2],
    [4, 0],
  ];
  const roads = [0, 1, 2, 3, 4].map((id) => ({
    id,
    coords: [
      [-8.6 + id * 0.001, 41.15],
      [-8.6 + id * 0.001 + 0.001, 41.15],
    ] as Array<[number, number]>,
    highway: id === 3 ? 'primary' : 'residential',
    lengthM: 100 * (id + 1),
  }));
  const out: number[][] = roads.map(() => []);
  for (const [a, b] of links) out[a].push(b);
  return { roads, relOrigin: Int32Array.from(links.map((l) => l[0])), relDest: Int32Array.from(links.map((l) => l[1])), out };
}

describe('RemainingTimes (one reverse Dijkstra per destination)', () => {
  const sec = Float64Array.from([10, 20, 5, 30, 7]);

  it('gives the exact seconds from entering each road to entering the destination', () => {
    const rt = new RemainingTimes(smallNetwork(), sec);
    // D(2) = 0; D(1) = 20; D(3) = 30; D(0) = 10 + min(20, 30); D(4) = 7 + D(0).
    expect(Array.from(rt.to(2))).toEqual([30, 20, 0, 30, 37]);
    expect(rt.to(1)[0]).toBe(10);
    expect(rt.to(1)[2]).toBe(Infinity); // 2 leads nowhere
  });

  it('leaves roads that cannot reach the destination at Infinity', () => {
    const rt = new RemainingTimes(smallNetwork(), sec);
    expect(Array.from(rt.to(4))).toEqual([Infinity, Infinity, Infinity, Infinity, 0]);
  });

  it('runs one search per destination and keeps the most recently used ones', () => {
    const rt = new RemainingTimes(smallNetwork(), sec, 2);
    const a = rt.to(2);
    rt.to(2);
    expect(rt.searches).toBe(1);
    rt.to(1);
    rt.to(2); // 2 is now the most recent; 1 goes when 0 comes
    rt.to(0);
    expect(rt.searches).toBe(3);
    expect(rt.to(2)).toBe(a);
    expect(rt.searches).toBe(3);
    rt.to(1);
    expect(rt.searches).toBe(4);
    expect(() => rt.to(9)).toThrow(/destination 9 is not a road/);
  });

  it("reads free-flow times from the fastest-path baseline's table, one instance per network", () => {
    const net = smallNetwork();
    expect(Array.from(roadSecondsFor(net, 'free-flow'))).toEqual(Array.from(freeFlowSeconds(net)));
    expect(remainingTimesFor(net, ROUTE)).toBe(remainingTimesFor(net, ROUTE));
  });

  it('refuses speeds this build cannot compute, with the reason', () => {
    expect(checkRouteFeatureSpec({ speeds: 'free-flow' })).toEqual(ROUTE);
    expect(() => checkRouteFeatureSpec({ speeds: 'live' })).toThrow(
      /"live" speeds, which this build cannot compute \(it knows free-flow, fitted\)/,
    );
    expect(() => checkRouteFeatureSpec(true)).toThrow(/expected \{"speeds"/);
  });
});

describe('routeCandidateFeatures', () => {
  it('gives log1p(minutes behind the best candidate) and flags candidates that cannot reach the destination', () => {
    const remaining = Float32Array.from([300, 120, Infinity, 180]);
    const f = routeCandidateFeatures(remaining, [0, 1, 2, 3]);
    expect(Array.from(f.routeDelay)).toEqual([
      Math.fround(Math.log1p(3)),
      0,
      Math.fround(ROUTE_UNREACHABLE_DELAY),
      Math.fround(Math.log1p(1)),
    ]);
    expect(Array.from(f.unreachable)).toEqual([0, 0, 1, 0]);
    const none = routeCandidateFeatures(remaining, [2]);
    expect(Array.from(none.routeDelay)).toEqual([Math.fround(ROUTE_UNREACHABLE_DELAY)]);
    expect(Array.from(none.unreachable)).toEqual([1]);
  });
});

describe('route features in batches, models and checkpoints', () => {
  let city: SynthCity;
  let plain: BatchContext;
  let routed: BatchContext;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(6, 30, 8, 4);
    plain = batchContext(city.net, city.derived);
    routed = batchContext(city.net, city.derived, { routeFeatures: ROUTE });
  });

  it('builds the same features on the training path and the generation path, for the same prefix', () => {
    const trip = city.ds.splits.train.find((t) => t.roads.length >= 6)!;
    const dest = trip.roads[trip.roads.length - 1];
    const p = prepareTrip(routed, trip, 0);
    const batch = buildBatch(routed, [p]);
    const rt = remainingTimesFor(city.net, ROUTE).to(dest);
    for (let i = 0; i < p.steps; i++) {
      const prefix = trip.roads.slice(0, i + 1);
      const q = buildQueryBatch(routed, [{ prefix, dest, times: trip.times.slice(0, i + 1) }]);
      const st = stepCandidates(routed, prefix[i], dest);
      const m = st.cands.length;
      const train = Array.from(batch.candRoute.subarray(i * batch.C * 2, i * batch.C * 2 + 2 * m));
      expect(Array.from(q.batch.candRoute.subarray(0, 2 * m))).toEqual(train);
      expect(Array.from(st.route!)).toEqual(train);
      // The driver's next road's delay is its remaining time minus the best candidate's.
      const best = Math.min(...st.cands.map((c) => rt[c]));
      st.cands.forEach((c, k) => expect(st.route![2 * k]).toBe(Math.fround(Math.log1p((rt[c] - best) / 60))));
    }
    // Without the feature the batch carries none, and the old features are untouched.
    const off = buildBatch(plain, [prepareTrip(plain, trip, 0)]);
    expect(off.candRoute.length).toBe(0);
    expect(Array.from(off.candFeat)).toEqual(Array.from(batch.candFeat));
    expect(withRouteFeatures(plain, { routeFeatures: ROUTE })).toEqual(routed);
    expect(withRouteFeatures(routed, {})).toEqual(plain);
  });

  it('leaves a student without the feature as it was: same variables, same outputs whatever the batch carries', () => {
    const a = new Student(city.derived, TINY_STUDENT, 5);
    const names = a.store.variables().map((v) => v.name);
    expect(names.some((n) => n.includes('metricRoute'))).toBe(false);
    expect(a.p.navK.w.shape[0]).toBe(TINY_STUDENT.roadIdDim + 4 * TINY_STUDENT.roadFeatDim + 2 * TINY_STUDENT.metricDim);
    const trips = city.ds.splits.val.slice(0, 3);
    const withF = buildBatch(
      routed,
      trips.map((t, i) => prepareTrip(routed, t, i)),
    );
    const without = buildBatch(
      plain,
      trips.map((t, i) => prepareTrip(plain, t, i)),
    );
    const run = (b: typeof withF) => tf.tidy(() => a.forward(b, a.encodeNetwork()).logits.dataSync().slice());
    expect(Array.from(run(withF))).toEqual(Array.from(run(without)));
    a.dispose();
  });

  it('refuses a batch without the features a student reads, and unknown speeds in its config', () => {
    const s = new Student(city.derived, { ...TINY_STUDENT, routeFeatures: ROUTE }, 5);
    expect(s.p.navK.w.shape[0]).toBe(TINY_STUDENT.roadIdDim + 4 * TINY_STUDENT.roadFeatDim + 3 * TINY_STUDENT.metricDim);
    const b = buildBatch(plain, [prepareTrip(plain, city.ds.splits.val[0], 0)]);
    expect(() => tf.tidy(() => void s.forward(b, s.encodeNetwork()))).toThrow(/reads route features, and its batch has none/);
    s.dispose();
    expect(() => new Student(city.derived, { ...TINY_STUDENT, routeFeatures: { speeds: 'live' as 'free-flow' } })).toThrow(
      /"live" speeds, which this build cannot compute/,
    );
  });

  it('round-trips the config through a checkpoint; the loaded student scores as the trained one', () => {
    const s = new Student(city.derived, { ...TINY_STUDENT, routeFeatures: ROUTE }, 6);
    const bytes = encodeCheckpoint({
      kind: 'student',
      config: s.config,
      fingerprint: city.derived.fingerprint,
      training: { epoch: 0, step: 0, extra: {} },
      hyper: { routeFeatures: true },
      created: '2026-01-01T00:00:00.000Z',
      weights: weightsFromVariables(s.store.variables()),
    });
    const back = decodeCheckpoint(bytes);
    expect(back.config).toMatchObject({ routeFeatures: ROUTE });
    const loaded = loadStudent(back, city.derived).model;
    const b = buildBatch(
      routed,
      city.ds.splits.val.slice(0, 2).map((t, i) => prepareTrip(routed, t, i)),
    );
    const run = (m: Student) => tf.tidy(() => m.forward(b, m.encodeNetwork()).logits.dataSync().slice());
    expect(Array.from(run(loaded))).toEqual(Array.from(run(s)));
    // A checkpoint naming speeds this build does not know is refused when loaded.
    const foreign = { ...back, config: { ...back.config, routeFeatures: { speeds: 'live' } } };
    expect(() => loadStudent(foreign, city.derived)).toThrow(/"live" speeds, which this build cannot compute/);
    loaded.dispose();
    s.dispose();
  });

  it('decodes incrementally (host kernels) as full re-encoding does, with the feature on', async () => {
    const student = new Student(city.derived, { ...TINY_STUDENT, routeFeatures: ROUTE }, 11);
    await expectIncrementalAsFull(student, city, START);
    student.dispose();
  });

  it('exports the features for the PyTorch peer only when asked, as the training path makes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'route-export-'));
    try {
      const plainM = await writeTorchExport(join(dir, 'plain'), city.ds, city.derived, { maxLen: 512 });
      expect(plainM.routeFeatures).toBeUndefined();
      expect(plainM.arrays['train/candRoute']).toBeUndefined();
      const m = await writeTorchExport(join(dir, 'route'), city.ds, city.derived, { maxLen: 512, routeFeatures: ROUTE });
      expect(m.routeFeatures).toEqual(ROUTE);
      const e = m.arrays['val/candRoute'];
      expect(e.shape).toEqual([m.splits.val.candidates, 2]);
      // The .npy's data: the val trips' route features in order (after the 128-byte-aligned header).
      const bytes = await readFile(join(dir, 'route', e.file));
      const headerLen = 10 + bytes.readUInt16LE(8);
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + headerLen, bytes.byteOffset + bytes.length));
      const whole = { ...routed, maxLen: Math.max(...city.ds.splits.val.map((t) => t.roads.length)) };
      const expected = city.ds.splits.val.flatMap((t, i) => Array.from(prepareTrip(whole, t, i).route));
      expect(Array.from(data)).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the tensor count flat over 20 training steps with the feature on', () => {
    expect(expectFlatTensorsWhileTraining(city, ROUTE, 20).length).toBeGreaterThanOrEqual(5);
  });
});
