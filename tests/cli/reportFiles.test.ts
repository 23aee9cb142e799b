import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packReports, readReportJson, readReportText } from '../../src/cli/eval/reportFiles';
import { removeTempDirs, tempDir } from '../tempDirs';

afterAll(removeTempDirs);

describe('reportFiles', () => {
  const dir = tempDir('reports-');
  it('reads a report as it lies, plain or gzipped beside its plain name', async () => {
    writeFileSync(join(dir, 'plain.json'), '{"a":1}');
    writeFileSync(join(dir, 'packed.json.gz'), gzipSync('{"b":2}'));
    expect(await readReportJson(join(dir, 'plain.json'))).toEqual({ a: 1 });
    expect(await readReportJson(join(dir, 'packed.json'))).toEqual({ b: 2 });
    expect(await readReportJson(join(dir, 'packed.json.gz'))).toEqual({ b: 2 });
    expect(await readReportText(join(dir, 'absent.json'))).toBeUndefined();
  });
  it('names both places for a missing report, and the file for bad JSON', async () => {
    await expect(readReportJson(join(dir, 'absent.json'))).rejects.toThrow(/absent\.json: no such report \(nor .*absent\.json\.gz\)/);
    writeFileSync(join(dir, 'bad.json'), '{');
    await expect(readReportJson(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not JSON/);
  });
});

describe('packReports', () => {
  const dir = tempDir('pack-');
  it('gzips reports from the size given, leaves smaller ones, and the readers still read both', async () => {
    const big = join(dir, 'big.json');
    const small = join(dir, 'small.json');
    writeFileSync(big, JSON.stringify({ od: Array.from({ length: 5000 }, (_, i) => i / 7) }));
    writeFileSync(small, '{"s":1}');
    const packed = await packReports([big, small], 1024);
    expect(packed.map((r) => r.path)).toEqual([big]);
    expect(packed[0].gzBytes).toBeLessThan(packed[0].bytes / 2);
    expect(existsSync(big)).toBe(false);
    expect(existsSync(`${big}.gz`)).toBe(true);
    expect(((await readReportJson(big)) as { od: number[] }).od[7]).toBe(1);
    expect(await readReportJson(small)).toEqual({ s: 1 });
  });
  it('refuses a file that is not JSON and keeps it', async () => {
    const bad = join(dir, 'notes.json');
    writeFileSync(bad, 'x'.repeat(2000));
    await expect(packReports([bad], 1024)).rejects.toThrow();
    expect(existsSync(bad)).toBe(true);
  });
});
