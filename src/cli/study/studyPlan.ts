// A study as data (studies/*.json): its dataset, training budget, teachers, arms and scoring, with
// recipes, teacher sizes and budgets by name (src/lib/train/recipe.ts, train/teacherHyper.ts).
// `planStudy` turns it into jobs: the teachers, one training per (arm, seed) and per partner run,
// checkpoints moved to another network, teacher-forced scores of single checkpoints, then per arm
// the teacher-forced steps and the paired generation reports, each depending on what it reads.
// Runs and reports keep the conventions the studies have always had: <dir>/<name>.safetensors with
// <name>.log.json, trained into .tmp-<name> and moved in place; a derived file (a report, a moved
// checkpoint) is current while <file>.inputs holds the sha256 of each input (made-from).
import { RECIPES, type NamedRecipe, type RecipeName } from '../../lib/train/recipe';
import { TEACHER_BUDGETS, TEACHER_SIZES, type TeacherBudget, type TeacherSize } from '../../lib/train/teacherHyper';

/** A teacher the study trains (or copies from a committed file with the same bytes). Arms name it. */
export interface StudyTeacher {
  name: string;
  out: string;
  /** Default: the study's dataset. */
  dataset?: string;
  /** Named architecture and budget (teacherHyper.ts); a teacher that is only copied has neither. */
  size?: TeacherSize;
  budget?: TeacherBudget;
  routes?: boolean;
  anchor?: 'centroid' | 'end';
  destination?: boolean;
  destRelative?: boolean;
  moves?: number;
  /**
   * A committed copy of this teacher: copied to `out` (with its .log.json when there is one) where
   * its sha256 matches, instead of training. `commit`: the copy as git holds it at that commit.
   */
  committed?: { path: string; sha256: string; commit?: string };
}

/** A checkpoint moved to the study's network (`checkpoint transfer`); {seed} in paths with `seeds`. */
export interface StudyMove {
  from: string;
  out: string;
  dataset?: string;
  seeds?: number[];
  /** Where the command's JSON summary goes. */
  json?: string;
}

/** One checkpoint scored teacher-forced (`eval steps --json`); {seed} in paths with `seeds`. */
export interface StudySteps {
  out: string;
  checkpoint: string;
  /** The student + teacher mix. */
  teacher?: string;
  dataset?: string;
  split: string;
  window?: number;
  resamples?: number;
  swapDestination?: boolean;
  seeds?: number[];
}

/** Real trips the build held out (build-report.json's heldOutTaxis), matched onto the network. */
export interface StudyMatch {
  network: string;
  /** The folder of the taxis' GPS files (new_<taxi>.txt). */
  gpsDir: string;
  /** The matched dataset, and the command's JSON summary (the job's record). */
  out: string;
  json: string;
}

export interface StudyReport {
  /** The splits scored (comma-separated, e.g. test or test,train). */
  split: string;
  method: 'bestFirst' | 'beam';
  trainOd?: number;
  /** The file name (default paired-report-<split>-<method>.json). */
  name?: string;
  /** With the study's route baselines (default true). */
  baselines?: boolean;
}

export interface StudyScoring {
  /** Teacher-forced paired steps: a split (paired-steps-<split>.json) or a split and a file name. */
  steps: Array<string | { split: string; name: string }>;
  reports: StudyReport[];
  baselines?: string;
  routeCache?: string;
  bootstrap?: number;
}

export interface StudyArm {
  name: string;
  dir: string;
  /** distilled (default) or vanilla (a vanilla control, e.g. trained on the route corpus too). */
  mode?: 'vanilla' | 'distilled';
  recipe?: RecipeName;
  /** A teacher of the study by name, or a checkpoint path. */
  teacher?: string;
  routes?: boolean;
  trainFrac?: number;
  idFree?: boolean;
  /** Route-aware candidate features (`train student --route-features`). */
  routeFeatures?: boolean;
  /** With them, the Markov + length inputs (`train student --route-markov`; issue 65 lever a). */
  routeMarkov?: boolean;
  /** The speeds of the route features' time left (`--route-speeds`; 'fitted': issue 65 lever b). */
  routeSpeeds?: 'free-flow' | 'fitted';
  /** The zone-level cost to go as one more route input (`--route-zone-plan`; issue 65 lever c). */
  routeZonePlan?: boolean;
  /** The student's size preset (`train student --size`; default the trainer's, small). */
  size?: 'small' | 'default';
  /** Each seed starts from this student of another network (path with {seed}: region transfer). */
  transferFrom?: string;
  /** Default: the study's dataset. */
  dataset?: string;
  seeds: number[];
  /** The arm's checkpoints (path with {seed}; default <dir>/distilled-s{seed} or vanilla-s{seed}). */
  out?: string;
  /** false: the arm's checkpoints and partners are made elsewhere (a move, another study): scored only. */
  train?: boolean;
  /** The run each seed pairs with: a path with {seed} (default: the study's vanilla run of that
   * seed); null: none, and no reports (an arm that only makes runs other jobs read). */
  partner?: string | null;
  /** Flags a missing partner run is trained with (default: the study's vanilla flags). */
  partnerFlags?: string[];
  /** Default: the study's scoring. */
  scoring?: StudyScoring;
  /** Where the reports go (default dir). */
  reportDir?: string;
  label?: string;
}

