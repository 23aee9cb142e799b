// The tour's telling examples are committed beside the shipped checkpoints (lib/teach/telling.ts,
// `npm run cli -- teach telling`): they must have been made from exactly the checkpoints shipped now.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256, tellingCommand, tellingPath } from '../../src/cli/teach/teachTelling';
import { rankPicks, teacherRightAt, teacherRightStepNear, tellingFileMismatch, type TellingFile } from '../../src/lib/teach/telling';
import type { TeachStep, TripExplanation } from '../../src/lib/teach/stepView';
import { CITIES } from '../../src/ui/stores/cities';

// Shipped cities only: a local city's trips (San Francisco's) may not be committed in any form, and
// a telling file names its trips, so Teach searches for one when such a city is opened.
const shipped = new Set<string>(CITIES.filter((c) => c.shipped).map((c) => c.id));
const cities = readdirSync('public/data').filter((c) => shipped.has(c) && existsSync(`public/checkpoints/${c}/teacher.safetensors`));

describe('the committed telling examples', () => {
  it('exist for every city whose data and teacher ship', () => {
    expect(cities).toContain('porto');
    for (const c of cities) expect(existsSync(tellingPath(c)), `${tellingPath(c)} is missing: run ${tellingCommand(c)}`).toBe(true);
  });

  it.each(cities)('%s: were made from the shipped checkpoints (sha256), by the command they record', (city) => {
    const file = JSON.parse(readFileSync(tellingPath(city), 'utf8')) as TellingFile;
    expect(file.command).toBe(tellingCommand(city));
    for (const k of ['teacher', 'vanilla', 'distilled'] as const) {
      const path = `public/checkpoints/${city}/${k}.safetensors`;
      const now = existsSync(path) ? sha256(readFileSync(path)) : null;
      expect(file.checkpoints[k]?.sha256 ?? null, `${path} changed since ${tellingPath(city)} was made: re-run ${file.command}`).toBe(now);
    }
    expect(file.telling.trip).toBe(file.picks[0].trip);
    expect(file.telling.step).toBe(file.picks[0].step);
  });
});

const step = (
  k: number,
  teacherRaw: number[],
  label: number,
  vanilla: number[] | null = null,
  distilled: number[] | null = null,
): TeachStep => ({
  k,
  current: 0,
  cands: teacherRaw.map((_, i) => i),
  candCells: teacherRaw.map((_, i) => i),
  label,
  window: [1, 2, 3],
  teacherRaw,
  candMass: 1,
  topCells: [],
  vanilla,
  distilled,
});

describe('telling-example rules', () => {
  it('the teacher is right where its favourite candidate is the true road', () => {
    expect(teacherRightAt(step(0, [0.7, 0.3], 0))).toBe(true);
    expect(teacherRightAt(step(0, [0.7, 0.3], 1))).toBe(false);
    expect(teacherRightAt(step(0, [1], 0))).toBe(false); // no choice
  });

  it('offers the step nearest to the shown one where the teacher is right', () => {
    const exp = {
      steps: [step(0, [0.9, 0.1], 0), step(1, [0.9, 0.1], 1), step(2, [0.2, 0.8], 0), step(3, [0.2, 0.8], 1)],
    } as TripExplanation;
    expect(teacherRightStepNear(exp, 2)).toBe(3);
    expect(teacherRightStepNear(exp, 1)).toBe(0);
    expect(teacherRightStepNear({ steps: [step(0, [0.9, 0.1], 1)] } as TripExplanation, 0)).toBeNull();
  });

  it('ranks steps that fit the tour first, then the most telling, keeping order on ties', () => {
    const r = rankPicks([
      { id: 'a', fits: false, score: 9 },
      { id: 'b', fits: true, score: 1 },
      { id: 'c', fits: true, score: 3 },
      { id: 'd', fits: true, score: 3 },
    ]);
    expect(r.map((p) => p.id)).toEqual(['c', 'd', 'b', 'a']);
  });

  it('a file made for other checkpoints or another network is refused with the command to re-run', () => {
    const file = {
      schema: 'trajdistill-telling/1',
      command: 'npm run cli -- teach telling --city porto',
      dataset: { name: 'porto', fingerprint: 'f' },
      checkpoints: { teacher: { path: 't', sha256: 'a' }, vanilla: { path: 'v', sha256: 'b' }, distilled: null },
      window: 8,
      telling: { trip: 'x', step: 1, others: [] },
      picks: [],
    } as TellingFile;
    expect(tellingFileMismatch(file, 'f', { teacher: 'a', vanilla: 'b', distilled: null })).toBeNull();
    expect(tellingFileMismatch(file, 'g', { teacher: 'a', vanilla: 'b', distilled: null })).toMatch(/network/);
    expect(tellingFileMismatch(file, 'f', { teacher: 'a', vanilla: 'c', distilled: null })).toBe(
      'made from another vanilla checkpoint (re-run: npm run cli -- teach telling --city porto)',
    );
  });
});
