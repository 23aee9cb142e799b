// Paths as reports and logs record them: relative to the repository root. `npm run cli` runs in the
// root, so a recorded command with root-relative paths re-runs on any checkout, and no committed
// file carries the directory layout of the machine that wrote it. A path outside the root stays
// visibly outside (`../runs/…`).
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Where relative paths start (`cwd`) and what recorded paths are relative to (`root`). */
export interface PathBase {
  cwd: string;
  root: string;
}

/** The nearest folder at or above `cwd` holding a package.json; `cwd` itself when none does. */
export function repoRoot(cwd: string = process.cwd()): string {
  for (let d = resolve(cwd); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return resolve(cwd);
  }
}

/** This process's base: its cwd and the repository root above it. */
export function cliBase(): PathBase {
  const cwd = process.cwd();
  return { cwd, root: repoRoot(cwd) };
}

/** `path` (absolute, or relative to `base.cwd`) relative to the root, with `/` separators. */
export function repoPath(path: string, base: PathBase = cliBase()): string {
  const rel = relative(base.root, resolve(base.cwd, path));
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * Whether one piece of an argument is a path. An absolute piece always is. A relative one is already
 * root-relative when the CLI runs in the root (as under npm), so it only counts when it does not and
 * the piece looks like a path: starts with ./ or ../, holds a slash, or ends in a file extension.
 * Labels (spaces), flags, numbers and URLs never count.
 */
function isPathPiece(piece: string, base: PathBase): boolean {
  if (piece.includes('://')) return false;
  if (isAbsolute(piece)) return true;
  if (resolve(base.cwd) === resolve(base.root) || /\s/.test(piece) || piece.startsWith('-')) return false;
  return /^\.\.?(\/|$)/.test(piece) || piece.includes('/') || /\.[A-Za-z][A-Za-z0-9]*$/.test(piece);
}

/**
 * A command-line argument with every path in it relative to the root. Values can hold several paths
 * (`a,b`, `label=dir;label=dir`, `--out=file`), so each piece between `,`, `;` and `=` is judged alone.
 */
export function portableArg(arg: string, base: PathBase = cliBase()): string {
  return arg.replace(/[^,;=]+/g, (piece) => (isPathPiece(piece, base) ? repoPath(piece, base) : piece));
}
