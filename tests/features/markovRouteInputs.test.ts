// The Markov + length baseline's knowledge as route inputs (issue 65, lever a), and the time left on
// speeds fitted on the train trips (lever b): the cost to go on
// link costs, the baseline's own route as the zero-gap candidate at every step, the transition
// counts and their cross-fitting (a training trip never reads its own transitions), the wider
// inputs through the model, the incremental decoder, a checkpoint, the export and a training run.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  RemainingTimes,
  checkRouteFeatureSpec,
  remainingTimesFor,
  roadSecondsFor,
  routeFeatureWidth,
  sameRouteFeatures,
} from '../../src/lib/data/remainingTimes';
import { fitRoadSpeeds, secondsAtSpeeds } from '../../src/lib/data/speeds';
import { countTransitions, tripFold, TRANSITION_FOLDS } from '../../src/lib/data/markovChain';
import { markovRouteTables } from '../../src/lib/data/markovRouteInputs';
import { forwardCsr } from '../../src/lib/data/routingGraph';
import { baselineRouter, markovLengthChain } from '../../src/lib/generate/baselines';
import type { RoadNetwork } from '../../src/lib/data/types';
import {
  batchContext,
  buildBatch,
  prepareTrip,
  stepCandidates,
  withRouteFeatures,
  type BatchContext,
} from '../../src/lib/features/studentBatch';
import { Student } from '../../src/lib/models/student';
import { decodeCheckpoint, encodeCheckpoint, weightsFromVariables } from '../../src/lib/checkpoint/checkpoint';
import { loadStudent } from '../../src/lib/checkpoint/loadModel';
import { studentConfigFor } from '../../src/lib/train/session';
import { normaliseHyper } from '../../src/lib/train/sessionHyper';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';
import { expectFlatTensorsWhileTraining, expectIncrementalAsFull } from './routeInputChecks';
import { writeTorchExport } from '../../src/cli/data/exportTorch';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHAIN = { alpha: 1, lengthPerKm: 3 };
const MARKOV = { speeds: 'free-flow' as const, markov: CHAIN };
const START = 1_380_000_000;

/** Four roads: 0 → 1 → 3 and 0 → 2 → 3, rel listing 0 → 1 twice. */
function diamond(): RoadNetwork {
  const links: Array<[number, number]> = [
    [0, 1],
    [0, 2],
    [1, 3],
    [0, 1],
    [2, 3],
  ];
  const roads = [0, 1, 2, 3].map((id) => ({
    id,
    coords: [
      [-8.6 + id * 0.001, 41.15],
      [-8.6 + id * 0.001 + 0.001, 41.15],
    ] as Array<[number, number]>,
    highway: 'residential',
    lengthM: 100,
  }));
  const out: number[][] = roads.map(() => []);
  for (const [a, b] of links) out[a].push(b);
  return { roads, relOrigin: Int32Array.from(links.map((l) => l[0])), relDest: Int32Array.from(links.map((l) => l[1])), out };
}

describe('cost to go on link costs', () => {
  it('sums the links after a road, the cheapest copy of a listed-twice link counting', () => {
    const net = diamond();
    // Per rel entry: 0→1 costs 5 (and 2 on its second listing), 0→2 4, 1→3 10, 2→3 1.
    const rt = new RemainingTimes(net, { linkCost: Float64Array.from([5, 4, 10, 2, 1]) });
    expect(Array.from(rt.to(3))).toEqual([5, 10, 1, 0]);
    expect(() => new RemainingTimes(net, { linkCost: new Float64Array(3) })).toThrow(/3 link costs for 5 links/);
  });
});

describe('the Markov route spec', () => {
  it('is checked, widens the inputs to four and tells specs apart', () => {
    expect(checkRouteFeatureSpec(MARKOV)).toEqual(MARKOV);
    expect(routeFeatureWidth(undefined)).toBe(0);
    expect(routeFeatureWidth({ speeds: 'free-flow' })).toBe(2);
    expect(routeFeatureWidth(MARKOV)).toBe(4);
    expect(sameRouteFeatures(MARKOV, { speeds: 'free-flow', markov: { ...CHAIN } })).toBe(true);
    expect(sameRouteFeatures(MARKOV, { speeds: 'free-flow' })).toBe(false);
    expect(sameRouteFeatures(undefined, undefined)).toBe(true);
    expect(() => checkRouteFeatureSpec({ speeds: 'free-flow', markov: { alpha: 0, lengthPerKm: 3 } })).toThrow(/"alpha" > 0/);
    expect(() => checkRouteFeatureSpec({ speeds: 'free-flow', markov: 'yes' })).toThrow(/expected "markov"/);
  });

  it("takes each city's val-chosen Markov + length chain, and reaches the student's config through the session settings", () => {
    expect(markovLengthChain('porto')).toEqual({ alpha: 1, lengthPerKm: 3 });
    expect(markovLengthChain('sf')).toEqual({ alpha: 30, lengthPerKm: 10 });
    const h = normaliseHyper({ routeFeatures: true, routeMarkov: CHAIN });
    expect(studentConfigFor(h).routeFeatures).toEqual(MARKOV);
    // Without the route features there are no Markov inputs either; a malformed chain is dropped.
    expect(normaliseHyper({ routeFeatures: false, routeMarkov: CHAIN }).routeMarkov).toBeNull();
    expect(normaliseHyper({ routeFeatures: true, routeMarkov: { alpha: -1 } as never }).routeMarkov).toBeNull();
  });
});

