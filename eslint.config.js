// ESLint flat config: the recommended sets of ESLint, typescript-eslint and eslint-plugin-svelte.
// Layout is Prettier's job (.prettierrc), so no stylistic rules here; layering is dependency-cruiser's
// (.dependency-cruiser.cjs).
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default defineConfig(
  {
    ignores: ['dist/', 'test-results/', 'playwright-report/', '.cache/', '.tmp-*', 'public/', '**/fixtures/', '.gpu/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  ...svelte.configs.prettier,
  {
    // The same modules run in the page, in Web Workers and in Node (CLI, tests).
    languageOptions: { globals: { ...globals.browser, ...globals.worker, ...globals.node } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  {
    rules: {
      // Unused bindings are allowed when named with a leading underscore (callback slots, destructuring).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Off: it flags every `new URL(...)`/`URLSearchParams` in .svelte(.ts) files, and ours are
      // one-off address computations (worker and data URLs), never reactive state.
      'svelte/prefer-svelte-reactivity': 'off',
      // Off: its findings are `{' '}` next to a block tag, an explicit space kept on purpose.
      'svelte/no-useless-mustaches': 'off',
    },
  },
  {
    // The recommended set already makes `any` an error everywhere; the library, the typed core every
    // entry point shares (and the benchmark suites, framework-free like it), keeps it an error even if
    // tests or scripts relax it later.
    files: ['src/lib/**/*.ts', 'bench/suites/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
);