/** A regime of a summary (`eval distillation-summary`): a folder of paired outputs, or an arm of `publish.arms` once it has finished. */
export interface StudyRegime {
  label: string;
  dir?: string;
  /** A published arm's name: its public/reports/paired/<name>/ folder, included once the arm has finished. */
  arm?: string;
  /** The two arms' names where they are not vanilla and distilled (e.g. scratch and transfer). */
  base?: string;
  treated?: string;
}

/**
 * What `study publish` gathers of the finished comparisons into what the repository keeps:
 * aggregates and training logs only, never trips.
 */
export interface StudyPublish {
  /** The files in an arm's report folder that say its comparison has finished. */
  finished: string[];
  /** Arms by name, each under its published name: docs/experiments/runs/<name>/ (its paired-*.json,
   * steps-*.json and *.log.json) and public/reports/paired/<name>/ (its paired-*.json). */
  arms: Array<{ arm: string; name: string }>;
  /** Files the comparisons share, copied where present: a path, or a folder/pattern with * in the file name. */
  copy?: Array<{ from: string; to: string }>;
  /** Summaries (`eval distillation-summary`), each written when at least one of its regimes is there. */
  summaries?: Array<{ out: string; untagged?: string; regimes: StudyRegime[] }>;
}

export interface StudyFile {
  /** What the study is for, in words (read by people, not by the planner). */
  note?: string;
  dataset: string;
  /** Students' budget: needed where an arm trains. */
  budget?: { epochs: number; patience: number; maxLen: number; batch: number; micro: number };
  vanilla: { dir: string; flags?: string[] };
  teachers?: StudyTeacher[];
  moves?: StudyMove[];
  steps?: StudySteps[];
  match?: StudyMatch;
  arms: StudyArm[];
  scoring: StudyScoring;
  publish?: StudyPublish;
}

export interface Job {
  id: string;
  /** train: a student; teacher: a teacher (or its committed copy); report: a file derived from
   * others (a report, a moved checkpoint, a match), current while its <out>.inputs holds their sha256. */
  kind: 'train' | 'teacher' | 'report';
  /** argv after `npm run --silent cli --`. */
  args: string[];
  /** Where the job writes (a checkpoint, or a report), and what it reads (checkpoints). */
  out: string;
  inputs: string[];
  /** Files that must exist first but whose bytes the record leaves out (a dataset, a build report). */
  needs?: string[];
  /** Trainings only: the temporary names, moved to `out` and its log when the run finishes. */
  tmp?: string;
  /** Reports: the command writes `--out <tmp>` (default), or its stdout is the file ('out') or
   * goes to this other file (a moved checkpoint's summary). */
  stdout?: string;
  /** Teachers: a committed copy with the same bytes. */
  committed?: StudyTeacher['committed'];
}

export const runName = (dir: string, mode: 'vanilla' | 'distilled', seed: number): string =>
  `${dir}/${mode === 'vanilla' ? 'vanilla' : 'distilled'}-s${seed}.safetensors`;

const withSeed = (p: string, seed: number): string => p.replaceAll('{seed}', String(seed));

/** A teacher's log: a teacher writes its best weights under its final name while it trains, and its log once it has stopped. */
export const logOf = (ck: string): string => ck.replace(/\.safetensors$/, '.log.json');

