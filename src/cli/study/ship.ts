// `ship --city <porto|sf> --teacher <ckpt> --vanilla <ckpt> --distilled <ckpt> [--dry-run]`: ships a
// teacher and one seed-paired student pair as a city's models in the app (SF's the app uses once
// the user has built SF's data). It copies the checkpoints and their training logs into
// public/checkpoints/<city>/, fits each student's hop-time scale on val (calibrate-time, on the
// fresh copies: once per checkpoint) and scores each model teacher-forced on test for the README's
// table (JSON in docs/experiments/shipped/, or docs/experiments/<city>/shipped/), and the student +
// teacher mix log p + β·log q (β chosen on val). For Porto it also re-runs the Compare view's report
// with the study's best-first search (SF's Compare view evaluates live). Everything is checked
// before a file is copied: the dataset is built, each checkpoint and its log exist, and each is the
// kind its flag says (a teacher; a vanilla and a distilled student) on one road network. The
// screenshots come after, from the built app: npm start, then npx tsx scripts/screenshots.ts.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { cli, spawnRunner, type Runner } from '../common/runCommand';
import { checkpointFacts } from '../../lib/checkpoint/manifest';

const USAGE = `usage: ship [--city porto|sf] --teacher <ckpt> --vanilla <ckpt> --distilled <ckpt> [--dry-run]
  Copies the three checkpoints (each with its <name>.log.json beside it, as train writes them) into
  public/checkpoints/<city>/ as teacher, vanilla and distilled, calibrates the students' hop times
  on val, scores each model teacher-forced on test (docs/experiments/shipped/, or
  docs/experiments/<city>/shipped/) and, for Porto, re-runs public/reports/porto-eval.json.
  --dry-run prints what it would do. Then rebuild the screenshots (scripts/screenshots.ts).`;

export interface ShipInputs {
  city: string;
  teacher: string;
  vanilla: string;
  distilled: string;
}

/** One command of the shipping: its argv, and the file its stdout becomes (written as .tmp-<name>, moved in place when it succeeds). */
export interface ShipCommand {
  argv: string[];
  stdout?: string;
}

export interface ShipPlan {
  dataset: string;
  dir: string;
  /** [from, to], repository-relative: each checkpoint and its log. */
  copies: Array<[string, string]>;
  commands: ShipCommand[];
}

const logOf = (ck: string): string => ck.replace(/\.safetensors$/, '.log.json');

const ROLES = ['teacher', 'vanilla', 'distilled'] as const;

/** What a role must be: a teacher, or a student trained in that mode. */
function wrongKind(role: (typeof ROLES)[number], facts: ReturnType<typeof checkpointFacts>): string | null {
  if (role === 'teacher') return facts.kind === 'teacher' ? null : `a ${facts.kind}, not a teacher`;
  if (facts.kind !== 'student') return `a ${facts.kind}, not a ${role} student`;
  const mode = facts.hyper?.mode;
  return mode === role ? null : `a ${typeof mode === 'string' ? mode : 'student of no recorded mode'}, not a ${role} student`;
}

/**
 * The files it copies and the commands it runs, after checking every input (paths relative to
 * `root`). Throws, before anything is written, on a missing dataset, checkpoint or log, a checkpoint
 * of the wrong kind, or checkpoints of different road networks.
 */
