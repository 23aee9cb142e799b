// The layer check of `npm run lint` must bite: the rules of .dependency-cruiser.cjs, run on two small
// fixture trees, pass a tree that imports only downwards and name each break in one that does not.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as {
  forbidden: IForbiddenRuleType[];
  options: { tsPreCompilationDeps: boolean };
};
const fixtures = resolve(import.meta.dirname, '../fixtures/layers');

async function violations(tree: string): Promise<string[]> {
  const out = await cruise(['src'], {
    baseDir: resolve(fixtures, tree),
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    // The project's setting, which keeps type-only imports in the graph.
    tsPreCompilationDeps: config.options.tsPreCompilationDeps,
  });
  const result = out.output as ICruiseResult;
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('layer check (dependency-cruiser)', () => {
  it('passes a tree that imports only downwards', async () => {
    expect(await violations('clean')).toEqual([]);
  });

  it('fails on an upward import, a type-only sibling import and a cycle', async () => {
    expect(await violations('upward')).toEqual([
      'layer-models: src/lib/models/student.ts → src/lib/train/trainer.ts',
      'layer-sim: src/lib/sim/simulator.ts → src/lib/generate/search.ts',
      'no-circular: src/lib/data/a.ts → src/lib/data/b.ts',
    ]);
  });
});
