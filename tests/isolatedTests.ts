// The unit test files that get a module graph of their own; every other file shares its process's
// modules with the files before it (vite.config.ts, `test.projects`). A file belongs here when it
// changes what later files would import or see: `vi.mock` (a module already loaded stays unmocked),
// stubbed globals and the tfjs backend registry (tests/runtime), Dawn's navigator.gpu and the WebGPU
// backend (tests/webgpu). tests/repo/isolatedTests.test.ts checks the `vi.mock` rule.
export const ISOLATED_TESTS = [
  'tests/runtime/**/*.test.ts',
  'tests/webgpu/**/*.test.ts',
  'tests/train/openSession.test.ts',
  'tests/compare/odRoutesBound.test.ts',
];
