import { describe, it, expect } from 'vitest';
import { addOdDisjoint, odKey, odSplit } from '../../src/lib/data/odSplit';
import type { Trajectory } from '../../src/lib/data/types';
import { makeRng, shuffleInPlace } from '../../src/lib/random';

/** 1,000 trips over 40 origins × 40 destinations: many OD pairs repeat (some 3–4 times). */
function trips(): Trajectory[] {
  const rng = makeRng(99);
  return Array.from({ length: 1000 }, (_, i) => {
    const o = Math.floor(rng() * 40);
    const d = 100 + Math.floor(rng() * 40);
    return { id: `t${String(i).padStart(4, '0')}`, roads: [o, 50 + (i % 7), d], times: [0, 10, 20] };
  });
}

describe('odSplit', () => {
  const all = trips();
  const s = odSplit(all);

  it('keeps every trip exactly once', () => {
    const ids = [...s.train, ...s.val, ...s.test].map((t) => t.id).sort();
    expect(ids).toEqual(all.map((t) => t.id).sort());
  });

  it('has no OD pair in two splits', () => {
    const groups = new Set(all.map(odKey));
    expect(groups.size).toBeLessThan(all.length); // the test is meaningful: OD pairs do repeat
    const train = new Set(s.train.map(odKey));
    expect(s.test.filter((t) => train.has(odKey(t)))).toEqual([]);
    expect(s.val.filter((t) => train.has(odKey(t)))).toEqual([]);
    const val = new Set(s.val.map(odKey));
    expect(s.test.filter((t) => val.has(odKey(t)))).toEqual([]);
  });

  it('is about 7:1:2', () => {
    expect(s.train.length / 1000).toBeCloseTo(0.7, 1);
    expect(Math.abs(s.val.length / 1000 - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(s.test.length / 1000 - 0.2)).toBeLessThan(0.02);
  });

  it('is deterministic and independent of input order; the seed matters', () => {
    const again = odSplit(shuffleInPlace(trips(), makeRng(5)));
    expect(again.test.map((t) => t.id)).toEqual(s.test.map((t) => t.id));
    expect(again.train.map((t) => t.id)).toEqual(s.train.map((t) => t.id));
    const other = odSplit(all, { seed: 7 });
    expect(other.test.map((t) => t.id)).not.toEqual(s.test.map((t) => t.id));
  });
});

describe('addOdDisjoint', () => {
  const all = trips();
  const base = odSplit(all.slice(0, 600));
  const extra = all.slice(600);
  const { splits, added } = addOdDisjoint(base, extra);

  it('keeps the existing splits and adds every extra trip once', () => {
    for (const s of ['train', 'val', 'test'] as const) {
      expect(splits[s].slice(0, base[s].length)).toEqual(base[s]);
      expect(splits[s].length).toBe(base[s].length + added[s]);
    }
    const ids = [...splits.train, ...splits.val, ...splits.test].map((t) => t.id).sort();
    expect(ids).toEqual(all.map((t) => t.id).sort());
  });

  it('a pair of an existing split stays in it; no pair ends up in two splits', () => {
    const trainOd = new Set(base.train.map(odKey));
    const joined = extra.filter((t) => trainOd.has(odKey(t)));
    expect(joined.length).toBeGreaterThan(0); // meaningful: some extra trips repeat a train pair
    const train = new Set(splits.train.map(odKey));
    for (const t of joined) expect(splits.train).toContain(t);
    expect(splits.val.filter((t) => train.has(odKey(t)))).toEqual([]);
    expect(splits.test.filter((t) => train.has(odKey(t)))).toEqual([]);
    const val = new Set(splits.val.map(odKey));
    expect(splits.test.filter((t) => val.has(odKey(t)))).toEqual([]);
  });

  it('onto empty splits it is odSplit', () => {
    const r = addOdDisjoint({ train: [], val: [], test: [] }, extra);
    expect(r.splits).toEqual(odSplit(extra));
    expect(r.added).toEqual({ train: r.splits.train.length, val: r.splits.val.length, test: r.splits.test.length });
  });

  it('a pair held in test and in train of non-disjoint files joins test', () => {
    const t = (id: string): Trajectory => ({ id, roads: [1, 2, 3], times: [0, 1, 2] });
    const r = addOdDisjoint({ train: [t('a')], val: [], test: [t('b')] }, [t('c')]);
    expect(r.added).toEqual({ train: 0, val: 0, test: 1 });
  });
});
