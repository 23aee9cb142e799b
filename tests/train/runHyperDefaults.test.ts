import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { DEFAULT_HYPER, runHyper } from '../../src/lib/train/sessionHyper';

// One place gives a run's settings with their defaults: a checkpoint's recorded maxLen wins, and a
// checkpoint that records none reads as what the session and `train student` ran with then.
describe('runHyper', () => {
  it("keeps a checkpoint's recorded maxLen and fills a missing one with the training default", () => {
    expect(runHyper({ maxLen: 512, mode: 'vanilla' }).maxLen).toBe(512);
    expect(runHyper({ maxLen: 64 }).maxLen).toBe(64);
    expect(runHyper({ mode: 'distilled' }).maxLen).toBe(DEFAULT_HYPER.maxLen);
    expect(runHyper(undefined).maxLen).toBe(DEFAULT_HYPER.maxLen);
    // train student's --max-len default is the same one.
    expect(readFileSync('src/cli/train/train.ts', 'utf8')).toContain(`[--max-len ${DEFAULT_HYPER.maxLen}]`);
  });

  it('every committed student log records its maxLen, so no result reads a default', () => {
    const logs = [
      ...readdirSync('public/checkpoints/porto').map((f) => `public/checkpoints/porto/${f}`),
      ...readdirSync('docs/experiments/runs').flatMap((d) =>
        readdirSync(`docs/experiments/runs/${d}`).map((f) => `docs/experiments/runs/${d}/${f}`),
      ),
    ].filter((f) => f.endsWith('.log.json'));
    let students = 0;
    for (const f of logs) {
      const l = JSON.parse(readFileSync(f, 'utf8')) as { hyper?: Record<string, unknown> };
      if (!l.hyper || l.hyper.mode === undefined) continue;
      students++;
      expect(typeof l.hyper.maxLen, f).toBe('number');
      expect(runHyper(l.hyper).maxLen).toBe(l.hyper.maxLen);
    }
    expect(students).toBeGreaterThan(50);
  });
});
