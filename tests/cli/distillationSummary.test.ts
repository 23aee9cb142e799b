// `eval distillation-summary` over two cities: outputs from before the second city name none, and
// --untagged names theirs, so that every regime of the Compare card carries its city.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/evalDistillationSummary';
import { parseDistillationSummary } from '../../src/lib/eval/distillationSummary';
import { tempDir } from '../tempDirs';

const effect = (mean: number) => ({ n: 2, mean, sd: 0.001, ci95: [mean - 0.01, mean + 0.01], diffs: [], verdict: 'no detectable effect' });
const row = (seed: number) => ({ seed, checkpoint: `x-s${seed}`, decisionNll: 0.4, decisionAcc: 0.8, decisionSteps: 10 });
const pairedSteps = (dataset?: string) => ({
  ...(dataset ? { dataset } : {}),
  split: 'test',
  trainingSeeds: [1, 2],
  recipe: { lambda: 0.1, tau: 3, window: 8, trainFrac: 1, epochs: 40, patience: 3, maxLen: 512 },
  vanilla: [row(1), row(2)],
  distilled: [row(1), row(2)],
  effects: { decisionNll: effect(-0.001), decisionAcc: effect(0.001) },
  verdict: 'no detectable effect',
});

describe('eval distillation-summary', () => {
  it('tags the regimes whose outputs name no city with --untagged, and keeps the others’', async () => {
    const dir = tempDir('summary-');
    for (const [name, dataset] of [
      ['porto-arm', undefined],
      ['sf-arm', 'sf'],
    ] as const) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'paired-steps-test.json'), JSON.stringify(pairedSteps(dataset)));
    }
    const out = join(dir, 'summary.json');
    const regimes = `Porto=${join(dir, 'porto-arm')};SF=${join(dir, 'sf-arm')}`;
    expect(await run(['--regimes', regimes, '--out', out])).toBe(0);
    const plain = parseDistillationSummary(JSON.parse(readFileSync(out, 'utf8')));
    expect(plain.regimes.map((r) => r.dataset)).toEqual([undefined, 'sf']);

    expect(await run(['--regimes', regimes, '--untagged', 'porto', '--out', out])).toBe(0);
    const tagged = parseDistillationSummary(JSON.parse(readFileSync(out, 'utf8')));
    expect(tagged.regimes.map((r) => r.dataset)).toEqual(['porto', 'sf']);
    expect(tagged.command).toContain('--untagged porto');
  });
});
