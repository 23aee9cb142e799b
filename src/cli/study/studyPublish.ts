// `study publish <studies/x.json>`: gathers the finished comparisons of a study (its `publish` block)
// into what the repository keeps: aggregates and training logs only, never trips
// (tests/repo/licenceGuard checks). For each arm whose comparison has finished (the files of
// `publish.finished` in its report folder): its paired outputs, scores and training logs under
// docs/experiments/runs/<name>/, its paired outputs under public/reports/paired/<name>/; the files
// the comparisons share (`publish.copy`); then each summary (`eval distillation-summary`, the arms'
// regimes only once they have finished), the figures (scripts/figures.ts), and each summary's table
// as Markdown (scripts/summary-table.ts). An arm not finished yet is named and left out; run it
// again when more has finished.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { cli, spawnRunner, type Runner } from '../common/runCommand';
import { checkStudy, type StudyFile, type StudyRegime } from './studyPlan';

const USAGE = `usage: study publish <studies/<name>.json>
  The study's finished comparisons (its "publish" block) → docs/experiments/runs/<name>/ and
  public/reports/paired/<name>/, the files they share, the summaries (eval distillation-summary),
  the figures, and each summary's table as Markdown. An arm not finished yet is left out.`;

export const RUNS_DIR = 'docs/experiments/runs';
export const PAIRED_DIR = 'public/reports/paired';

/** The files of `dir` whose name matches `pattern` (* for any run of characters), never a .tmp-*. */
async function matching(root: string, dir: string, pattern: string): Promise<string[]> {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
  let names: string[];
  try {
    names = (await readdir(join(root, dir), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n) && !n.startsWith('.tmp-'))
    .sort()
    .map((n) => `${dir}/${n}`);
}

export interface PublishPlan {
  /** Published arm names, in the study's order. */
  finished: string[];
  /** Arms left out, with why. */
  unfinished: string[];
  copies: Array<[string, string]>;
  /** Commands in order, with where their stdout goes (a file, or the console). */
  commands: Array<{ argv: string[]; stdout?: string }>;
}

const regimeArg = (r: StudyRegime): string =>
  `${r.label}=${r.dir ?? `${PAIRED_DIR}/${r.arm!}`}${r.base !== undefined ? `|${r.base}|${r.treated!}` : ''}`;

/** What publishing the study does now, given what has finished under `root`. */
export async function planPublish(root: string, study: StudyFile): Promise<PublishPlan> {
  const pub = study.publish;
  if (!pub) throw new Error('study publish: the study has no "publish" block');
  const plan: PublishPlan = { finished: [], unfinished: [], copies: [], commands: [] };
  for (const { arm, name } of pub.arms) {
    const a = study.arms.find((x) => x.name === arm)!;
    const dir = a.reportDir ?? a.dir;
    const missing = pub.finished.filter((f) => !existsSync(join(root, dir, f)));
    if (missing.length) {
      plan.unfinished.push(`${arm}: ${dir} has no ${missing.join(' or ')}`);
      continue;
    }
    plan.finished.push(name);
    for (const pattern of ['paired-*.json', 'steps-*.json', '*.log.json'])
      for (const f of await matching(root, dir, pattern)) plan.copies.push([f, `${RUNS_DIR}/${name}/${basename(f)}`]);
    for (const f of await matching(root, dir, 'paired-*.json')) plan.copies.push([f, `${PAIRED_DIR}/${name}/${basename(f)}`]);
  }
  for (const c of pub.copy ?? []) {
    const from = basename(c.from).includes('*') ? await matching(root, dirname(c.from), basename(c.from)) : [c.from];
    for (const f of from) if (existsSync(join(root, f))) plan.copies.push([f, `${c.to}/${basename(f)}`]);
  }
  const summaries: string[] = [];
  for (const s of pub.summaries ?? []) {
    const regimes = s.regimes.filter((r) => r.arm === undefined || plan.finished.includes(r.arm));
    if (!regimes.length) continue;
    const args = ['eval', 'distillation-summary', '--regimes', regimes.map(regimeArg).join(';')];
    if (s.untagged) args.push('--untagged', s.untagged);
    plan.commands.push({ argv: cli(...args, '--out', s.out) });
    summaries.push(s.out);
  }
  plan.commands.push({ argv: ['npx', 'tsx', 'scripts/figures.ts'], stdout: '/dev/null' });
  for (const out of summaries) plan.commands.push({ argv: ['npx', 'tsx', 'scripts/summary-table.ts', out] });
  return plan;
}

/** Copies, then runs the commands in order; stops at the first that fails (exit 1). */
export async function publish(root: string, study: StudyFile, runner: Runner, log: (s: string) => void = console.log): Promise<number> {
  const plan = await planPublish(root, study);
  for (const u of plan.unfinished) log(`study publish: ${u}; left out`);
  for (const [from, to] of plan.copies) {
    await mkdir(dirname(join(root, to)), { recursive: true });
    await copyFile(join(root, from), join(root, to));
  }
  log(`study publish: ${plan.copies.length} files of ${plan.finished.join(', ') || 'no finished arm'} and what they share`);
  for (const c of plan.commands) {
    const code = await runner(c.argv, c.stdout);
    if (code !== 0) {
      console.error(`study publish: failed (exit ${code}): ${c.argv.join(' ')}`);
      return 1;
    }
  }
  return 0;
}

export async function run(args: string[], runner: Runner = spawnRunner()): Promise<number> {
  const p = parseArgs(args, commandDecl('study publish', USAGE));
  const file = p.positional[1];
  if (!file) {
    console.error(USAGE);
    return 2;
  }
  return publish('.', checkStudy(JSON.parse(await readFile(file, 'utf8')) as StudyFile), runner);
}