describe('time left on fitted speeds (issue 65, lever b)', () => {
  it("computes the time left on the speeds fitted on the derived data's train trips, and refuses data without them", async () => {
    await tf.setBackend('cpu');
    const city = makeCity(5, 30, 4, 4);
    const fitted = { speeds: 'fitted' as const };
    expect(Array.from(city.derived.fittedKmh)).toEqual(Array.from(Float32Array.from(fitRoadSpeeds(city.net, city.ds.splits.train).kmh)));
    const sec = roadSecondsFor(city.net, 'fitted', city.derived);
    expect(Array.from(sec)).toEqual(Array.from(secondsAtSpeeds(city.net, city.derived.fittedKmh)));
    const dest = city.ds.splits.val[0].roads.at(-1)!;
    expect(Array.from(remainingTimesFor(city.net, fitted, city.derived).to(dest))).toEqual(
      Array.from(new RemainingTimes(city.net, sec).to(dest)),
    );
    // Another derived data (other train trips) gets its own table; free-flow stays the network's.
    const other = { ...city.derived, fittedKmh: city.derived.fittedKmh.map((v) => v / 2) };
    expect(remainingTimesFor(city.net, fitted, other)).not.toBe(remainingTimesFor(city.net, fitted, city.derived));
    expect(remainingTimesFor(city.net, { speeds: 'free-flow' }, other)).toBe(
      remainingTimesFor(city.net, { speeds: 'free-flow' }, city.derived),
    );
    expect(() => roadSecondsFor(city.net, 'fitted')).toThrow(/prepared without speeds fitted on its train trips/);
    // A student on fitted speeds reads them in its batches; the session settings carry the name.
    const ctx = batchContext(city.net, city.derived, { routeFeatures: fitted });
    const st = stepCandidates(ctx, city.ds.splits.val[0].roads[0], dest);
    expect(st.route!.length).toBe(2 * st.cands.length);
    expect(studentConfigFor(normaliseHyper({ routeFeatures: true, routeSpeeds: 'fitted' })).routeFeatures).toEqual(fitted);
    expect(normaliseHyper({ routeFeatures: true, routeSpeeds: 'live' as never }).routeSpeeds).toBe('free-flow');
  });
});

