import { describe, it, expect, beforeEach } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planStates, runPlan, type Spawner } from '../../src/cli/study/study';
import { checkStudy, planStudy, teacherFlags, type StudyFile } from '../../src/cli/study/studyPlan';
import { TEACHER_BUDGETS, TEACHER_SIZES } from '../../src/lib/train/teacherHyper';

// The studies as data: every file in studies/ plans, names its recipes, teachers and sizes by name,
// and the new kinds of job (teachers, committed copies, moved checkpoints, single-checkpoint scores)
// run in order with a fake CLI.
const load = (f: string): StudyFile => checkStudy(JSON.parse(readFileSync(`studies/${f}`, 'utf8')) as StudyFile);
const files = readdirSync('studies').filter((f) => f !== 'results.json' && f.endsWith('.json'));

describe('study files', () => {
  it('every study file checks and plans, each job once', () => {
    expect(files.sort()).toEqual([
      'porto-confirm-final.json',
      'porto-confirm-route-features.json',
      'porto-controls.json',
      'porto-distill.json',
      'porto-final-recipe.json',
      'porto-lever-fitted.json',
      'porto-lever-markov.json',
      'porto-lever-zone-plan.json',
      'porto-route-features-kl.json',
      'porto-route-features.json',
      'porto-routes-kl.json',
      'porto-schedule-24-five.json',
      'porto-schedule-24.json',
      'porto-schedule.json',
      'porto-student-size.json',
      'sf-deconfounded.json',
      'sf-final-recipe.json',
      'sf-heldout.json',
      'sf-route-features.json',
      'sf.json',
    ]);
    // The route-features screen trains with the feature and pairs with the routes control.
    const rf = planStudy(load('porto-route-features.json')).find((j) => j.id === 'train runs/route-features/vanilla-s1.safetensors')!;
    expect(rf.args).toEqual(expect.arrayContaining(['--mode', 'vanilla', '--routes', '--route-features']));
    // The KL on top of the features: distilled by the rde2 teacher with the features, paired with the route-features runs (5 seeds).
    const fk = planStudy(load('porto-route-features-kl.json'));
    const kl = fk.find((j) => j.id === 'train runs/features-kl/distilled-s1.safetensors')!;
    expect(kl.args).toEqual(
      expect.arrayContaining(['--mode', 'distilled', '--routes', '--route-features', '--teacher', 'runs/teacher-rde2/teacher.safetensors']),
    );
    const report = fk.find((j) => j.id === 'report runs/features-kl/paired-steps-val.json')!;
    expect(report.args).toEqual(
      expect.arrayContaining([
        '--vanilla',
        [1, 2, 3, 4, 5].map((s) => `runs/route-features/vanilla-s${s}.safetensors`).join(','),
        '--distilled',
        [1, 2, 3, 4, 5].map((s) => `runs/features-kl/distilled-s${s}.safetensors`).join(','),
      ]),
    );
    // The size screen trains HOSER's configuration, paired with the half-width route-features runs.
    const size = planStudy(load('porto-student-size.json')).find((j) => j.id === 'train runs/size-default/vanilla-s1.safetensors')!;
    expect(size.args).toEqual(expect.arrayContaining(['--route-features', '--size', 'default']));
    // The registered confirmation: the recipe and the routes control on the registration's seeds 16–25.
    const conf = planStudy(load('porto-confirm-route-features.json'));
    const seeds = Array.from({ length: 10 }, (_, i) => 16 + i);
    const trained = conf.filter((j) => j.kind === 'train').map((j) => j.out);
    expect(trained).toEqual(
      seeds.flatMap((s) => [`runs/control-routes/vanilla-s${s}.safetensors`, `runs/confirm-rf/vanilla-s${s}.safetensors`]),
    );
    expect(conf.find((j) => j.out === 'runs/confirm-rf/vanilla-s16.safetensors')!.args).toEqual(
      expect.arrayContaining(['--mode', 'vanilla', '--routes', '--route-features', '--seed', '16']),
    );
    expect(readFileSync('docs/experiments/registration-route-features.md', 'utf8')).toContain(`**Seeds:** ${seeds.join(', ')}.`);
    // The long-trip screens (issue 65): each lever's flags on top of the route features, paired with
    // the schedule study's route features of the same seed, under the same 24-epoch schedule.
    const levers: Array<[string, string, string[]]> = [
      ['porto-lever-markov.json', 'lever-markov', ['--route-markov']],
      ['porto-lever-fitted.json', 'lever-fitted', ['--route-speeds', 'fitted']],
      ['porto-lever-zone-plan.json', 'lever-zone-plan', ['--route-zone-plan']],
    ];
    for (const [file, dir, flags] of levers) {
      const plan = planStudy(load(file));
      const arm = plan.find((j) => j.out === `runs/${dir}/vanilla-s2.safetensors`)!;
      expect(arm.args).toEqual(
        expect.arrayContaining(['--epochs', '24', '--patience', '0', '--routes', '--route-features', ...flags, '--seed', '2']),
      );
      const partner = plan.find((j) => j.out === 'runs/schedule24/route-features/vanilla-s2.safetensors')!;
      expect(partner.args).toEqual(expect.arrayContaining(['--epochs', '24', '--route-features']));
      for (const f of ['--route-markov', '--route-speeds', '--route-zone-plan']) expect(partner.args).not.toContain(f);
    }
    // Issue 65's final recipe (lever a on the route features): its seeds 4-5 against the route
    // features, then the KL and uniform twins paired with the recipe, all at 24 epochs.
    const fin = planStudy(load('porto-final-recipe.json'));
    const schedule = ['--epochs', '24', '--patience', '0'];
    expect(fin.find((j) => j.out === 'runs/lever-markov/vanilla-s4.safetensors')!.args).toEqual(
      expect.arrayContaining([...schedule, '--routes', '--route-features', '--route-markov', '--seed', '4']),
    );
    expect(fin.find((j) => j.out === 'runs/final-kl/distilled-s1.safetensors')!.args).toEqual(
      expect.arrayContaining([...schedule, '--mode', 'distilled', '--teacher', 'runs/teacher-rde2/teacher.safetensors', '--route-markov']),
    );
    expect(fin.find((j) => j.out === 'runs/final-uniform/distilled-s1.safetensors')!.args).toEqual(
      expect.arrayContaining(['--teacher-target', 'uniform', '--route-markov']),
    );
    const twins = fin.find((j) => j.id === 'report runs/final-kl/paired-report-val-bestFirst.json')!;
    expect(twins.args[twins.args.indexOf('--vanilla') + 1]).toBe(
      [1, 2, 3, 4, 5].map((s) => `runs/lever-markov/vanilla-s${s}.safetensors`).join(','),
    );
    // The recipe's five-seed report does not overwrite the lever screen's three-seed one.
    expect(fin.some((j) => j.out === 'runs/final-recipe/paired-report-val-bestFirst.json')).toBe(true);
    expect(fin.some((j) => j.out === 'runs/lever-markov/paired-report-val-bestFirst.json')).toBe(false);
    // Registration 3: the recipe alone on seeds 26-35 (its endpoints are against a baseline: no partners).
    const reg3 = planStudy(load('porto-confirm-final.json'));
    const seeds3 = Array.from({ length: 10 }, (_, i) => 26 + i);
    expect(reg3.map((j) => j.out)).toEqual(seeds3.map((s) => `runs/confirm-final/vanilla-s${s}.safetensors`));
    expect(reg3[0].args).toEqual(expect.arrayContaining([...schedule, '--routes', '--route-features', '--route-markov', '--seed', '26']));
    expect(readFileSync('docs/experiments/registration-3.md', 'utf8')).toContain(`**Seeds:** ${seeds3.join(', ')}.`);
    // San Francisco under the schedule: the recipe on SF's own data (no route corpus there).
    const sfFin = planStudy(load('sf-final-recipe.json')).find((j) => j.out === 'runs/sf/final-recipe/vanilla-s1.safetensors')!;
    expect(sfFin.args).toEqual(expect.arrayContaining(['--dataset', 'public/data/sf', ...schedule, '--route-features', '--route-markov']));
    expect(sfFin.args).not.toContain('--routes');
    for (const f of files) {
      const plan = planStudy(load(f), undefined, { heldOutTaxis: ['abc'] });
      expect(plan.length).toBeGreaterThan(0);
      expect(new Set(plan.map((j) => j.id)).size).toBe(plan.length);
    }
  });

  it('a teacher is trained with its named size and budget, and Porto names its committed copy', () => {
    const pc = load('porto-controls.json');
    const t = pc.teachers![0];
    const f = teacherFlags(pc, t);
    const s = TEACHER_SIZES.study;
    const b = TEACHER_BUDGETS.study;
    expect(f.join(' ')).toBe(
      `--dataset public/data/porto --out runs/teacher-rde2/teacher.safetensors --routes --anchor end --destination --layers ${s.layers} --heads ${s.heads} --embd ${s.embd} --epochs ${b.epochs} --patience ${b.patience} --batch ${b.batch}`,
    );
    // The study's teacher is the committed Porto teacher, byte for byte.
    const sha = createHash('sha256').update(readFileSync(t.committed!.path)).digest('hex');
    expect(sha).toBe(t.committed!.sha256);
    // Arms name the teacher; their trainings read its path and wait for it.
    const d = planStudy(pc, 'arm-d').find((j) => j.id === 'train runs/arm-d/distilled-s1.safetensors')!;
    expect(d.args.slice(d.args.indexOf('--teacher'), d.args.indexOf('--teacher') + 2)).toEqual(['--teacher', t.out]);
    expect(d.inputs).toEqual([t.out]);
    const sf = load('sf-deconfounded.json');
    expect(createHash('sha256').update(readFileSync(sf.teachers![0].committed!.path)).digest('hex')).toBe(
      sf.teachers![0].committed!.sha256,
    );
  });

  it("SF's study holds the teacher, the moves, transfer, zero-shot and the cross-city arm, each as the bash study made it", () => {
    const plan = planStudy(load('sf.json'));
    const byId = new Map(plan.map((j) => [j.id, j]));
    const t = byId.get('train runs/sf/transfer-0.05/transfer-s3.safetensors')!;
    expect(t.args).toEqual(expect.arrayContaining(['--transfer-from', 'runs/vanilla/vanilla-s3.safetensors', '--train-frac', '0.05']));
    expect(t.inputs).toEqual(['runs/vanilla/vanilla-s3.safetensors']);
    expect(byId.get('train runs/sf/transfer-0.05/scratch-s3.safetensors')!.args).toEqual(expect.arrayContaining(['--train-frac', '0.05']));
    const rep = byId.get('report runs/sf/transfer-1/paired-report.json')!;
    expect(rep.inputs.slice(0, 1)).toEqual(['runs/sf/vanilla/vanilla-s1.safetensors']);
    expect(rep.args).toEqual(expect.arrayContaining(['--train-od', '100', '--route-cache', 'runs/sf/vanilla/.routes']));
    const mv = byId.get('move runs/sf/zero-shot/sf-s2.safetensors')!;
    expect(mv.args).toEqual([
      'checkpoint',
      'transfer',
      'runs/sf/zero-shot/porto-idfree-s2.safetensors',
      '--dataset',
      'public/data/sf',
      '--out',
      '{tmp}',
    ]);
    expect(byId.get('train runs/sf/zero-shot/porto-idfree-s2.safetensors')!.args).toEqual(
      expect.arrayContaining(['--dataset', 'public/data/porto', '--id-free']),
    );
    expect(byId.has('train runs/sf/zero-shot/sf-s2.safetensors')).toBe(false);
    expect(byId.get('train runs/sf/arm-cross/distilled-s1.safetensors')!.inputs).toEqual([
      'runs/sf/teacher-moves/teacher-from-porto.safetensors',
    ]);
    expect(byId.get('report runs/sf/zero-shot/steps-test-s4.json')!.args).toEqual([
      'eval',
      'steps',
      '--checkpoint',
      'runs/sf/zero-shot/sf-s4.safetensors',
      '--dataset',
      'public/data/sf',
      '--split',
      'test',
      '--resamples',
      '200',
      '--json',
    ]);
    expect(byId.get('teacher runs/teacher-moves/teacher.safetensors')!.args).toEqual(
      expect.arrayContaining(['--moves', '4', '--dest-relative']),
    );
  });

  it('the held-out study matches the taxis of the build report, then scores on them', () => {
    const plan = planStudy(load('sf-heldout.json'), undefined, { heldOutTaxis: ['a', 'b'] });
    const m = plan.find((j) => j.id.startsWith('match'))!;
    expect(m.args).toEqual(expect.arrayContaining(['--gps', '../shared/data/sf/gps/ynskoroglu_pmi_interview/new_a.txt']));
    expect(plan.filter((j) => j.kind === 'train')).toEqual([]);
    expect(plan.find((j) => j.out.endsWith('arm-d-paired-steps.json'))!.needs).toEqual([m.out]);
  });
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'study-jobs-'));
});

