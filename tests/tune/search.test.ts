import { describe, it, expect } from 'vitest';
import {
  TuningSearch,
  DEFAULT_SEARCH,
  parseTrialLog,
  type TrialRunner,
  type TuneLogEntry,
  type TrainResult,
} from '../../src/lib/tune/search';
import type { DistillParams } from '../../src/lib/tune/space';

/**
 * A fake trainer: the NLL falls with epochs towards a floor that depends on λ (best at λ = 0.1),
 * τ (best at 3) and w (best at 4); vanilla's floor is 0.5. It records what it was asked.
 */
class FakeRunner implements TrialRunner {
  calls: { trial: number; budget: number; from: number }[] = [];
  released: number[] = [];
  epochs = new Map<number, number>();
  constructor(private readonly failAfterCalls = Infinity) {}
  floor(p: DistillParams | null): number {
    if (!p) return 0.5;
    const w = Number.isFinite(p.window) ? p.window : 12;
    return 0.4 + 0.05 * Math.log10(p.lambda / 0.1) ** 2 + 0.02 * (p.tau - 3) ** 2 + 0.01 * Math.abs(w - 4);
  }
  async train(trial: number, p: DistillParams | null, budget: number): Promise<TrainResult> {
    if (this.calls.length >= this.failAfterCalls) throw new Error('machine went away');
    this.calls.push({ trial, budget, from: this.epochs.get(trial) ?? 0 });
    this.epochs.set(trial, budget);
    return { value: this.floor(p) + 1 / budget, budget };
  }
  async release(trial: number): Promise<void> {
    this.released.push(trial);
    this.epochs.delete(trial);
  }
}

const settings = { ...DEFAULT_SEARCH, searchSeed: 4, minBudget: 1, maxBudget: 9, eta: 3 };
const ctx = { dataset: 'fp-1', teacher: 't.safetensors' };

describe('tuning search (CMA-ES + successive halving)', () => {
  it('runs vanilla first to the full budget, prunes, continues promoted trials, and logs everything', async () => {
    const log: TuneLogEntry[] = [];
    const runner = new FakeRunner();
    const search = new TuningSearch(settings, ctx, [], async (e) => void log.push(e));
    const trials = await search.run(14, runner);
    expect(trials).toHaveLength(14);
    expect(trials[0]).toMatchObject({ trial: 0, lambda: 0, tau: null, window: null, budget: 9, pruned: false, done: true });
    expect(trials[0].rungs.map((r) => r.budget)).toEqual([1, 3, 9]);
    const pruned = trials.filter((t) => t.pruned);
    expect(pruned.length).toBeGreaterThan(3);
    for (const t of pruned) expect(t.budget).toBeLessThan(9);
    for (const t of trials.slice(1)) {
      expect(t.lambda).toBeGreaterThanOrEqual(1e-3);
      expect(t.lambda).toBeLessThanOrEqual(10);
      expect(t.tau! >= 1 && t.tau! <= 5).toBe(true);
      expect(t.window === 'all' || (typeof t.window === 'number' && t.window >= 2 && t.window <= 8)).toBe(true);
    }
    // A promoted trial continues its own training: each call starts where the last one ended.
    for (const c of runner.calls) expect(c.from).toBeLessThan(c.budget);
    expect(runner.released.sort((a, b) => a - b)).toEqual(trials.map((t) => t.trial));
    expect(log[0].type).toBe('start');
    expect(log.filter((e) => e.type === 'end')).toHaveLength(14);
    // Some distilled trial beats vanilla's floor at the full budget (the fake optimum is 0.4 + 1/9).
    const full = trials.filter((t) => t.budget === 9 && t.trial > 0).map((t) => t.value!);
    expect(Math.min(...full)).toBeLessThan(0.5 + 1 / 9);
  });

  it('searches the KL mask as a fourth dimension when asked, logs it, and resumes such a search', async () => {
    const log: TuneLogEntry[] = [];
    const masked = { ...settings, tuneMask: true };
    const runner = new FakeRunner();
    const trials = await new TuningSearch(masked, ctx, [], async (e) => void log.push(e)).run(6, runner);
    expect(trials[0].mask).toBeNull(); // vanilla has no KL to mask
    for (const t of trials.slice(1)) expect(t.mask).toMatchObject({ lastSteps: expect.any(Number), indistinct: expect.any(Boolean) });
    const u = log.filter((e) => e.type === 'rung' && e.trial > 0).map((e) => (e.type === 'rung' ? e.u : null));
    for (const x of u) expect(x).toHaveLength(4);
    // Replayed from its own log: nothing is trained again.
    const again = new FakeRunner();
    await new TuningSearch(masked, ctx, log, async (e) => void log.push(e)).run(6, again);
    expect(again.calls).toHaveLength(0);
    // A search without the mask has none in its trials.
    const plain = await new TuningSearch(settings, ctx, [], async () => undefined).run(2, new FakeRunner());
    expect(plain.every((t) => t.mask === undefined)).toBe(true);
  });

  it('resumes from its log: the same trials, without redoing finished work', async () => {
    const whole: TuneLogEntry[] = [];
    const all = await new TuningSearch(settings, ctx, [], async (e) => void whole.push(e)).run(10, new FakeRunner());

    const log: TuneLogEntry[] = [];
    const first = new FakeRunner(9); // the machine goes away during the 10th training call
    await expect(new TuningSearch(settings, ctx, [], async (e) => void log.push(e)).run(10, first)).rejects.toThrow(/went away/);
    expect(log.length).toBeGreaterThan(3);
    const stored = JSON.parse(JSON.stringify(log)) as TuneLogEntry[]; // as the JSONL file would give it back
    const second = new FakeRunner();
    const resumed = await new TuningSearch(settings, ctx, stored, async (e) => void log.push(e)).run(10, second);
    expect(resumed).toEqual(all.map((t) => ({ ...t, seconds: expect.any(Number) })));
    expect(second.calls.length).toBe(whole.filter((e) => e.type === 'rung').length - stored.filter((e) => e.type === 'rung').length);
  });

  it('can add trials to a finished search, and refuses a log made with other settings', async () => {
    const log: TuneLogEntry[] = [];
    await new TuningSearch(settings, ctx, [], async (e) => void log.push(e)).run(3, new FakeRunner());
    const runner = new FakeRunner();
    const more = await new TuningSearch(settings, ctx, log.slice(), async (e) => void log.push(e)).run(5, runner);
    expect(more).toHaveLength(5);
    expect(new Set(runner.calls.map((c) => c.trial))).toEqual(new Set([3, 4]));
    expect(() => new TuningSearch({ ...settings, eta: 2 }, ctx, log, async () => {})).toThrow(/eta: 3 vs 2/);
    expect(() => new TuningSearch(settings, { ...ctx, dataset: 'fp-2' }, log, async () => {})).toThrow(/dataset/);
  });
});

describe('parseTrialLog', () => {
  it('drops a last line cut short, and refuses damage elsewhere', () => {
    const a = JSON.stringify({ type: 'end', trial: 0, pruned: false, budget: 1, value: 0.5 });
    expect(parseTrialLog(`${a}\n${a}\n`)).toEqual({ entries: [JSON.parse(a), JSON.parse(a)], cut: false });
    expect(parseTrialLog(`${a}\n{"type":"ru`)).toEqual({ entries: [JSON.parse(a)], cut: true });
    expect(() => parseTrialLog(`{"type":"ru\n${a}\n`, 'x.jsonl')).toThrow(/x.jsonl:1 is not valid JSON/);
  });
});
