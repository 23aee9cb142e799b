// Layer check (`npm run lint`, tests/lint/layers.test.ts): no import cycles, and every import goes down
// the layer map below or stays inside its own folder. Type-only imports count too.
//
// Layers, top first. A unit may import itself and any unit of a lower layer; never a unit of its own
// layer (a sibling) or of a higher one. Anything not listed (npm packages, node: builtins) is free.
//
// Every benchmark lives under bench/ (one home, issue 51), each kind in the layer it belongs to: the
// benchmark page (bench/page/) beside the app's page; the `npm run bench` runners (bench/cli/) in the
// CLI's unit, since src/cli/main.ts dispatches to them and they reuse src/cli/common/; the Chromium
// drivers (bench/browser/) and one-off measurements (bench/scripts/) with the scripts; and the
// framework-free suites (bench/suites/) just above src/lib, where the page, the CLI and workers reach them.
const LAYERS = [
  // The benchmark page (bench/page/bench.html) is a page like the app: it may use the workers' asset map.
  { ui: '^src/(ui/|main\\.ts$)', 'bench-page': '^bench/page/' },
  { workers: '^workers/' },
  { cli: '^(src/cli|bench/(cli|gpu))/', scripts: '^(scripts|bench/(browser|scripts))/' },
  { tune: '^src/lib/tune/', bench: '^bench/suites/' },
  { eval: '^src/lib/eval/', teach: '^src/lib/teach/' },
  { train: '^src/lib/train/', generate: '^src/lib/generate/', sim: '^src/lib/sim/' },
  { checkpoint: '^src/lib/checkpoint/' },
  { models: '^src/lib/models/' },
  { features: '^src/lib/features/' },
  { data: '^src/lib/data/' },
  { geo: '^src/lib/geo\\.ts$', random: '^src/lib/random\\.ts$', stats: '^src/lib/stats\\.ts$', runtime: '^src/lib/runtime/' },
];

// Imports the map would forbid but that are by design: the profiling and export scripts reuse the
// CLI's Node helpers (argument parsing, reading a dataset folder) instead of copying them.
const ALLOWED = {
  scripts: ['^src/cli/common/(args|fsDataset)\\.ts$'],
};

const layerRules = LAYERS.flatMap((layer, depth) =>
  Object.entries(layer).map(([name, path]) => {
    const siblings = Object.entries(layer).filter(([other]) => other !== name);
    const above = LAYERS.slice(0, depth).flatMap((l) => Object.entries(l));
    const banned = [...siblings, ...above];
    return {
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} may import only from itself and lower layers, not from ${banned.map(([n]) => n).join(', ') || 'anything above'}`,
      from: { path },
      to: { path: banned.map(([, p]) => p), pathNot: ALLOWED[name] ?? [] },
    };
  }),
).filter((rule) => rule.to.path.length > 0);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order and layering ambiguous.',
      from: { path: '^(src|workers|scripts|bench)/' },
      to: { circular: true },
    },
    {
      name: 'lib-imports-lib-only',
      severity: 'error',
      comment: 'src/lib is shared by the page, the workers, the CLI and the tests: it imports only itself and npm packages.',
      from: { path: '^src/lib/' },
      to: { pathNot: ['^src/lib/', '(^|/)node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'bench-suites-import-lib-only',
      severity: 'error',
      comment:
        'bench/suites/ is framework-free like src/lib (the page, the workers and the CLI run it): it imports only itself, src/lib and npm packages.',
      from: { path: '^bench/suites/' },
      to: { pathNot: ['^bench/suites/', '^src/lib/', '(^|/)node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'lib-file-has-a-layer',
      severity: 'error',
      comment: 'A new file directly under src/lib belongs in a layer folder (or in the layer map).',
      from: { path: '^src/lib/[^/]+$', pathNot: ['^src/lib/geo\\.ts$', '^src/lib/random\\.ts$'] },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve packages the way Vite and Node do, so npm imports never look like local files.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'browser', 'svelte', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
