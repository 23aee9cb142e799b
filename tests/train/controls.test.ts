import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batchContext, prepareTrips, swappedDestinations } from '../../src/lib/features/studentBatch';
import { TeacherProbs, type NextCellTeacher, type TeacherProbOptions } from '../../src/lib/train/teacherProbs';
import type { TeacherTarget } from '../../src/lib/train/teacherTargets';
import { runTaskSync } from '../../src/lib/train/deviceTask';
import { routesAsTrips } from '../../src/lib/train/routeTrips';
import { TrainingSession } from '../../src/lib/train/session';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// The controls of "is it the teacher?": the same KL towards a uniform target, the teacher given the
// wrong destination, and the route corpus as the student's own data.
let city: SynthCity;

beforeAll(async () => {
  await tf.setBackend('cpu');
  city = makeCity(5, 24, 8, 4);
});

/** A destination-conditioned teacher that records the windows it is asked about. */
function recordingTeacher(seen: number[][]): NextCellTeacher {
  const V = city.derived.grid.vocabSize;
  return {
    cfg: { collapse: false, anchor: 'centroid', destination: true },
    nextCellProbs(windows) {
      seen.push(...windows.map((w) => [...w]));
      return tf.fill([windows.length, V], 1 / V) as tf.Tensor2D;
    },
  };
}

const opts =
  (teacherTarget: TeacherTarget): (() => TeacherProbOptions) =>
  () => ({ cacheTeacher: false, window: 4, teacherChunk: 64, teacherTarget });

describe('teacher targets', () => {
  it('uniform gives one value to every candidate of every step, with no teacher at all', () => {
    const ctx = batchContext(city.net, city.derived);
    const prepared = prepareTrips(ctx, city.ds.splits.train);
    const tp = new TeacherProbs(
      city.derived,
      city.ds.splits.train.map((t) => t.id),
      opts('uniform'),
    );
    expect(tp.available).toBe(true);
    const per = runTaskSync(tp.tripsTask(prepared));
    per.forEach((q, i) => {
      expect(q.length).toBe(prepared[i].candOffset[prepared[i].steps]);
      expect(new Set(q).size).toBe(1);
    });
  });

  it('swapped gives the teacher another train trip’s destination, and the real target its own', () => {
    const train = city.ds.splits.train;
    const ctx = batchContext(city.net, city.derived);
    const prepared = prepareTrips(ctx, train);
    const cellOf = city.derived.grid.roadCell;
    const partner = swappedDestinations(train);
    for (const target of ['teacher', 'swapped'] as const) {
      const seen: number[][] = [];
      const tp = new TeacherProbs(
        city.derived,
        train.map((t) => t.id),
        opts(target),
        recordingTeacher(seen),
        undefined,
        partner,
      );
      runTaskSync(tp.tripsTask(prepared));
      let row = 0;
      let differs = 0;
      for (const p of prepared) {
        const own = cellOf[train[p.index].roads.at(-1)!];
        const want = target === 'swapped' ? cellOf[partner(p.index)] : own;
        for (let s = 0; s < p.steps; s++, row++) expect(seen[row][0]).toBe(want);
        if (want !== own) differs++;
      }
      expect(row).toBe(seen.length);
      if (target === 'swapped') expect(differs).toBeGreaterThan(prepared.length / 2);
    }
  });

  it('swapped refuses a teacher that is not given a destination', () => {
    const train = city.ds.splits.train;
    const prepared = prepareTrips(batchContext(city.net, city.derived), train);
    const plain: NextCellTeacher = { ...recordingTeacher([]), cfg: { collapse: false, anchor: 'centroid' } };
    const tp = new TeacherProbs(
      city.derived,
      train.map((t) => t.id),
      opts('swapped'),
      plain,
      undefined,
      swappedDestinations(train),
    );
    expect(() => runTaskSync(tp.tripsTask(prepared))).toThrow(/destination-conditioned teacher/);
  });

  it('a distilled session with the uniform target trains without a teacher checkpoint', async () => {
    const session = new TrainingSession({
      dataset: city.ds,
      derived: city.derived,
      hyper: { mode: 'distilled', teacherTarget: 'uniform', lambda: 0.5, tau: 2, epochs: 1, batch: 8, microBatch: 8, seed: 3 },
      studentConfig: { ...TINY_STUDENT, layers: 1 },
      backendName: 'cpu',
      yieldFn: () => Promise.resolve(),
    });
    const m = session.trainer.step();
    expect(m.kl).toBeGreaterThan(0);
    expect(Number.isFinite(m.total)).toBe(true);
    session.dispose();
  });
});

describe('routes as training trips', () => {
  const routes = () => city.ds.splits.val.map((t, i) => ({ id: String(i), roads: t.roads, source: 'test' }));

  it('each route gets one start time drawn from the train trips, the same for the same seed', () => {
    const trips = city.ds.splits.train;
    const starts = new Set(trips.map((t) => t.times[0]));
    const a = routesAsTrips(routes(), trips, 7);
    expect(a).toHaveLength(routes().length);
    for (const t of a) {
      expect(t.times).toHaveLength(1);
      expect(starts.has(t.times[0])).toBe(true);
      expect(t.id.startsWith('route:')).toBe(true);
    }
    expect(routesAsTrips(routes(), trips, 7)).toEqual(a);
    // Untimed: no step of a route has a time label.
    const prepared = prepareTrips(batchContext(city.net, city.derived), a);
    for (const p of prepared) expect(Array.from(p.timeLabel).every(Number.isNaN)).toBe(true);
  });

  it('a session with routes trains on trips and routes, and refuses a dataset without them', () => {
    const mk = (withRoutes: boolean) =>
      new TrainingSession({
        dataset: withRoutes ? { ...city.ds, routes: routes() } : city.ds,
        derived: city.derived,
        hyper: { mode: 'vanilla', routes: true, epochs: 1, batch: 8, microBatch: 8, seed: 3 },
        studentConfig: { ...TINY_STUDENT, layers: 1 },
        backendName: 'cpu',
        yieldFn: () => Promise.resolve(),
      });
    const s = mk(true);
    expect(s.trainer.trainTripCount).toBe(city.ds.splits.train.length + routes().length);
    s.dispose();
    expect(() => mk(false)).toThrow(/no routes.csv/);
  });
});