/** The study file checked: every arm names a known recipe where it distils, and seeds. */
export function checkStudy(s: StudyFile): StudyFile {
  if (!s.dataset || !s.vanilla?.dir || !Array.isArray(s.arms) || !s.scoring)
    throw new Error('a study needs dataset, vanilla.dir, arms and scoring');
  const teachers = new Set((s.teachers ?? []).map((t) => t.name));
  for (const t of s.teachers ?? []) {
    if (!t.name || !t.out) throw new Error('a teacher needs name and out');
    if (t.size !== undefined && !(t.size in TEACHER_SIZES))
      throw new Error(`teacher ${t.name}: size must be one of ${Object.keys(TEACHER_SIZES).join(', ')}`);
    if (t.budget !== undefined && !(t.budget in TEACHER_BUDGETS))
      throw new Error(`teacher ${t.name}: budget must be one of ${Object.keys(TEACHER_BUDGETS).join(', ')}`);
    if ((t.size === undefined || t.budget === undefined) && !t.committed)
      throw new Error(`teacher ${t.name}: needs a size and a budget, or a committed copy`);
  }
  for (const a of s.arms) {
    if (!a.name || !a.dir || !Array.isArray(a.seeds) || a.seeds.length === 0)
      throw new Error(`arm ${a.name ?? '?'}: needs name, dir and seeds`);
    if (a.train !== false && !s.budget) throw new Error(`arm ${a.name}: a study that trains needs a budget`);
    if (a.train !== false && (a.mode ?? 'distilled') === 'distilled') {
      if (!a.recipe || !(a.recipe in RECIPES)) throw new Error(`arm ${a.name}: recipe must be one of ${Object.keys(RECIPES).join(', ')}`);
      const r: NamedRecipe = RECIPES[a.recipe];
      if ((r.teacherTarget ?? 'teacher') !== 'uniform' && !a.teacher) throw new Error(`arm ${a.name}: recipe ${a.recipe} needs a teacher`);
      if (a.teacher && !teachers.has(a.teacher) && !a.teacher.endsWith('.safetensors'))
        throw new Error(`arm ${a.name}: teacher ${a.teacher} is neither a teacher of the study nor a checkpoint`);
    }
  }
  const pub = s.publish;
  if (pub) {
    if (!Array.isArray(pub.finished) || !Array.isArray(pub.arms)) throw new Error('publish needs finished and arms');
    const names = new Set(s.arms.map((a) => a.name));
    for (const a of pub.arms)
      if (!names.has(a.arm) || !/^[\w.-]+$/.test(a.name))
        throw new Error(`publish: ${a.arm} is not an arm of the study, or ${a.name} no folder name`);
    const published = new Set(pub.arms.map((a) => a.name));
    for (const sum of pub.summaries ?? [])
      for (const r of sum.regimes) {
        if ((r.dir === undefined) === (r.arm === undefined)) throw new Error(`publish: regime "${r.label}" needs a dir or an arm`);
        if (r.arm !== undefined && !published.has(r.arm))
          throw new Error(`publish: regime "${r.label}" names ${r.arm}, not a published arm`);
        if (/[;|]/.test(r.label) || (r.base === undefined) !== (r.treated === undefined))
          throw new Error(`publish: regime "${r.label}": no ; or | in a label, and base and treated together`);
      }
  }
  return s;
}

/** The checkpoint an arm's teacher names (a teacher of the study by name, or a path). */
export function teacherPath(study: StudyFile, name: string): string {
  return study.teachers?.find((t) => t.name === name)?.out ?? name;
}

