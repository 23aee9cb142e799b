import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { withIncludes } from '../../scripts/build-wasm';

describe('build-wasm fragments', () => {
  it("renames a body fragment's @vars with the include's suffix, and only those", async () => {
    const text = await withIncludes('  ;; @include exp4.body.wat q');
    expect(text).not.toContain('@vars');
    for (const v of ['$xq', '$nq', '$rq', '$yq']) expect(text).toContain(`(local.get ${v})`);
    expect(text).not.toMatch(/\$[xnry](?![\w.$])/);
    expect(text.split('\n').every((l) => l === '' || l.startsWith('  '))).toBe(true);
  });

  it('includes a fragment inside a fragment (exp4.wat runs exp4.body.wat)', async () => {
    const text = await withIncludes(';; @include exp4.wat');
    expect(text).toContain('(func $exp4');
    expect(text).toContain('(local.set $y');
    expect(text).not.toMatch(/^\s*;; @include /m);
  });

  it('refuses a suffix for a fragment without @vars', async () => {
    await expect(withIncludes(';; @include hsum.wat z')).rejects.toThrow(/no @vars line/);
  });

  it('f32Kernels.wat puts in each of its parts (f32Kernels.*.wat) once', async () => {
    const parts = (await readdir('src/lib/wasm')).filter((f) => /^f32Kernels\.\w+\.wat$/.test(f));
    expect(parts.length).toBeGreaterThan(0);
    const module = await readFile('src/lib/wasm/f32Kernels.wat', 'utf8');
    for (const part of parts) expect(module.split(`;; @include ${part}\n`).length - 1, part).toBe(1);
  });
});
