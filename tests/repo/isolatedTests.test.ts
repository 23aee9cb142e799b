// A test file that mocks a module or stubs a global must run in a module graph of its own: in the
// shared one a module an earlier file loaded is never mocked, and a stub would leak into later files.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ISOLATED_TESTS } from '../isolatedTests';
import { filesUnder } from '../filesUnder';

const FOLDER_GLOB = '**/*.test.ts';

/** Whether a path matches one of the list's entries: a file, or a folder's `**\/*.test.ts`. */
function matches(path: string, entry: string): boolean {
  return entry.endsWith(FOLDER_GLOB) ? path.startsWith(entry.slice(0, -FOLDER_GLOB.length)) : path === entry;
}

describe('isolated test files', () => {
  const files = filesUnder('tests', '.test.ts');

  it('every file that calls vi.mock, vi.doMock or vi.stubGlobal is in ISOLATED_TESTS', () => {
    const needing = files.filter((f) => /\bvi\.(?:mock|doMock|stubGlobal)\(/.test(readFileSync(f, 'utf8')));
    expect(needing.length).toBeGreaterThan(0);
    expect(needing.filter((f) => !ISOLATED_TESTS.some((g) => matches(f, g)))).toEqual([]);
  });

  it('every entry matches a test file (no stale entry)', () => {
    expect(ISOLATED_TESTS.filter((g) => !files.some((f) => matches(f, g)))).toEqual([]);
  });
});
