// The project's prose: README.md, BENCHMARKS.md and every Markdown file under docs/. The link test and
// the command-line test read the same list, so a page added under docs/ is checked by both.
import { filesUnder } from '../filesUnder';

/** README.md, BENCHMARKS.md, then docs/**\/*.md. */
export function projectDocs(): string[] {
  return ['README.md', 'BENCHMARKS.md', ...filesUnder('docs', '.md')];
}