describe('Markov route inputs on a synthetic city', () => {
  let city: SynthCity;
  let ctx: BatchContext;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    city = makeCity(6, 40, 8, 4);
    ctx = batchContext(city.net, city.derived, { routeFeatures: MARKOV });
  });

  it("counts the train transitions in folds that add up to the baseline's table", () => {
    const g = forwardCsr(city.net);
    const all = countTransitions(g, city.ds.splits.train).edgeCount;
    const folds = city.derived.transitionFolds;
    expect(folds.length).toBe(TRANSITION_FOLDS);
    const sum = Array.from(all, (_, e) => folds.reduce((a, f) => a + f[e], 0));
    expect(sum).toEqual(Array.from(all));
    // Both folds hold trips, and a trip's fold depends on its roads and start only.
    const byFold = city.ds.splits.train.map((t) => tripFold(t.roads, t.times[0]));
    expect(new Set(byFold).size).toBe(2);
    const t = city.ds.splits.train[0];
    expect(tripFold([...t.roads], t.times[0])).toBe(byFold[0]);
  });

  it("gives the baseline's own next road a gap of zero at every step of its route", () => {
    const router = baselineRouter('markovLength', city.net, city.ds.splits.train, {
      markovLengthAlpha: CHAIN.alpha,
      lengthPerKm: CHAIN.lengthPerKm,
    });
    let steps = 0;
    for (const t of city.ds.splits.val) {
      const dest = t.roads[t.roads.length - 1];
      const r = router.route(t.roads[0], dest);
      expect(r.reached).toBe(true);
      for (let i = 0; i + 1 < r.roads.length; i++) {
        const st = stepCandidates(ctx, r.roads[i], dest);
        const k = st.cands.indexOf(r.roads[i + 1]);
        expect(k).toBeGreaterThanOrEqual(0);
        const gaps = st.cands.map((_, j) => st.route![4 * j + 2]);
        expect(st.route![4 * k + 2]).toBeCloseTo(0, 5);
        expect(Math.min(...gaps)).toBeCloseTo(0, 5);
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(20);
  });

  it("reads every train count when scoring, and only the other fold's (doubled) for a training trip", () => {
    const g = forwardCsr(city.net);
    const all = countTransitions(g, city.ds.splits.train).edgeCount;
    const countOf = (table: ArrayLike<number>, a: number, b: number): number => {
      for (let e = g.off[a]; e < g.off[a + 1]; e++) if (g.adj[e] === b) return table[e];
      return NaN;
    };
    const trip = city.ds.splits.train.find((t) => t.roads.length >= 5)!;
    const fold = tripFold(trip.roads, trip.times[0]);
    const other = city.derived.transitionFolds[1 - fold];
    const dest = trip.roads[trip.roads.length - 1];
    const scored = prepareTrip(ctx, trip, 0);
    const trained = prepareTrip({ ...ctx, crossFit: true }, trip, 0);
    for (let i = 0; i < scored.steps; i++) {
      for (let c = scored.candOffset[i]; c < scored.candOffset[i + 1]; c++) {
        const cand = scored.cands[c];
        expect(scored.route[4 * c + 3]).toBe(Math.fround(Math.log1p(countOf(all, trip.roads[i], cand))));
        expect(trained.route[4 * c + 3]).toBe(Math.fround(Math.log1p(2 * countOf(other, trip.roads[i], cand))));
      }
      // The time inputs do not depend on the fold.
      for (let c = scored.candOffset[i]; c < scored.candOffset[i + 1]; c++) expect(trained.route[4 * c]).toBe(scored.route[4 * c]);
    }
    // The trip's own first transition is in the full table and not in the cross-fitted one.
    expect(countOf(all, trip.roads[0], trip.roads[1]) - countOf(other, trip.roads[0], trip.roads[1])).toBeGreaterThanOrEqual(1);
    expect(markovRouteTables(city.net, city.derived, CHAIN, null)).toBe(markovRouteTables(city.net, city.derived, CHAIN, null));
    expect(() => markovRouteTables(city.net, city.derived, CHAIN, 2)).toThrow(/fold 2 is not one of 0…1/);
    expect(() => markovRouteTables(city.net, { ...city.derived, transitionFolds: [] }, CHAIN, null)).toThrow(
      /without train transition counts/,
    );
    void dest;
  });

  it('widens the navigator by four inputs, round-trips a checkpoint and decodes incrementally as in full', async () => {
    const s = new Student(city.derived, { ...TINY_STUDENT, routeFeatures: MARKOV }, 6);
    expect(s.p.metricRoute!.w.shape).toEqual([4, TINY_STUDENT.metricDim]);
    const plainCtx = batchContext(city.net, city.derived, { routeFeatures: { speeds: 'free-flow' } });
    expect(withRouteFeatures(plainCtx, s.config)).toEqual(ctx);
    const two = buildBatch(plainCtx, [prepareTrip(plainCtx, city.ds.splits.val[0], 0)]);
    expect(() => tf.tidy(() => void s.forward(two, s.encodeNetwork()))).toThrow(/has none or others/);
    const bytes = encodeCheckpoint({
      kind: 'student',
      config: s.config,
      fingerprint: city.derived.fingerprint,
      training: { epoch: 0, step: 0, extra: {} },
      hyper: { routeFeatures: true, routeMarkov: CHAIN },
      created: '2026-01-01T00:00:00.000Z',
      weights: weightsFromVariables(s.store.variables()),
    });
    const loaded = loadStudent(decodeCheckpoint(bytes), city.derived).model;
    const b = buildBatch(
      ctx,
      city.ds.splits.val.slice(0, 2).map((t, i) => prepareTrip(ctx, t, i)),
    );
    const run = (m: Student) => tf.tidy(() => m.forward(b, m.encodeNetwork()).logits.dataSync().slice());
    expect(Array.from(run(loaded))).toEqual(Array.from(run(s)));
    loaded.dispose();

    await expectIncrementalAsFull(s, city, START);
    s.dispose();
  });

  it('exports four inputs per candidate, the train split cross-fitted as the trainer prepares it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'markov-export-'));
    try {
      const m = await writeTorchExport(dir, city.ds, city.derived, { maxLen: 512, routeFeatures: MARKOV });
      expect(m.routeFeatures).toEqual(MARKOV);
      expect(m.arrays['train/candRoute'].shape).toEqual([m.splits.train.candidates, 4]);
      expect(m.arrays['val/candRoute'].shape).toEqual([m.splits.val.candidates, 4]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('trains with the inputs on, with a flat tensor count; only the training trips are cross-fitted', () => {
    expect(batchContext(city.net, city.derived, { routeFeatures: MARKOV }).crossFit).toBeUndefined();
    expectFlatTensorsWhileTraining(city, MARKOV, 10);
  });
});

describe('a zone-level plan as a route input (issue 65, lever c)', () => {
  const ZONES = { speeds: 'free-flow' as const, zonePlan: true };

  it("gives each candidate its zone's cost to go on the train trips' zone chain, relative to the step's best", async () => {
    await tf.setBackend('cpu');
    const city = makeCity(6, 40, 8, 4);
    const { roadZone, nZones } = city.derived.zones;
    // The chain, counted straight from the trips: crossings a → b between consecutive roads.
    const cross = new Map<string, number>();
    for (const t of city.ds.splits.train)
      for (let i = 1; i < t.roads.length; i++) {
        const a = roadZone[t.roads[i - 1]];
        const b = roadZone[t.roads[i]];
        if (a !== b) cross.set(`${a}>${b}`, (cross.get(`${a}>${b}`) ?? 0) + 1);
      }
    const borders = new Set<string>();
    city.net.relOrigin.forEach((o, e) => {
      const a = roadZone[o];
      const b = roadZone[city.net.relDest[e]];
      if (a !== b) borders.add(`${a}>${b}`);
    });
    const total = new Array<number>(nZones).fill(0);
    const deg = new Array<number>(nZones).fill(0);
    for (const k of borders) {
      const a = Number(k.split('>')[0]);
      total[a] += cross.get(k) ?? 0;
      deg[a]++;
    }
    // Bellman-Ford to each destination zone.
    const costTo = (goal: number): number[] => {
      const z = new Array<number>(nZones).fill(Infinity);
      z[goal] = 0;
      for (let round = 0; round < nZones; round++)
        for (const k of borders) {
          const [a, b] = k.split('>').map(Number);
          const c = -Math.log(((cross.get(k) ?? 0) + 1) / (total[a] + deg[a])) + z[b];
          if (c < z[a]) z[a] = c;
        }
      return z;
    };
    const ctx = batchContext(city.net, city.derived, { routeFeatures: ZONES });
    let checked = 0;
    for (const t of city.ds.splits.val) {
      const dest = t.roads[t.roads.length - 1];
      const z = costTo(roadZone[dest]);
      for (let i = 0; i + 1 < t.roads.length; i++) {
        const st = stepCandidates(ctx, t.roads[i], dest);
        expect(st.route!.length).toBe(3 * st.cands.length);
        const best = Math.min(...st.cands.map((c) => z[roadZone[c]]));
        st.cands.forEach((c, k) => expect(st.route![3 * k + 2]).toBeCloseTo(Math.log1p(z[roadZone[c]] - best), 5));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // With the Markov inputs too: five per candidate, the zone gap last.
    const both = batchContext(city.net, city.derived, { routeFeatures: { ...MARKOV, zonePlan: true } });
    const t = city.ds.splits.val[0];
    const st5 = stepCandidates(both, t.roads[0], t.roads.at(-1)!);
    const st3 = stepCandidates(ctx, t.roads[0], t.roads.at(-1)!);
    expect(st5.route!.length).toBe(5 * st5.cands.length);
    st5.cands.forEach((_, k) => expect(st5.route![5 * k + 4]).toBe(st3.route![3 * k + 2]));
    expect(checkRouteFeatureSpec({ ...ZONES })).toEqual(ZONES);
    expect(() => checkRouteFeatureSpec({ speeds: 'free-flow', zonePlan: 'yes' })).toThrow(/"zonePlan": true or false/);
    expect(studentConfigFor(normaliseHyper({ routeFeatures: true, routeZonePlan: true })).routeFeatures).toEqual(ZONES);
  });

  it('decodes incrementally as in full with three inputs per candidate', async () => {
    await tf.setBackend('cpu');
    const city = makeCity(5, 30, 4, 4);
    const s = new Student(city.derived, { ...TINY_STUDENT, routeFeatures: ZONES }, 4);
    expect(s.p.metricRoute!.w.shape).toEqual([3, TINY_STUDENT.metricDim]);
    await expectIncrementalAsFull(s, city, START, 4);
    s.dispose();
  });
});
