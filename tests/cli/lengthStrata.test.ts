import { afterAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/cli/eval/evalLengthStrata';
import { removeTempDirs, tempDir } from '../tempDirs';

// `eval length-strata` on committed reports: a row whose report a running study has not made yet
// stops the table, unless --skip-missing, which leaves it out and names it under the table.
describe('eval length-strata', () => {
  afterAll(removeTempDirs);
  const dir = tempDir('strata-');
  const spec = join(dir, 'spec.json');
  const table = {
    title: 'Porto val',
    dataset: 'public/data/porto',
    split: 'val',
    baselines: 'docs/experiments/baselines/porto-val-test-chosen.json',
    baseline: 'markovLength',
    baselineLabel: 'Markov chain + length',
    rows: [
      {
        label: 'route features',
        file: 'runs/schedule24/route-features/paired-report-val-bestFirst.json',
        runs: 'splits.val.arms.distilled',
      },
      { label: 'a lever still training', file: join(dir, 'not-yet.json'), runs: 'splits.val.arms.distilled' },
    ],
  };

  it('refuses a missing report, or leaves it out and names it with --skip-missing', async () => {
    await writeFile(spec, JSON.stringify({ tables: [table] }));
    await expect(run(['--spec', spec, '--markdown', join(dir, 'a.md')])).rejects.toThrow(/not-yet\.json: no such report/);
    const md = join(dir, 'b.md');
    const out = join(dir, 'b.json');
    expect(await run(['--spec', spec, '--markdown', md, '--out', out, '--skip-missing'])).toBe(0);
    const text = await readFile(md, 'utf8');
    expect(text).toMatch(/\| route features \| 3 \| share /);
    expect(text).not.toMatch(/\| a lever still training \|/);
    expect(text).toContain(`Not in this table, their reports not made yet: a lever still training (${join(dir, 'not-yet.json')}).`);
    const json = JSON.parse(await readFile(out, 'utf8')) as { tables: Array<{ rows: unknown[]; notYetRun: string[] }> };
    expect(json.tables[0].rows).toHaveLength(1);
    expect(json.tables[0].notYetRun).toEqual([`a lever still training (${join(dir, 'not-yet.json')})`]);
  });
});