export async function planShip(root: string, s: ShipInputs): Promise<ShipPlan> {
  if (!/^[a-z0-9-]+$/.test(s.city)) throw new Error(`ship: --city must be a folder name (porto, sf), got "${s.city}"`);
  const dataset = `public/data/${s.city}`;
  if (!existsSync(join(root, dataset, 'train.csv')))
    throw new Error(`ship: no ${dataset}/train.csv (build it first${s.city === 'sf' ? ': npm run data:build:sf' : ''})`);
  const fingerprints = new Map<string, string>();
  for (const role of ROLES) {
    const ck = s[role];
    if (!ck.endsWith('.safetensors')) throw new Error(`ship: --${role} ${ck} is not a .safetensors checkpoint`);
    for (const f of [ck, logOf(ck)]) if (!existsSync(join(root, f))) throw new Error(`ship: --${role}: ${f} is missing`);
    const facts = checkpointFacts(new Uint8Array(await readFile(join(root, ck))));
    const wrong = wrongKind(role, facts);
    if (wrong) throw new Error(`ship: --${role} ${ck} is ${wrong}`);
    fingerprints.set(role, facts.fingerprint ?? '?');
  }
  if (new Set(fingerprints.values()).size !== 1)
    throw new Error(`ship: the checkpoints are of different road networks (${[...fingerprints].map(([r, f]) => `${r} ${f}`).join(', ')})`);
  const dir = `public/checkpoints/${s.city}`;
  const ck = (role: string): string => `${dir}/${role}.safetensors`;
  const copies: Array<[string, string]> = ROLES.flatMap((role): Array<[string, string]> => [
    [s[role], ck(role)],
    [logOf(s[role]), logOf(ck(role))],
  ]);
  const commands: ShipCommand[] = [];
  for (const role of ['vanilla', 'distilled'])
    commands.push({ argv: cli('calibrate-time', '--checkpoint', ck(role), '--dataset', dataset) });
  if (s.city === 'porto')
    commands.push({
      argv: cli(
        'eval',
        'report',
        '--dataset',
        dataset,
        '--checkpoints',
        dir,
        '--out',
        'public/reports/porto-eval.json',
        '--n',
        '50',
        '--seeds',
        '1,2',
        '--method',
        'bestFirst',
      ),
    });
  const out = s.city === 'porto' ? 'docs/experiments/shipped' : `docs/experiments/${s.city}/shipped`;
  const steps = (...args: string[]): string[] => cli('eval', 'steps', ...args, '--dataset', dataset, '--split', 'test', '--json');
  for (const role of ROLES) commands.push({ argv: steps('--checkpoint', ck(role)), stdout: `${out}/${role}-test-steps.json` });
  commands.push({
    argv: steps('--checkpoint', ck('vanilla'), '--teacher', ck('teacher')),
    stdout: `${out}/vanilla-with-teacher-test-steps.json`,
  });
  return { dataset, dir, copies, commands };
}

/** Copies, then runs the commands in order; stops at the first that fails (exit 1). */
export async function ship(root: string, s: ShipInputs, runner: Runner, log: (s: string) => void = console.log): Promise<number> {
  const plan = await planShip(root, s);
  for (const [from, to] of plan.copies) {
    await mkdir(dirname(join(root, to)), { recursive: true });
    if (resolve(root, from) !== resolve(root, to)) await copyFile(join(root, from), join(root, to));
  }
  log(`ship: copied ${s.teacher}, ${s.vanilla} and ${s.distilled} into ${plan.dir}/`);
  for (const c of plan.commands) {
    let tmp: string | undefined;
    if (c.stdout) {
      const slash = c.stdout.lastIndexOf('/');
      tmp = join(root, `${c.stdout.slice(0, slash)}/.tmp-${c.stdout.slice(slash + 1)}`);
      await mkdir(dirname(tmp), { recursive: true });
    }
    const code = await runner(c.argv, tmp);
    if (code !== 0) {
      if (tmp) await rm(tmp, { force: true });
      console.error(`ship: failed (exit ${code}): ${c.argv.join(' ')}`);
      return 1;
    }
    if (tmp) await rename(tmp, join(root, c.stdout!));
  }
  log(`ship: shipped into ${plan.dir}/; now rebuild the screenshots (npm start, then npx tsx scripts/screenshots.ts)`);
  return 0;
}

export async function run(args: string[], runner: Runner = spawnRunner(), root = '.'): Promise<number> {
  const p = parseArgs(args, commandDecl('ship', USAGE));
  let inputs: ShipInputs;
  try {
    inputs = {
      city: flagString(p, 'city', 'porto'),
      teacher: flagString(p, 'teacher'),
      vanilla: flagString(p, 'vanilla'),
      distilled: flagString(p, 'distilled'),
    };
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (p.flags['dry-run'] === true) {
    const plan = await planShip(root, inputs);
    for (const [from, to] of plan.copies) console.log(`cp ${from} ${to}`);
    for (const c of plan.commands) console.log(`${c.argv.join(' ')}${c.stdout ? ` > ${c.stdout}` : ''}`);
    return 0;
  }
  return ship(root, inputs, runner);
}
