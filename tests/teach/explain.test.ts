import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeCity, TINY_STUDENT } from '../models/studentFixture';
import { Student } from '../../src/lib/models/student';
import { TeacherModel, defaultTeacherConfig } from '../../src/lib/models/teacher';
import { batchContext, buildBatch, prepareTrip } from '../../src/lib/features/studentBatch';
import { bestStep, explainTrip } from '../../src/lib/teach/explain';
import { stepExplanation } from '../../src/lib/teach/stepView';
import { studentLogits } from '../../src/lib/models/studentSteps';
import { tripSurprisal } from '../../src/lib/teach/anomaly';
import { stepLosses } from '../../src/lib/teach/stepMath';
import { cellPolygon } from '../../src/lib/teach/cells';
import { parseTeachUrl, teachUrl } from '../../src/lib/teach/urlState';
import { HYPER_PRESETS, START_RECIPE } from '../../src/lib/train/recipe';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('explainTrip', () => {
  it('collects per-step raw numbers that match a direct model call, without leaking tensors', async () => {
    const city = makeCity(6, 20, 12, 4);
    const ctx = batchContext(city.net, city.derived);
    const teacher = new TeacherModel({ ...defaultTeacherConfig(city.derived.grid.vocabSize, 64), nLayer: 1, nEmbd: 16, nHead: 2 }, 1);
    const vanilla = new Student(city.derived, { ...TINY_STUDENT, freezeEncoders: true }, 1);
    const distilled = new Student(city.derived, { ...TINY_STUDENT, freezeEncoders: true }, 2);
    const trip = city.ds.splits.val.reduce((a, b) => (b.roads.length > a.roads.length ? b : a));
    await explainTrip(ctx, { teacher, vanilla, distilled }, trip, { window: 3 }); // warm up (kernels, prepared graph)
    const before = tf.memory().numTensors;
    const exp = await explainTrip(ctx, { teacher, vanilla, distilled }, trip, { window: 3, topK: 5 });
    expect(tf.memory().numTensors).toBe(before);

    expect(exp.steps.length).toBe(trip.roads.length - 1);
    expect(exp.surprisal.length).toBe(trip.roads.length + 1);
    const s = stepExplanation(exp, 2);
    expect(s.prefix).toEqual(trip.roads.slice(0, 3));
    expect(s.destination).toBe(trip.roads[trip.roads.length - 1]);
    expect(s.trueNext).toBe(trip.roads[3]);
    expect(s.cands[s.label]).toBe(trip.roads[3]);
    expect(s.window).toEqual(exp.cells.slice(0, 3));
    expect(s.candCells).toEqual(s.cands.map((c) => city.derived.grid.roadCell[c]));
    // Teacher raw probabilities come from the same window.
    const probs = teacher.nextCellProbs([s.window]);
    const row = probs.dataSync();
    probs.dispose();
    s.candCells.forEach((c, i) => expect(s.teacherRaw[i]).toBeCloseTo(row[c], 6));
    expect(s.topCells.length).toBe(5);
    expect(s.topCells[0].p).toBeGreaterThanOrEqual(s.topCells[4].p);
    expect(s.vanilla!.length).toBe(s.cands.length);
    expect(s.vanilla).not.toEqual(s.distilled);
    // The surprisal's mean is LM-TAD's anomaly score.
    expect(exp.score).toBeCloseTo((await teacher.anomalyScore([exp.cells]))[0], 4);
    expect(await tripSurprisal(teacher, exp.cells)).toEqual(exp.surprisal);
    // Everything a slider needs comes from the cached numbers.
    const l = stepLosses({ teacherRaw: s.teacherRaw, logits: s.vanilla!, label: s.label }, 2, 0.1);
    expect(Number.isFinite(l.klScaled)).toBe(true);
    const b = bestStep(exp);
    expect(b.k).toBeGreaterThanOrEqual(0);
    expect(b.k).toBeLessThan(exp.steps.length);
    teacher.dispose();
    vanilla.dispose();
    distilled.dispose();
  });
});

describe('studentLogits', () => {
  it('reads the trip from its receptive field: the same logits as the whole network, nothing cached or leaked', async () => {
    const city = makeCity(6, 20, 12, 4);
    const ctx = batchContext(city.net, city.derived);
    const trip = city.ds.splits.val.reduce((a, b) => (b.roads.length > a.roads.length ? b : a));
    for (const freezeEncoders of [true, false]) {
      const student = new Student(city.derived, { ...TINY_STUDENT, freezeEncoders }, 3);
      const before = tf.memory().numTensors;
      const got = await studentLogits(student, ctx, trip);
      expect(tf.memory().numTensors).toBe(before);
      const batch = buildBatch(ctx, [prepareTrip(ctx, trip, 0)]);
      const full = tf.tidy(() => student.forward(batch, student.encodeNetwork()).logits);
      const v = full.dataSync();
      full.dispose();
      expect(got.length).toBe(trip.roads.length - 1);
      got.forEach((row, i) => row.forEach((x, k) => expect(x).toBeCloseTo(v[i * batch.C + k], 5)));
      student.dispose();
    }
  });
});

describe('cells and URL state', () => {
  it('draws a cell as a closed ring around its centre', () => {
    const spec = { minLon: 0, minLat: 0, lonStep: 1, latStep: 2, nRows: 3, nCols: 4 };
    expect(cellPolygon(spec, 6)).toEqual([
      [2, 2],
      [3, 2],
      [3, 4],
      [2, 4],
      [2, 2],
    ]);
  });

  it('round-trips the shareable state and falls back on bad values', () => {
    const href = 'http://x/?view=teach&backend=wasm';
    const url = teachUrl(href, { trip: 'a-1', step: 7, tau: 2.5, lambda: 0.01, model: 'distilled' });
    const back = parseTeachUrl(url.slice(url.indexOf('?')));
    expect(back).toEqual({ trip: 'a-1', step: 7, tau: 2.5, lambda: 0.01, model: 'distilled', tour: null });
    expect(url).toContain('backend=wasm');
    // The URL counts steps as the screen does: state step 7 is "Step 8".
    expect(url).toContain('step=8');
    expect(parseTeachUrl('?step=10').step).toBe(9);
    expect(parseTeachUrl('?step=0').step).toBeNull();
    const bad = parseTeachUrl('?tau=-1&lambda=x&step=-3&model=foo');
    // Bad values fall back on the recipe the app starts from.
    expect(bad.tau).toBe(HYPER_PRESETS[START_RECIPE].tau);
    expect(bad.lambda).toBe(HYPER_PRESETS[START_RECIPE].lambda);
    expect(bad.step).toBeNull();
    expect(bad.model).toBe('vanilla');
  });
});
