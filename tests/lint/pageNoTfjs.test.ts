// The page check of `npm run lint` must bite: the rule of .dependency-cruiser.page.cjs (nothing the page
// imports reaches tfjs at run time) names the page modules of a fixture tree that takes a constant from
// a module that loads tfjs, lets a type-only import of that module through, and passes the real tree.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cruise, type ICruiseOptions, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.page.cjs') as {
  forbidden: IForbiddenRuleType[];
  options: ICruiseOptions & { tsConfig: { fileName: string } };
};
const root = resolve(import.meta.dirname, '../..');
const fixtures = resolve(import.meta.dirname, '../fixtures/page-tfjs');

async function violations(baseDir: string, files: string[], tsConfig?: unknown): Promise<string[]> {
  const out = await cruise(
    files,
    {
      baseDir,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      // The page check's setting: type-only imports leave the graph (TypeScript's emit drops them).
      tsPreCompilationDeps: config.options.tsPreCompilationDeps,
      doNotFollow: config.options.doNotFollow,
      enhancedResolveOptions: config.options.enhancedResolveOptions,
    },
    undefined,
    tsConfig ? { tsConfig } : undefined,
  );
  const result = out.output as ICruiseResult;
  // The resolved tfjs path runs through node_modules (a symlink in some checkouts): keep the package.
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\//, '')}`).sort();
}

describe('page check (dependency-cruiser): the page never loads tfjs', () => {
  it('is a reachability check without type-only imports', () => {
    expect(config.options.tsPreCompilationDeps).toBe(false);
    expect(config.forbidden.map((r) => r.name)).toEqual(['page-no-tfjs']);
  });

  it('passes a page that only type-imports from a tfjs module', async () => {
    expect(await violations(resolve(fixtures, 'clean'), ['src'])).toEqual([]);
  });

  it('fails on a page that takes a value from a module that loads tfjs', async () => {
    expect(await violations(resolve(fixtures, 'bad'), ['src'])).toEqual([
      'page-no-tfjs: src/main.ts → @tensorflow/tfjs/dist/index.js',
      'page-no-tfjs: src/ui/view.ts → @tensorflow/tfjs/dist/index.js',
    ]);
  });

  it('passes the real page (src/main.ts, src/ui)', async () => {
    const tsConfig = extractTSConfig(resolve(root, config.options.tsConfig.fileName));
    expect(await violations(root, ['src/main.ts', 'src/ui'], tsConfig)).toEqual([]);
  });
});
