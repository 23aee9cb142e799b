import { describe, expect, it } from 'vitest';
import { SavedRuns, LEGACY_RUN_ID, defaultRunName, trainedOn, type RunChart } from '../../src/lib/train/savedRuns';
import { tripsFingerprint } from '../../src/lib/data/fingerprint';
import { MetricSeries, TeacherSeries } from '../../src/lib/train/chartSeries';
import type { SaveSummary } from '../../src/lib/train/steppedSession';
import type { SessionMetrics } from '../../src/lib/train/session';
import { runPosition } from '../../src/ui/train/savedRunText';
import { memoryStore } from './memoryStore';

const summary = (step: number, created: string, best: number | null = null): SaveSummary => ({
  kind: 'student',
  epoch: 0,
  step,
  created,
  best,
});
const bytes = (n: number) => new Uint8Array(n).fill(n).buffer;

function ids(): () => string {
  let i = 0;
  return () => `run${++i}`;
}

describe('SavedRuns', () => {
  it('gives each run its own slot: a new run never replaces an older one', async () => {
    const store = memoryStore();
    const runs = new SavedRuns(store, 'fp1', ids());
    const a = await runs.save('student', null, {
      bytes: bytes(3),
      summary: summary(168, '2026-11-23T09:00:00.000Z', 0.904),
      hyper: { mode: 'distilled', lambda: 0.304, tau: 4.41, window: 6 },
      running: false,
      chart: null,
    });
    const b = await runs.save('student', null, {
      bytes: bytes(4),
      summary: summary(14, '2026-11-23T10:00:00.000Z'),
      hyper: { mode: 'vanilla' },
      running: true,
      chart: null,
    });
    expect(a.id).toBe('run1');
    expect(b.id).toBe('run2');
    const c = await runs.save('student', null, {
      bytes: bytes(5),
      summary: { ...summary(222, '2026-11-23T11:00:00.000Z', 0.91), bestDecisionAcc: 0.803 },
      hyper: { mode: 'vanilla' },
      running: false,
      chart: null,
    });
    // The list leads with the decision accuracy where the run recorded it, and labels an older run's all-step figure.
    // Epochs as the Train view's counter has them: the epoch the run is in, of its total when known.
    expect(runPosition(c)).toBe('epoch 1, step 222 · val decision acc 80.3% (best epoch)');
    expect(runPosition({ ...c, hyper: { epochs: 8 } })).toBe('epoch 1 of 8, step 222 · val decision acc 80.3% (best epoch)');
    expect(runPosition({ ...c, epoch: 8, hyper: { epochs: 8 } })).toMatch(/^epoch 8 of 8, finished, step 222/);
    expect(runPosition(a)).toBe('epoch 1, step 168 · best val acc 90.4% (all steps)');
    await runs.remove('student', c.id);
    // Newest first; the older run is still there with its own bytes.
    const list = await runs.list('student');
    expect(list.map((r) => [r.id, r.step, r.running])).toEqual([
      ['run2', 14, true],
      ['run1', 168, false],
    ]);
    expect(list[1].name).toMatch(/^Distilled student · An earlier pick \(tuned on a tenth of the trips\) · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(list[1].best).toBe(0.904);
    const old = await runs.load('student', 'run1');
    expect(Array.from(old.bytes)).toEqual([3, 3, 3]);

    // Later saves of run 2 stay in its slot, keep its name and move it to the top.
    await runs.rename('student', 'run2', '  my run  ');
    await runs.save('student', 'run2', {
      bytes: bytes(5),
      summary: summary(20, '2026-11-23T10:05:00.000Z'),
      hyper: {},
      running: false,
      chart: null,
    });
    const after = await runs.list('student');
    expect(after.map((r) => [r.id, r.name, r.step])).toEqual([
      ['run2', 'my run', 20],
      ['run1', list[1].name, 168],
    ]);
    expect(Array.from((await runs.load('student', 'run1')).bytes)).toEqual([3, 3, 3]);
  });

  it('keeps the runs of each network and kind apart', async () => {
    const store = memoryStore();
    const porto = new SavedRuns(store, 'porto', ids());
    const other = new SavedRuns(store, 'other', ids());
    await porto.save('student', null, {
      bytes: bytes(1),
      summary: summary(1, '2026-11-23T10:00:00.000Z'),
      hyper: {},
      running: false,
      chart: null,
    });
    expect(await other.list('student')).toEqual([]);
    expect(await porto.list('teacher')).toEqual([]);
    await expect(other.load('student', 'run1')).rejects.toThrow(/no saved student run/);
  });

  it('stores the chart history next to the bytes and records whether the run was training', async () => {
    const runs = new SavedRuns(memoryStore(), 'fp', ids());
    const series = new MetricSeries();
    const m = { step: 1, epoch: 0, ce: 2, kl: NaN, time: 0.5, total: 2.5, trainAcc: 0.3 } as SessionMetrics;
    series.pushMetrics(m);
    series.pushMetrics({ ...m, step: 2, total: 2.1 });
    const chart: RunChart = { kind: 'student', series: series.columns(), latest: { ...m, step: 2 } };
    await runs.save('student', null, { bytes: bytes(2), summary: summary(2, '2026-11-23T10:00:00.000Z'), hyper: {}, running: true, chart });
    await runs.setRunning('student', 'run1', false);
    const got = await runs.load('student', 'run1');
    expect(got.info.running).toBe(false);
    expect(got.chart).toEqual(chart);
    const back = new MetricSeries();
    expect(back.restore((got.chart as Extract<RunChart, { kind: 'student' }>).series)).toBe(true);
    expect(back.lossData()).toEqual(series.lossData());
  });

  it('deletes a run with its bytes, and refuses an empty name', async () => {
    const store = memoryStore();
    const runs = new SavedRuns(store, 'fp', ids());
    const a = await runs.save('teacher', null, {
      bytes: bytes(2),
      summary: { ...summary(5, '2026-11-23T10:00:00.000Z'), kind: 'teacher' },
      hyper: { layers: 1, embd: 16 },
      running: false,
      chart: null,
    });
    expect(a.name).toMatch(/^Teacher 1 × 16 · /);
    await expect(runs.rename('teacher', a.id, '   ')).rejects.toThrow(/needs a name/);
    await runs.remove('teacher', a.id);
    expect(await runs.list('teacher')).toEqual([]);
    expect(store.map.has(a.key)).toBe(false);
  });

  it('migrates the single autosave of earlier versions into the list, once', async () => {
    const store = memoryStore();
    const runs = new SavedRuns(store, 'fp', ids());
    const legacyKey = 'trajdistill:ckpt:student:fp';
    expect(runs.legacyKey('student')).toBe(legacyKey);
    await store.set(legacyKey, {
      info: {
        key: legacyKey,
        epoch: 6,
        step: 168,
        created: '2026-11-20T08:00:00.000Z',
        hyper: { mode: 'vanilla' },
        bestValAcc: 0.904,
        bytes: 3,
      },
      bytes: bytes(3),
    });
    await runs.migrate('student');
    await runs.migrate('student');
    const list = await runs.list('student');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: LEGACY_RUN_ID, epoch: 6, step: 168, best: 0.904, running: false, kind: 'student' });
    expect(list[0].name).toMatch(/^Vanilla student · 2026-11-2\d /);
    expect(store.map.has(legacyKey)).toBe(false);
    const got = await runs.load('student', LEGACY_RUN_ID);
    expect(Array.from(got.bytes)).toEqual([3, 3, 3]);
    expect(got.chart).toBeNull();
    // A new run is listed above it; the migrated run stays.
    await runs.save('student', null, {
      bytes: bytes(1),
      summary: summary(1, '2026-11-23T10:00:00.000Z'),
      hyper: {},
      running: false,
      chart: null,
    });
    expect((await runs.list('student')).map((r) => r.id)).toEqual(['run1', LEGACY_RUN_ID]);
  });

  it('names runs by mode, recipe and date', () => {
    const when = new Date(2026, 10, 23, 10, 4);
    expect(defaultRunName('student', { mode: 'vanilla' }, when)).toBe('Vanilla student · 2026-11-23 10:04');
    expect(defaultRunName('student', { mode: 'distilled', lambda: 0.1, tau: 2, window: Infinity }, when)).toBe(
      'Distilled student · λ 0.1 τ 2 w all · 2026-11-23 10:04',
    );
    expect(defaultRunName('student', { mode: 'distilled', lambda: 0.0014, tau: 4.37, window: 7 }, when)).toBe(
      'Distilled student · The thesis’s best (Beijing) · 2026-11-23 10:04',
    );
  });
});

