// The flag parser every CLI command shares. A command declares its flags once (src/cli/common/commandFlags.ts:
// name, kind, help); parseArgs with that declaration refuses an unknown or mistyped flag before any
// work starts, naming the nearest known one, and --help is generated from it. For an experiment
// tool, a silently ignored setting is a wrong result.
import { cliBase, portableArg, type PathBase } from './repoPath';

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

/** boolean: alone; string, number, number|all: with a value; string? : with a value, or alone. */
export type FlagKind = 'boolean' | 'string' | 'number' | 'number|all' | 'string?';

export interface FlagDecl {
  kind: FlagKind;
  help?: string;
}

/** One command's flags and its prose (what it does, how its flags combine). */
export interface CommandDecl {
  /** As typed after `npm run cli --`, e.g. "eval paired-report". */
  name: string;
  usage: string;
  flags: Record<string, FlagDecl>;
}

/** A command line the declaration does not allow: the message says what and where to look. */
export class UsageError extends Error {}

/** --help or -h: the message is the command's generated help (the entry point prints it, exit 0). */
export class HelpRequested extends Error {}

/** Levenshtein distance (flag names are short). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** The declared flag nearest to `name`, when one is near enough to be what was meant. */
export function nearestFlag(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dd = k.startsWith(name) || name.startsWith(k) ? 1 : distance(name, k);
    if (dd < bestD) [best, bestD] = [k, dd];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** --help for a command: its prose, then every declared flag with its kind and help. */
export function helpText(cmd: CommandDecl): string {
  const names = Object.keys(cmd.flags).sort();
  const w = Math.max(...names.map((n) => n.length + 2), 8);
  const kind: Record<FlagKind, string> = {
    boolean: '',
    string: '<text>',
    number: '<number>',
    'number|all': '<number|all>',
    'string?': '[text]',
  };
  const lines = names.map((n) => {
    const f = cmd.flags[n];
    return `  --${n.padEnd(w)} ${kind[f.kind].padEnd(13)} ${f.help ?? ''}`.trimEnd();
  });
  return `${cmd.usage}\n\nflags of ${cmd.name}:\n${lines.join('\n')}\n  --help, -h${' '.repeat(Math.max(1, w - 6))}this text`;
}

export function parseArgs(args: string[], decl?: CommandDecl): ParsedArgs {
  return decl ? parseDeclared(args, decl) : parseLoose(args);
}

/** Checks every flag against the declaration: unknown names and bad numbers stop here. */
function parseDeclared(args: string[], decl: CommandDecl): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  const known = Object.keys(decl.flags);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') throw new HelpRequested(helpText(decl));
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const f = decl.flags[name];
    if (!f) {
      const near = nearestFlag(name, known);
      throw new UsageError(`${decl.name}: unknown flag --${name}${near ? `; did you mean --${near}?` : ''} (see ${decl.name} --help)`);
    }
    let value: string | true;
    if (eq > 0) value = a.slice(eq + 1);
    else if (f.kind === 'boolean') value = true;
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) value = args[++i];
    else if (f.kind === 'string?') value = true;
    else throw new UsageError(`${decl.name}: --${name} needs a value (see ${decl.name} --help)`);
    if (f.kind === 'boolean' && value !== true) throw new UsageError(`${decl.name}: --${name} takes no value, got "${value}"`);
    if ((f.kind === 'number' || (f.kind === 'number|all' && value !== 'all')) && !Number.isFinite(Number(value)))
      throw new UsageError(`${decl.name}: --${name} expects a number${f.kind === 'number|all' ? ' or all' : ''}, got "${String(value)}"`);
    flags[name] = value;
  }
  return { positional, flags };
}

/** The undeclared parser, for the scripts in scripts/ that are not CLI commands. */
function parseLoose(args: string[]): ParsedArgs {
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
 * --help (or -h): prints the usage and gives exit code 0; `missing` (a required argument absent):
 * prints it and gives 2; otherwise null, and the command goes on.
 */
export function usageExit(p: ParsedArgs, usage: string, missing = false): number | null {
  if (!p.flags.help && !p.flags.h && !missing) return null;
  console.log(usage);
  return p.flags.help || p.flags.h ? 0 : 2;
}

/**
 * The command line that reproduces a run: paths relative to the repository root (where npm runs
 * it), and arguments that hold spaces or shell characters quoted.
 */
export function commandLine(command: string, args: readonly string[], base: PathBase = cliBase()): string {
  const quote = (a: string): string => (/[\s;'"$&|<>()*?!%]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);
  return [`npm run cli -- ${command}`, ...args.map((a) => quote(portableArg(a, base)))].join(' ');
}

/** A --seeds list: integers like 1,2,3, in the order given. */
export function parseSeeds(v: string): number[] {
  const seeds = v.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s))) throw new Error(`--seeds expects integers like 1,2,3, got "${v}"`);
  return seeds;
}
