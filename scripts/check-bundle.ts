// The built page loads no TensorFlow.js: tfjs belongs to the workers (docs/architecture.md,
// "the page sends messages and draws; it never loads tfjs"). After `vite build`, this reads
// dist/index.html, takes the entry chunk and every modulepreloaded chunk, follows their static
// imports (not dynamic `import()`: those load on demand), and looks for tfjs in each. It prints
// JSON with the page's chunks and their sizes and exits 1 when one of them holds tfjs.
//   npx tsx scripts/check-bundle.ts [dist]      (npm run check:bundle; the e2e web server runs it)
//
// The marker: a minified bundle keeps no module ids (no `@tensorflow/…` paths), but it keeps the
// names of the environment flags each tfjs package registers (`env().registerFlag('NAME', …)`),
// string literals no minifier can rename. Every tfjs package imports tfjs-core, which registers
// TENSORLIKE_CHECK_SHAPE_CONSISTENCY and keeps its engine on the global `_tfengine`; the
// backends register their own flags. `@tensorflow/` catches an unminified build's module ids.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const TFJS_MARKERS: readonly { marker: string; what: string }[] = [
  { marker: '_tfengine', what: 'tfjs-core (the engine global)' },
  { marker: 'TENSORLIKE_CHECK_SHAPE_CONSISTENCY', what: 'tfjs-core (a flag)' },
  { marker: 'WEBGL_VERSION', what: 'tfjs-backend-webgl (a flag)' },
  { marker: 'WASM_HAS_SIMD_SUPPORT', what: 'tfjs-backend-wasm (a flag)' },
  { marker: 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', what: 'tfjs-backend-webgpu (a flag)' },
  { marker: '@tensorflow/', what: 'a tfjs module id (unminified build)' },
];

export interface PageChunk {
  /** Path under dist/, e.g. assets/main-abc.js. */
  file: string;
  bytes: number;
  /** How the page reaches it: the entry script, a modulepreload link, or a static import of another chunk. */
  via: 'entry' | 'modulepreload' | 'import';
  /** The tfjs markers found in it (empty: none). */
  tfjs: string[];
}

export interface BundleReport {
  html: string;
  chunks: PageChunk[];
  /** Sum of the page chunks' sizes: the JS the page loads before its first frame. */
  totalBytes: number;
  /** Page chunks that hold tfjs (must be empty). */
  violations: string[];
}

/** The tfjs markers in a chunk's text. */
export function tfjsMarkersIn(code: string): string[] {
  return TFJS_MARKERS.filter((m) => code.includes(m.marker)).map((m) => m.marker);
}

/**
 * Relative specifiers a chunk imports statically: `import … from "./x.js"`, `import "./x.js"`,
 * `export … from "./x.js"`. A dynamic `import("./x.js")` has a parenthesis after `import` and is not matched.
 */
export function staticImports(code: string): string[] {
  const out = new Set<string>();
  const re = /\b(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["'](\.{1,2}\/[^"']+\.m?js)["']/g;
  for (const m of code.matchAll(re)) out.add(m[1]);
  return [...out];
}

/** The entry script and modulepreload links of a built HTML page (paths relative to dist/). */
export function pageScripts(html: string): { entry: string[]; preload: string[] } {
  const attr = (tag: string, name: string) => new RegExp(`\\b${name}=["']([^"']+)["']`).exec(tag)?.[1];
  const entry: string[] = [];
  const preload: string[] = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) {
    const src = attr(tag, 'src');
    if (src && /\btype=["']module["']/.test(tag)) entry.push(src.replace(/^\//, ''));
  }
  for (const [tag] of html.matchAll(/<link\b[^>]*>/g)) {
    const href = attr(tag, 'href');
    if (href && /\brel=["']modulepreload["']/.test(tag)) preload.push(href.replace(/^\//, ''));
  }
  return { entry, preload };
}

export function checkBundle(dist: string, htmlName = 'index.html'): BundleReport {
  const html = readFileSync(resolve(dist, htmlName), 'utf8');
  const { entry, preload } = pageScripts(html);
  const chunks = new Map<string, PageChunk>();
  const queue: { file: string; via: PageChunk['via'] }[] = [
    ...entry.map((file) => ({ file, via: 'entry' as const })),
    ...preload.map((file) => ({ file, via: 'modulepreload' as const })),
  ];
  while (queue.length > 0) {
    const { file, via } = queue.shift()!;
    if (chunks.has(file)) continue;
    const path = resolve(dist, file);
    const code = readFileSync(path, 'utf8');
    chunks.set(file, { file, bytes: statSync(path).size, via, tfjs: tfjsMarkersIn(code) });
    for (const spec of staticImports(code)) queue.push({ file: posix.join(posix.dirname(file), spec), via: 'import' });
  }
  const list = [...chunks.values()];
  return {
    html: htmlName,
    chunks: list,
    totalBytes: list.reduce((s, c) => s + c.bytes, 0),
    violations: list.filter((c) => c.tfjs.length > 0).map((c) => `${c.file}: ${c.tfjs.join(', ')}`),
  };
}

function main(): void {
  const dist = resolve(process.argv[2] ?? 'dist');
  if (!existsSync(resolve(dist, 'index.html'))) {
    console.error(`check-bundle: no ${resolve(dist, 'index.html')}; run vite build first`);
    process.exit(2);
  }
  const report = checkBundle(dist);
  console.log(JSON.stringify(report, null, 2));
  if (report.violations.length > 0) {
    console.error(`check-bundle: the page (${report.html}) loads tfjs, which belongs in the workers:\n  ${report.violations.join('\n  ')}`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
