// A study as data (studies/*.json): its dataset, training budget, arms and scoring, with recipes by
// name (src/lib/train/recipe.ts). `planStudy` turns it into jobs: one training per (arm, seed) and
// per partner run, then per arm the teacher-forced steps and the paired generation reports, each
// depending on the checkpoints it reads. Runs and reports keep the conventions the studies have
// always had: <dir>/<name>.safetensors with <name>.log.json, trained into .tmp-<name> and moved in
// place; a report is current while <report>.inputs holds the sha256 of each input (made-from).
import { HYPER_PRESETS, type NamedRecipe, type RecipeName } from '../lib/train/recipe';

export interface StudyArm {
  name: string;
  dir: string;
  /** distilled (default) or vanilla (a vanilla control, e.g. trained on the route corpus too). */
  mode?: 'vanilla' | 'distilled';
  recipe?: RecipeName;
  teacher?: string;
  routes?: boolean;
  trainFrac?: number;
  seeds: number[];
  /** The run each seed pairs with: a path with {seed} (default: the study's vanilla run of that seed). */
  partner?: string;
  /** Flags a missing partner run is trained with (default: the study's vanilla flags). */
  partnerFlags?: string[];
}

export interface StudyFile {
  dataset: string;
  budget: { epochs: number; patience: number; maxLen: number; batch: number; micro: number };
  vanilla: { dir: string; flags?: string[] };
  arms: StudyArm[];
  scoring: {
    steps: string[];
    reports: Array<{ split: string; method: 'bestFirst' | 'beam' }>;
    baselines?: string;
    routeCache?: string;
    bootstrap?: number;
  };
}

export interface Job {
  id: string;
  kind: 'train' | 'report';
  /** argv after `npm run --silent cli --`. */
  args: string[];
  /** Where the job writes (a checkpoint, or a report), and what it reads (checkpoints). */
  out: string;
  inputs: string[];
  /** Trainings only: the temporary names, moved to `out` and its log when the run finishes. */
  tmp?: string;
}

export const runName = (dir: string, mode: 'vanilla' | 'distilled', seed: number): string =>
  `${dir}/${mode === 'vanilla' ? 'vanilla' : 'distilled'}-s${seed}.safetensors`;

/** The study file checked: every arm names a known recipe where it distils, and seeds. */
export function checkStudy(s: StudyFile): StudyFile {
  if (!s.dataset || !s.budget || !s.vanilla?.dir || !Array.isArray(s.arms))
    throw new Error('a study needs dataset, budget, vanilla.dir and arms');
  for (const a of s.arms) {
    if (!a.name || !a.dir || !Array.isArray(a.seeds) || a.seeds.length === 0)
      throw new Error(`arm ${a.name ?? '?'}: needs name, dir and seeds`);
    if ((a.mode ?? 'distilled') === 'distilled') {
      if (!a.recipe || !(a.recipe in HYPER_PRESETS))
        throw new Error(`arm ${a.name}: recipe must be one of ${Object.keys(HYPER_PRESETS).join(', ')}`);
      const r: NamedRecipe = HYPER_PRESETS[a.recipe];
      if ((r.teacherTarget ?? 'teacher') !== 'uniform' && !a.teacher) throw new Error(`arm ${a.name}: recipe ${a.recipe} needs a teacher`);
    }
  }
  return s;
}

function trainJob(study: StudyFile, out: string, seed: number, flags: string[]): Job {
  const slash = out.lastIndexOf('/');
  const tmp = `${out.slice(0, slash)}/.tmp-${out.slice(slash + 1)}`;
  const b = study.budget;
  return {
    id: `train ${out}`,
    kind: 'train',
    out,
    inputs: [],
    tmp,
    args: [
      'train',
      'student',
      '--dataset',
      study.dataset,
      '--epochs',
      String(b.epochs),
      '--patience',
      String(b.patience),
      '--max-len',
      String(b.maxLen),
      '--batch',
      String(b.batch),
      '--micro',
      String(b.micro),
      '--quiet',
      '--resume',
      ...flags,
      '--seed',
      String(seed),
      '--out',
      tmp,
    ],
  };
}

/** The train flags of an arm (its recipe by name, teacher, options). */
export function armFlags(a: StudyArm): string[] {
  const f: string[] = [];
  if ((a.mode ?? 'distilled') === 'vanilla') f.push('--mode', 'vanilla');
  else {
    const r: NamedRecipe = HYPER_PRESETS[a.recipe!];
    f.push('--mode', 'distilled', '--lambda', String(r.lambda), '--tau', String(r.tau), '--window', String(r.window));
    if (r.klMaskLastSteps) f.push('--kl-mask-last', String(r.klMaskLastSteps));
    if (r.teacherTarget && r.teacherTarget !== 'teacher') f.push('--teacher-target', r.teacherTarget);
    if (a.teacher && r.teacherTarget !== 'uniform') f.push('--teacher', a.teacher);
  }
  if (a.routes) f.push('--routes');
  if (a.trainFrac !== undefined) f.push('--train-frac', String(a.trainFrac));
  return f;
}

/** Every job of the study, trainings first; a partner run shared by several arms is one job. */
export function planStudy(study: StudyFile, only?: string): Job[] {
  const jobs = new Map<string, Job>();
  const arms = study.arms.filter((a) => !only || a.name === only);
  for (const a of arms) {
    const partners = a.seeds.map((s) => (a.partner ?? `${study.vanilla.dir}/vanilla-s{seed}.safetensors`).replace('{seed}', String(s)));
    a.seeds.forEach((seed, i) => {
      const p = partners[i];
      if (!jobs.has(`train ${p}`))
        jobs.set(`train ${p}`, trainJob(study, p, seed, a.partnerFlags ?? study.vanilla.flags ?? ['--mode', 'vanilla']));
      const out = runName(a.dir, a.mode ?? 'distilled', seed);
      jobs.set(`train ${out}`, trainJob(study, out, seed, armFlags(a)));
    });
    const treated = a.seeds.map((s) => runName(a.dir, a.mode ?? 'distilled', s));
    const inputs = [...partners, ...treated];
    const label = `${a.name}: ${armFlags(a).join(' ')}`;
    // Both kinds of report read the same pairs: vanilla partners and the arm's runs, by seed.
    const report = (out: string, command: string[], extra: string[]): void => {
      const args = [...command, '--dataset', study.dataset, '--vanilla', partners.join(','), '--distilled', treated.join(','), ...extra];
      jobs.set(`report ${out}`, { id: `report ${out}`, kind: 'report', out, inputs, args: [...args, '--label', label] });
    };
    for (const split of study.scoring.steps) report(`${a.dir}/paired-steps-${split}.json`, ['eval', 'paired-steps'], ['--split', split]);
    for (const r of study.scoring.reports)
      report(
        `${a.dir}/paired-report-${r.split}-${r.method}.json`,
        ['eval', 'paired-report'],
        [
          '--splits',
          r.split,
          '--test-od',
          'all',
          '--bootstrap',
          String(study.scoring.bootstrap ?? 2000),
          '--method',
          r.method,
          ...(study.scoring.routeCache ? ['--route-cache', study.scoring.routeCache] : []),
          ...(study.scoring.baselines ? ['--baselines', study.scoring.baselines] : []),
        ],
      );
  }
  return [...jobs.values()].sort((x, y) => (x.kind === y.kind ? 0 : x.kind === 'train' ? -1 : 1));
}
