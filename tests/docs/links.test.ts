// Every relative link in the project's prose resolves: README.md, BENCHMARKS.md and docs/**/*.md link
// to files that exist, and a link with a #fragment into a Markdown file names one of its headings (as
// GitHub makes their anchors). The README and BENCHMARKS.md stay short enough to read: the study log
// and the benchmark history live under docs/.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDocs } from './markdownDocs';

/** The text outside fenced code blocks and inline code spans, line numbers kept. */
function proseOf(text: string): string {
  let fenced = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line.replace(/`[^`]*`/g, '``');
    })
    .join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const plain = m[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase();
    const base = plain.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

interface Link {
  line: number;
  target: string;
}

/** Inline links and images, `[text](target)` / `![alt](target "title")`, outside code. */
export function relativeLinks(text: string): Link[] {
  const prose = proseOf(text);
  const links: Link[] = [];
  for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    links.push({ line: prose.slice(0, m.index).split('\n').length, target });
  }
  return links;
}

/** What is wrong with one link of `file`, or null when it resolves. */
function brokenLink(file: string, target: string): string | null {
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash >= 0 ? target.slice(0, hash) : target);
  const fragment = hash >= 0 ? decodeURIComponent(target.slice(hash + 1)) : null;
  const resolved = pathPart === '' ? file : normalize(join(dirname(file), pathPart));
  if (resolved.startsWith('..')) return `${target}: leaves the repository`;
  if (!existsSync(resolved)) return `${target}: no such file (${resolved})`;
  if (fragment !== null && resolved.endsWith('.md') && statSync(resolved).isFile()) {
    if (!headingAnchors(readFileSync(resolved, 'utf8')).has(fragment)) return `${target}: no heading #${fragment} in ${resolved}`;
  }
  return null;
}

const lineCount = (file: string): number => readFileSync(file, 'utf8').replace(/\n+$/, '').split('\n').length;

describe('the project docs', () => {
  const files = projectDocs();

  it('are found', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/architecture.md');
    expect(files).toContain('docs/experiments/study-log.md');
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const { line, target } of relativeLinks(readFileSync(file, 'utf8'))) {
        checked++;
        const why = brokenLink(file, target);
        if (why) broken.push(`${file}:${line}: ${why}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('keep the README and BENCHMARKS.md short', () => {
    expect(lineCount('README.md')).toBeLessThanOrEqual(250);
    expect(lineCount('BENCHMARKS.md')).toBeLessThanOrEqual(300);
  });
});

describe('the link checker', () => {
  it('finds relative links and images outside code, and skips URLs', () => {
    const text = [
      'See [a](docs/a.md) and ![b](img/b.png "title") and [web](https://example.org).',
      '`[not](inline.md)`',
      '```',
      '[not](fenced.md)',
      '```',
      '[c](#local-anchor)',
    ].join('\n');
    expect(relativeLinks(text)).toEqual([
      { line: 1, target: 'docs/a.md' },
      { line: 1, target: 'img/b.png' },
      { line: 6, target: '#local-anchor' },
    ]);
  });

  it('makes GitHub anchors from headings', () => {
    const a = headingAnchors("# Tuning λ, τ and w\n## Our metrics and HOSER's notebook\n## `npm run bench` here\n## Same\n## Same\n");
    expect([...a]).toEqual(['tuning-λ-τ-and-w', 'our-metrics-and-hosers-notebook', 'npm-run-bench-here', 'same', 'same-1']);
  });

  it('reports a missing file and a missing heading', () => {
    expect(brokenLink('README.md', 'docs/no-such-page.md')).toMatch(/no such file/);
    expect(brokenLink('README.md', 'docs/architecture.md#no-such-heading')).toMatch(/no heading #no-such-heading/);
    expect(brokenLink('README.md', 'docs/architecture.md#file-formats')).toBeNull();
  });
});
