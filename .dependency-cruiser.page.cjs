// Page check (`npm run lint`, tests/lint/pageNoTfjs.test.ts): the page sends messages and draws; it
// never loads TensorFlow.js (docs/architecture.md). Nothing the page entry (src/main.ts) or src/ui/
// imports may reach @tensorflow/* at run time, through any chain of imports (static or dynamic);
// tfjs belongs to the workers, which the page starts by URL (`new Worker(new URL(…))`, not an import).
//
// Type-only imports do not count: they vanish at compile time. dependency-cruiser's `reachable`
// rules take only path/pathNot (no `dependencyTypesNot`) and walk every edge of the graph, and the
// layer check (.dependency-cruiser.cjs) keeps type-only edges in it on purpose. So this check cruises
// its own graph with `tsPreCompilationDeps: false`: each file goes through TypeScript's emit with the
// project's tsconfig (verbatimModuleSyntax), which drops exactly the type-only imports, as Vite does.
// scripts/check-bundle.ts checks the same thing on the built page.
// One set of resolve options for both checks: this file is CommonJS, as dependency-cruiser loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const layers = require('./.dependency-cruiser.cjs');

/** @type {import('dependency-cruiser').IForbiddenRuleType} */
const pageNoTfjs = {
  name: 'page-no-tfjs',
  severity: 'error',
  comment:
    'The page never loads tfjs: move the constant or type it needs into a tfjs-free module (e.g. train/sessionHyper.ts) and import it from there.',
  from: { path: '^src/(ui/|main\\.ts$)' },
  to: { path: '(^|/)node_modules/@tensorflow/', reachable: true },
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [pageNoTfjs],
  options: { ...layers.options, tsPreCompilationDeps: false },
};
