// The files under a folder, at any depth, whose names end with one of `suffixes`: the one walker of
// the tests that read the repository's own sources, tests and docs.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Paths `dir/…` (joined as given: relative stays relative), sorted. */
export function filesUnder(dir: string, ...suffixes: string[]): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && suffixes.some((s) => e.name.endsWith(s)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