function trainJob(study: StudyFile, dataset: string, out: string, seed: number, flags: string[], inputs: string[]): Job {
  const slash = out.lastIndexOf('/');
  const tmp = `${out.slice(0, slash)}/.tmp-${out.slice(slash + 1)}`;
  const b = study.budget!;
  return {
    id: `train ${out}`,
    kind: 'train',
    out,
    inputs,
    tmp,
    args: [
      'train',
      'student',
      '--dataset',
      dataset,
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

/** The `train teacher` flags of a study teacher: its data options, then its size and budget by name. */
export function teacherFlags(study: StudyFile, t: StudyTeacher): string[] {
  const f = ['--dataset', t.dataset ?? study.dataset, '--out', t.out];
  if (t.routes) f.push('--routes');
  if (t.anchor) f.push('--anchor', t.anchor);
  if (t.destination) f.push('--destination');
  if (t.destRelative) f.push('--dest-relative');
  if (t.moves) f.push('--moves', String(t.moves));
  if (t.size) {
    const s = TEACHER_SIZES[t.size];
    f.push('--layers', String(s.layers), '--heads', String(s.heads), '--embd', String(s.embd));
  }
  if (t.budget) {
    const b = TEACHER_BUDGETS[t.budget];
    f.push('--epochs', String(b.epochs), '--patience', String(b.patience), '--batch', String(b.batch));
  }
  return f;
}

/** The train flags of an arm (its recipe by name, teacher, options), for one seed. */
export function armFlags(a: StudyArm, study?: StudyFile, seed?: number): string[] {
  const f: string[] = [];
  if ((a.mode ?? 'distilled') === 'vanilla') f.push('--mode', 'vanilla');
  else {
    const r: NamedRecipe = RECIPES[a.recipe!];
    f.push('--mode', 'distilled', '--lambda', String(r.lambda), '--tau', String(r.tau), '--window', String(r.window));
    if (r.klMaskLastSteps) f.push('--kl-mask-last', String(r.klMaskLastSteps));
    if (r.klMaskIndistinct) f.push('--kl-mask-indistinct');
    if (r.klMaskRandom) f.push('--kl-mask-random', String(r.klMaskRandom));
    if (r.teacherTarget && r.teacherTarget !== 'teacher') f.push('--teacher-target', r.teacherTarget);
    if (a.teacher && r.teacherTarget !== 'uniform') f.push('--teacher', study ? teacherPath(study, a.teacher) : a.teacher);
  }
  if (a.routes) f.push('--routes');
  if (a.idFree) f.push('--id-free');
  if (a.routeFeatures) f.push('--route-features');
  if (a.routeMarkov) f.push('--route-markov');
  if (a.routeSpeeds) f.push('--route-speeds', a.routeSpeeds);
  if (a.routeZonePlan) f.push('--route-zone-plan');
  if (a.size) f.push('--size', a.size);
  if (a.trainFrac !== undefined) f.push('--train-frac', String(a.trainFrac));
  if (a.transferFrom) f.push('--transfer-from', seed === undefined ? a.transferFrom : withSeed(a.transferFrom, seed));
  return f;
}

/** What the study's planner reads from disk beforehand: the held-out taxis of `match` (absent: not built yet). */
export interface PlanContext {
  heldOutTaxis?: string[];
}

/**
 * Every job of the study, in an order that runs what others read first; a run shared by several
 * arms is one job. `only` keeps one arm (and what it reads).
 */
export function planStudy(study: StudyFile, only?: string, ctx: PlanContext = {}): Job[] {
  const jobs = new Map<string, Job>();
  const add = (j: Job): void => {
    if (!jobs.has(j.id)) jobs.set(j.id, j);
  };
  const m = study.match;
  // A file read from the matched dataset waits for the match (its summary is the match job's out).
  const needsOf = (dataset: string): string[] | undefined => (m && dataset === m.out ? [m.json] : undefined);
  if (m && !only) {
    const gps = (ctx.heldOutTaxis ?? []).map((t) => `${m.gpsDir}/new_${t}.txt`);
    add({
      id: `match ${m.out}`,
      kind: 'report',
      out: m.json,
      inputs: gps,
      needs: [`${m.network}/build-report.json`],
      stdout: 'out',
      args: ['data', 'match', '--network', m.network, '--gps', ...gps, '--out', m.out, '--json'],
    });
  }
  const arms = study.arms.filter((a) => !only || a.name === only);
  // A misspelt arm would otherwise plan nothing and exit as if the arm were done.
  if (only && arms.length === 0)
    throw new Error(`study has no arm named '${only}' (its arms: ${study.arms.map((a) => a.name).join(', ')})`);
  const used = new Set<string>();
  for (const a of arms) {
    if (a.teacher) used.add(teacherPath(study, a.teacher));
    for (const s of a.seeds) if (a.transferFrom) used.add(withSeed(a.transferFrom, s));
  }
  for (const t of study.teachers ?? []) {
    if (only && !used.has(t.out)) continue;
    add({
      id: `teacher ${t.out}`,
      kind: 'teacher',
      out: t.out,
      inputs: [],
      committed: t.committed,
      args: ['train', 'teacher', ...teacherFlags(study, t), '--resume'],
    });
  }
  for (const mv of study.moves ?? [])
    for (const seed of mv.seeds ?? [0]) {
      const from = withSeed(mv.from, seed);
      const out = withSeed(mv.out, seed);
      if (only && !used.has(out) && !arms.some((a) => a.seeds.some((s) => withSeed(a.out ?? '', s) === out))) continue;
      add({
        id: `move ${out}`,
        kind: 'report',
        out,
        inputs: [from],
        stdout: mv.json ? withSeed(mv.json, seed) : undefined,
        args: ['checkpoint', 'transfer', from, '--dataset', mv.dataset ?? study.dataset, '--out', '{tmp}'],
      });
    }
  if (!only)
    for (const s of study.steps ?? [])
      for (const seed of s.seeds ?? [0]) {
        const ck = withSeed(s.checkpoint, seed);
        const dataset = s.dataset ?? study.dataset;
        const args = ['eval', 'steps', '--checkpoint', ck];
        if (s.teacher) args.push('--teacher', s.teacher);
        args.push('--dataset', dataset, '--split', s.split);
        if (s.window !== undefined) args.push('--window', String(s.window));
        if (s.resamples !== undefined) args.push('--resamples', String(s.resamples));
        args.push('--json');
        if (s.swapDestination) args.push('--swap-destination');
        const out = withSeed(s.out, seed);
        add({
          id: `report ${out}`,
          kind: 'report',
          out,
          inputs: s.teacher ? [ck, s.teacher] : [ck],
          needs: needsOf(dataset),
          stdout: 'out',
          args,
        });
      }
  for (const a of arms) {
    const mode = a.mode ?? 'distilled';
    const dataset = a.dataset ?? study.dataset;
    const treated = a.seeds.map((s) => (a.out ? withSeed(a.out.replaceAll('{dir}', a.dir), s) : runName(a.dir, mode, s)));
    const partners =
      a.partner === null ? [] : a.seeds.map((s) => withSeed(a.partner ?? `${study.vanilla.dir}/vanilla-s{seed}.safetensors`, s));
    if (a.train !== false)
      a.seeds.forEach((seed, i) => {
        const p = partners[i];
        if (p !== undefined) add(trainJob(study, dataset, p, seed, a.partnerFlags ?? study.vanilla.flags ?? ['--mode', 'vanilla'], []));
        const inputs = [
          ...(a.teacher && mode === 'distilled' && (RECIPES[a.recipe!] as NamedRecipe).teacherTarget !== 'uniform'
            ? [teacherPath(study, a.teacher)]
            : []),
          ...(a.transferFrom ? [withSeed(a.transferFrom, seed)] : []),
        ];
        add(trainJob(study, dataset, treated[i], seed, armFlags(a, study, seed), inputs));
      });
    if (a.partner === null) continue;
    const inputs = [...partners, ...treated];
    const label = a.label ?? `${a.name}: ${a.train === false ? 'scored' : armFlags(a, study).join(' ')}`;
    const sc = a.scoring ?? study.scoring;
    const dir = a.reportDir ?? a.dir;
    // Both kinds of report read the same pairs: the partners and the arm's runs, by seed.
    const report = (out: string, command: string[], extra: string[]): void => {
      const args = [...command, '--dataset', dataset, '--vanilla', partners.join(','), '--distilled', treated.join(','), ...extra];
      add({ id: `report ${out}`, kind: 'report', out, inputs, needs: needsOf(dataset), args: [...args, '--label', label] });
    };
    for (const st of sc.steps) {
      const { split, name } = typeof st === 'string' ? { split: st, name: `paired-steps-${st}.json` } : st;
      report(`${dir}/${name}`, ['eval', 'paired-steps'], ['--split', split]);
    }
    for (const r of sc.reports)
      report(
        `${dir}/${r.name ?? `paired-report-${r.split}-${r.method}.json`}`,
        ['eval', 'paired-report'],
        [
          '--splits',
          r.split,
          '--test-od',
          'all',
          ...(r.trainOd !== undefined ? ['--train-od', String(r.trainOd)] : []),
          '--bootstrap',
          String(sc.bootstrap ?? 2000),
          '--method',
          r.method,
          ...(sc.routeCache ? ['--route-cache', sc.routeCache] : []),
          ...(sc.baselines && r.baselines !== false ? ['--baselines', sc.baselines] : []),
        ],
      );
  }
  const order = { teacher: 0, train: 1, report: 2 } as const;
  return [...jobs.values()].sort((x, y) => order[x.kind] - order[y.kind]);
}
