// `train student` end to end on the 120-road grid-town fixture: a finished run exits 0 (scripts
// such as scripts/paired-arm.sh stop on any other code) and writes the checkpoint and its log.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/train';

const GRID_TOWN = join(__dirname, '../../e2e/fixtures/grid-town');

describe('train student (CLI)', () => {
  it('exits 0 after a finished run and writes the checkpoint and its log', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-train-')), 'v.safetensors');
    const code = await run([
      'student',
      '--mode',
      'vanilla',
      '--dataset',
      GRID_TOWN,
      '--out',
      out,
      '--epochs',
      '1',
      '--batch',
      '16',
      '--max-len',
      '32',
      '--seed',
      '3',
      '--backend',
      'cpu',
      '--quiet',
    ]);
    expect(code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const log = JSON.parse(readFileSync(out.replace(/\.safetensors$/, '.log.json'), 'utf8')) as {
      state: string;
      seed: number;
      epochs: unknown[];
    };
    expect(log.state).toBe('done');
    expect(log.seed).toBe(3);
    expect(log.epochs).toHaveLength(1);
  }, 120_000);
});
