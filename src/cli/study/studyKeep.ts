// `study keep [<studies/x.json> …] [--weights]`: stages for the next commit what a study has finished
// (runs/ is git-ignored, and a new checkout holds only what git holds): each finished run's training
// log (<name>.log.json, written when the run ends), each report the study makes with its record of
// inputs (<report>.inputs, so that a new checkout, whose file times mean nothing, finds it current)
// and a moved checkpoint's summary; the checkpoints themselves (a finished run's, a moved one) only
// with --weights. What it stages is what the study plan (studyPlan.ts) says the study makes, so a
// run still training (.tmp-*, .partial, its lock), a console log (.train.log) or a route cache
// (.routes/) is never staged, nor anything under public/data (trips: tests/repo/licenceGuard).
// Tracked files of the study's folders that are gone (a .partial an earlier commit kept, removed
// when its run finished) leave git with the same commit.
//
//   npm run cli -- study keep studies/sf.json && git commit -m "runs: …"
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { planContext } from './study';
import { checkStudy, logOf, planStudy, type Job, type StudyFile } from './studyPlan';

const USAGE = `usage: study keep [<studies/<name>.json> …] [--weights]
  Stages (git add -f) what the studies (default: every study in studies/) have finished: each
  finished run's <name>.log.json, each report with its <report>.inputs, and with --weights the
  finished checkpoints too. Never a run in progress (.tmp-*, .partial, locks), console logs or route
  caches. Then: git commit.`;

/** A file the study makes that is never to be committed: a run's temporary state, or trips. */
const never = (f: string): boolean =>
  /(^|\/)(\.tmp-|\.lock-)/.test(f) || f.endsWith('.partial') || f.startsWith('public/data/') || f.includes('/.routes/');

/**
 * The files of `plan`'s finished jobs that git should hold, relative to `root`: a run is finished
 * once its log is written (a trained student is moved in place with its log; a teacher writes its
 * best weights under its final name while it trains, and its log when it stops); a report once it
 * is in place (study run moves it there whole).
 */
export function keptFiles(root: string, plan: readonly Job[], weights: boolean): string[] {
  const here = (f: string): boolean => existsSync(join(root, f));
  const files = new Set<string>();
  for (const j of plan) {
    if (j.kind === 'train' || j.kind === 'teacher') {
      const log = logOf(j.out);
      if (!here(log) || !here(j.out)) continue;
      files.add(log);
      // A teacher copied from a committed checkpoint is already in git under that path: a second
      // path to the same bytes would only make a new checkout hold it twice.
      if (weights && !(j.kind === 'teacher' && j.committed)) files.add(j.out);
      continue;
    }
    if (!here(j.out)) continue;
    if (!j.out.endsWith('.safetensors') || weights) files.add(j.out);
    if (here(`${j.out}.inputs`)) files.add(`${j.out}.inputs`);
    if (j.stdout && j.stdout !== 'out' && here(j.stdout)) files.add(j.stdout);
  }
  return [...files].filter((f) => !never(f)).sort();
}

/** The study's folders: where its jobs write. */
export function studyDirs(plan: readonly Job[]): string[] {
  return [...new Set(plan.map((j) => dirname(j.out)))].filter((d) => !never(`${d}/`)).sort();
}

/** Stages the kept files and the removal of tracked files gone from the study's folders; returns what it staged. */
export function keep(root: string, plan: readonly Job[], weights: boolean): { added: string[]; removed: string[] } {
  const git = (args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const added = keptFiles(root, plan, weights);
  for (let i = 0; i < added.length; i += 200) git(['add', '-f', '--', ...added.slice(i, i + 200)]);
  const dirs = studyDirs(plan);
  const removed = dirs.length
    ? git(['ls-files', '-z', '--deleted', '--', ...dirs])
        .split('\0')
        .filter(Boolean)
    : [];
  for (let i = 0; i < removed.length; i += 200) git(['rm', '-q', '--cached', '--', ...removed.slice(i, i + 200)]);
  return { added, removed };
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('study keep', USAGE));
  const [, ...named] = p.positional;
  const files = named.length
    ? named
    : (await readdir('studies'))
        .filter((f) => f.endsWith('.json') && f !== 'results.json')
        .sort()
        .map((f) => `studies/${f}`);
  const plan: Job[] = [];
  for (const f of files) {
    const study = checkStudy(JSON.parse(await readFile(f, 'utf8')) as StudyFile);
    plan.push(...planStudy(study, undefined, await planContext(study)));
  }
  const { added, removed } = keep('.', plan, p.flags.weights === true);
  console.log(JSON.stringify({ studies: files, kept: added.length, removed: removed.length }));
  console.log(
    execFileSync('git', ['diff', '--cached', '--stat', '--', ...studyDirs(plan)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop() ?? '',
  );
  return 0;
}