describe('chart series columns', () => {
  it('restore what columns() gave and refuse malformed columns', () => {
    const t = new TeacherSeries();
    t.pushMetrics({ step: 1, perplexity: 900 } as Parameters<TeacherSeries['pushMetrics']>[0]);
    const back = new TeacherSeries();
    expect(back.restore(t.columns())).toBe(true);
    expect(back.data()).toEqual(t.data());
    expect(back.restore({ step: [1, 2], train: [1], val: [null, null] })).toBe(false);
    expect(back.data()).toEqual(t.data());
    const s = new MetricSeries();
    expect(s.restore({ step: [1] } as unknown as ReturnType<MetricSeries['columns']>)).toBe(false);
    expect(s.length).toBe(0);
  });
});

describe('saved runs name their dataset', () => {
  it('two datasets on one network share the list, and each run says which trips it trained on', async () => {
    const store = memoryStore();
    const trip = (t: number) => ({ id: `t${t}`, roads: [1, 2, 3], times: [t, t + 10, t + 20] });
    const porto = { name: 'Porto', trips: tripsFingerprint([trip(0), trip(100)]) };
    const matched = { name: 'gps.csv matched on Porto', trips: tripsFingerprint([trip(0), trip(101)]) };
    expect(porto.trips).not.toBe(matched.trips);
    const save = {
      bytes: bytes(3),
      summary: summary(5, '2026-11-25T09:00:00.000Z'),
      hyper: { mode: 'vanilla' as const },
      running: false,
      chart: null,
    };
    await new SavedRuns(store, 'net', ids(), matched).save('student', null, save);
    const onPorto = new SavedRuns(store, 'net', ids(), porto);
    const [r] = await onPorto.list('student');
    expect(r.dataset).toEqual(matched);
    expect(trainedOn(r, porto)).toBe(false);
    expect(trainedOn(r, matched)).toBe(true);
    // Porto's store neither offers nor loads it; the matched dataset's store does both.
    expect(await onPorto.newestResumable('student')).toBeUndefined();
    await expect(onPorto.load('student', r.id)).rejects.toThrow(/trained on gps\.csv matched on Porto; open that dataset/);
    const onMatched = new SavedRuns(store, 'net', ids(), matched);
    expect((await onMatched.newestResumable('student'))?.id).toBe(r.id);
    expect((await onMatched.load('student', r.id)).info.id).toBe(r.id);
    // A run saved before datasets were recorded is unknown, not another dataset's.
    expect(trainedOn({ dataset: undefined }, porto)).toBeNull();
  });
});
