// scripts/check-bundle.ts reads a built page the way the browser loads it: the entry script, the
// modulepreload links and their static imports (not dynamic ones), and finds tfjs by its flag names.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBundle, pageScripts, staticImports, tfjsMarkersIn } from '../../scripts/check-bundle';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dist(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-bundle-'));
  made.push(dir);
  mkdirSync(join(dir, 'assets'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const html = `<script type="module" crossorigin src="/assets/main.js"></script>
<link rel="modulepreload" crossorigin href="/assets/shared.js"><link rel="stylesheet" href="/assets/main.css">`;

describe('check-bundle', () => {
  it('reads the entry and preloads, and static (not dynamic) imports', () => {
    expect(pageScripts(html)).toEqual({ entry: ['assets/main.js'], preload: ['assets/shared.js'] });
    const code = `import{a as b}from"./shared.js";import"./side.js";export{c}from"./re.js";const w=()=>import("./lazy.js");`;
    expect(staticImports(code)).toEqual(['./shared.js', './side.js', './re.js']);
  });

  it('finds tfjs-core and the backends by their flag names', () => {
    expect(tfjsMarkersIn(`e.registerFlag("TENSORLIKE_CHECK_SHAPE_CONSISTENCY",()=>!0)`)).toEqual(['TENSORLIKE_CHECK_SHAPE_CONSISTENCY']);
    expect(tfjsMarkersIn(`t.registerFlag("WEBGL_VERSION",()=>2)`)).toEqual(['WEBGL_VERSION']);
    expect(tfjsMarkersIn(`new maplibregl.Map({})`)).toEqual([]);
  });

  it('fails a page whose chunks hold tfjs, and passes one whose tfjs loads only on demand', () => {
    const bad = checkBundle(
      dist({
        'index.html': html,
        'assets/main.js': `import"./side.js";console.log(1)`,
        'assets/shared.js': `export const s=1`,
        'assets/side.js': `globalThis._tfengine=1`,
      }),
    );
    expect(bad.chunks.map((c) => [c.file, c.via])).toEqual([
      ['assets/main.js', 'entry'],
      ['assets/shared.js', 'modulepreload'],
      ['assets/side.js', 'import'],
    ]);
    expect(bad.violations).toEqual(['assets/side.js: _tfengine']);
    const good = checkBundle(
      dist({
        'index.html': html,
        'assets/main.js': `const w=()=>import("./lazy.js");`,
        'assets/shared.js': `export const s=1`,
        'assets/lazy.js': `globalThis._tfengine=1`,
      }),
    );
    expect(good.violations).toEqual([]);
    expect(good.totalBytes).toBe(good.chunks.reduce((s, c) => s + c.bytes, 0));
  });
});