function fake(calls: string[][]): Spawner {
  return async (args, log) => {
    calls.push(args);
    await new Promise((r) => setTimeout(r, 2));
    if (args[0] === 'train' && args[1] === 'teacher') {
      const out = args[args.indexOf('--out') + 1];
      writeFileSync(out, 'teacher');
      writeFileSync(out.replace(/\.safetensors$/, '.log.json'), '{}');
      return 0;
    }
    const i = args.indexOf('--out');
    if (i >= 0) {
      writeFileSync(args[i + 1], `made by ${args.join(' ')}`);
      if (args[0] === 'train') writeFileSync(args[i + 1].replace(/\.safetensors$/, '.log.json'), '{}');
    }
    if (log && args[0] !== 'train') writeFileSync(log, `stdout of ${args[1]}`);
    return 0;
  };
}

describe('study jobs', () => {
  const study = (committed?: { path: string; sha256: string }): StudyFile =>
    checkStudy({
      dataset: 'ds',
      budget: { epochs: 1, patience: 0, maxLen: 512, batch: 16, micro: 16 },
      vanilla: { dir: `${dir}/van` },
      teachers: [{ name: 't', out: `${dir}/t/teacher.safetensors`, size: 'study', budget: 'study', committed }],
      moves: [{ from: `${dir}/t/teacher.safetensors`, out: `${dir}/moved/t.safetensors`, json: `${dir}/moved/transfer.json` }],
      steps: [{ out: `${dir}/moved/steps-val.json`, checkpoint: `${dir}/moved/t.safetensors`, split: 'val' }],
      arms: [{ name: 'x', dir: `${dir}/x`, recipe: 'thesis', teacher: `${dir}/moved/t.safetensors`, seeds: [1] }],
      scoring: { steps: ['test'], reports: [] },
    });

  it('trains the teacher, moves it, scores it, then distils from it: each after what it reads', async () => {
    mkdirSync(`${dir}/t`);
    const plan = planStudy(study());
    const before = await planStates(plan);
    expect(before.find((s) => s.job.id === `train ${dir}/x/distilled-s1.safetensors`)!.state).toBe('waiting');
    const calls: string[][] = [];
    expect(await runPlan(plan, 2, fake(calls), () => {})).toEqual([]);
    const order = calls.map((c) => `${c[0]} ${c[1]}`);
    expect(order.indexOf('train teacher')).toBeLessThan(order.indexOf('checkpoint transfer'));
    expect(order.indexOf('checkpoint transfer')).toBeLessThan(order.indexOf('eval steps'));
    expect(order.indexOf('checkpoint transfer')).toBeLessThan(calls.findIndex((c) => c.includes('distilled')));
    expect(readFileSync(`${dir}/moved/steps-val.json`, 'utf8')).toBe('stdout of steps');
    expect(readFileSync(`${dir}/moved/transfer.json`, 'utf8')).toBe('stdout of transfer');
    expect(existsSync(`${dir}/moved/t.safetensors.inputs`)).toBe(true);
    expect((await planStates(plan)).every((s) => s.state === 'done')).toBe(true);
  });

  it('copies a committed teacher whose bytes match instead of training it', async () => {
    mkdirSync(`${dir}/c`);
    writeFileSync(`${dir}/c/teacher.safetensors`, 'the committed bytes');
    writeFileSync(`${dir}/c/teacher.log.json`, '{"epochs":[]}');
    const sha256 = createHash('sha256').update('the committed bytes').digest('hex');
    const plan = planStudy(study({ path: `${dir}/c/teacher.safetensors`, sha256 }));
    expect((await planStates(plan))[0].why).toMatch(/^copies /);
    const calls: string[][] = [];
    expect(await runPlan(plan, 1, fake(calls), () => {})).toEqual([]);
    expect(calls.some((c) => c[1] === 'teacher')).toBe(false);
    expect(readFileSync(`${dir}/t/teacher.safetensors`, 'utf8')).toBe('the committed bytes');
    expect(readFileSync(`${dir}/t/teacher.log.json`, 'utf8')).toBe('{"epochs":[]}');
    // Other bytes than the study names: trained instead.
    const other = mkdtempSync(join(tmpdir(), 'study-jobs-'));
    dir = other;
    const calls2: string[][] = [];
    await runPlan(planStudy(study({ path: `${dir}/none.safetensors`, sha256 })), 1, fake(calls2), () => {});
    expect(calls2.some((c) => c[1] === 'teacher')).toBe(true);
  });
});
