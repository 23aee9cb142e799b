import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readReportJson, readReportText } from '../../src/cli/eval/reportFiles';
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
