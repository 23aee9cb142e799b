// The project's prose: README.md, BENCHMARKS.md and every Markdown file under docs/. The link test and
// the command-line test read the same list, so a page added under docs/ is checked by both.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Repository-relative paths of every Markdown file under `dir`, sorted. */
function markdownUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...markdownUnder(p));
    else if (e.isFile() && e.name.endsWith('.md')) out.push(p);
  }
  return out.sort();
}

/** README.md, BENCHMARKS.md, then docs/**\/*.md. */
export function projectDocs(): string[] {
  return ['README.md', 'BENCHMARKS.md', ...markdownUnder('docs')];
}
