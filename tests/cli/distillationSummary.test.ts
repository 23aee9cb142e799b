// `eval distillation-summary` over two cities: outputs from before the second city name none, and
// --untagged names theirs, so that every regime of the Compare card carries its city.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { regimeSpec, run } from '../../src/cli/eval/evalDistillationSummary';
import { armNames, parseDistillationSummary } from '../../src/lib/eval/distillationSummary';
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

  it('names the arms of a comparison that is not vanilla against distilled', async () => {
    const dir = tempDir('summary-');
    mkdirSync(join(dir, 'transfer'));
    writeFileSync(join(dir, 'transfer', 'paired-steps-test.json'), JSON.stringify(pairedSteps('sf')));
    const out = join(dir, 'summary.json');
    const regimes = `25 % = a=b=${join(dir, 'transfer')}|scratch|transfer;Plain=${join(dir, 'transfer')}`;
    expect(await run(['--regimes', regimes, '--out', out])).toBe(0);
    const [named, plain] = parseDistillationSummary(JSON.parse(readFileSync(out, 'utf8'))).regimes;
    expect(named.label).toBe('25 % = a=b');
    expect(armNames(named)).toEqual({ base: 'scratch', treated: 'transfer' });
    expect(plain.arms).toBeUndefined();
    expect(armNames(plain)).toEqual({ base: 'vanilla', treated: 'distilled' });
  });

  it('refuses a regime spec it cannot read, saying which', () => {
    expect(() => regimeSpec('no-dir')).toThrow(/"no-dir": expected <label>=<dir>/);
    expect(() => regimeSpec('x=')).toThrow(/expected <label>=<dir>/);
    expect(() => regimeSpec('x=d|scratch')).toThrow(/<label>=<dir>\|<base>\|<treated>/);
    expect(() => regimeSpec('x=d|scratch|')).toThrow(/<base>\|<treated>/);
    expect(regimeSpec(' x = d | SF-trained | zero-shot ')).toEqual({
      label: 'x',
      dir: 'd',
      arms: { base: 'SF-trained', treated: 'zero-shot' },
    });
  });
});
