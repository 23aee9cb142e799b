// Minimal flag parser shared by every CLI command: `--key value`, `--flag`, positionals.
import { cliBase, portableArg, type PathBase } from './repoPath';

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(args: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        flags[a.slice(2, eq)] = a.slice(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
        flags[a.slice(2)] = args[++i];
      } else {
        flags[a.slice(2)] = true;
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

export function flagString(p: ParsedArgs, key: string, fallback?: string): string {
  const v = p.flags[key];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`missing --${key} <value>`);
}

export function flagNumber(p: ParsedArgs, key: string, fallback: number): number {
  const v = p.flags[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new Error(`--${key} expects a number, got "${String(v)}"`);
  return n;
}

/** A number flag that may also say "all" (→ Infinity), as --window and --test-od do. */
export function flagNumberOrAll(p: ParsedArgs, key: string, fallback: number): number {
  return p.flags[key] === 'all' ? Infinity : flagNumber(p, key, fallback);
}

/**
 * The command line that reproduces a run: paths relative to the repository root (where npm runs
 * it), and arguments that hold spaces or shell characters quoted.
 */
export function commandLine(command: string, args: readonly string[], base: PathBase = cliBase()): string {
  const quote = (a: string): string => (/[\s;'"$&|<>()*?!%]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);
  return [`npm run cli -- ${command}`, ...args.map((a) => quote(portableArg(a, base)))].join(' ');
}
