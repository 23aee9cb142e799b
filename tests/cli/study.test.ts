import { describe, it, expect, beforeEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputsRecord, jobState, planJobState, runPlan, type Spawner } from '../../src/cli/study/study';
import { armFlags, checkStudy, planStudy, type StudyFile } from '../../src/cli/study/studyPlan';

// The study runner with a fake CLI: a training writes its checkpoint and log under the temporary
// names, a report writes its --out file.
let dir: string;
const study = (): StudyFile =>
  checkStudy({
    dataset: 'public/data/porto',
    budget: { epochs: 40, patience: 3, maxLen: 512, batch: 16, micro: 16 },
    vanilla: { dir: `${dir}/vanilla` },
    arms: [
      { name: 'u', dir: `${dir}/u`, recipe: 'uniform', seeds: [1, 2] },
      { name: 'd', dir: `${dir}/d`, recipe: 'tunedVal', teacher: `${dir}/t.safetensors`, seeds: [1, 2] },
    ],
    scoring: { steps: ['test'], reports: [{ split: 'test', method: 'bestFirst' }] },
  });

function fake(calls: string[][], opts: { failOn?: string; concurrent?: { now: number; max: number } } = {}): Spawner {
  return async (args) => {
    calls.push(args);
    const c = opts.concurrent;
    if (c) c.max = Math.max(c.max, ++c.now);
    await new Promise((r) => setTimeout(r, 5));
    if (c) c.now--;
    const out = args[args.indexOf('--out') + 1];
    if (opts.failOn && out.includes(opts.failOn)) return 1;
    writeFileSync(out, `made by ${args[0]}`);
    if (args[0] === 'train') writeFileSync(out.replace(/\.safetensors$/, '.log.json'), '{}');
    return 0;
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'study-'));
  for (const d of ['vanilla', 'u', 'd']) mkdirSync(`${dir}/${d}`);
  writeFileSync(`${dir}/t.safetensors`, 'a teacher');
});

describe('study runner', () => {
  it('plans each run once (vanilla partners shared by both arms), with the recipe by name', () => {
    const plan = planStudy(study());
    expect(plan.filter((j) => j.kind === 'train').map((j) => j.out.slice(dir.length + 1))).toEqual([
      'vanilla/vanilla-s1.safetensors',
      'u/distilled-s1.safetensors',
      'vanilla/vanilla-s2.safetensors',
      'u/distilled-s2.safetensors',
      'd/distilled-s1.safetensors',
      'd/distilled-s2.safetensors',
    ]);
    expect(armFlags(study().arms[0])).toEqual([
      '--mode',
      'distilled',
      '--lambda',
      '0.10385718648105681',
      '--tau',
      '3.3508482790284706',
      '--window',
      '8',
      '--kl-mask-last',
      '10',
      '--teacher-target',
      'uniform',
    ]);
    expect(armFlags(study().arms[1])).toContain('--teacher');
    expect(() => checkStudy({ ...study(), arms: [{ name: 'x', dir: 'x', recipe: 'tunedVal', seeds: [1] }] })).toThrow(/needs a teacher/);
  });

  it('--only with an arm the study lacks is an error that names its arms, not an empty plan', () => {
    const names = study().arms.map((a) => a.name);
    expect(planStudy(study(), names[0]).length).toBeGreaterThan(0);
    expect(() => planStudy(study(), 'no-such-arm')).toThrow(new RegExp(`no arm named 'no-such-arm'.*${names[0]}`));
  });

  it('trains what is missing, moves runs in place, then reports; a second run does nothing', async () => {
    const calls: string[][] = [];
    const conc = { now: 0, max: 0 };
    const failed = await runPlan(planStudy(study()), 2, fake(calls, { concurrent: conc }), () => {});
    expect(failed).toEqual([]);
    expect(conc.max).toBe(2);
    expect(calls.filter((c) => c[0] === 'train')).toHaveLength(6);
    expect(calls.filter((c) => c[0] === 'eval')).toHaveLength(4);
    expect(existsSync(`${dir}/u/distilled-s1.safetensors`) && existsSync(`${dir}/u/distilled-s1.log.json`)).toBe(true);
    const again: string[][] = [];
    await runPlan(planStudy(study()), 2, fake(again), () => {});
    expect(again).toEqual([]);
  });

  it("makes a new arm's folder itself rather than counting its trainings as another process's", async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'study-fresh-'));
    const plan = planStudy(
      checkStudy({
        ...study(),
        vanilla: { dir: `${fresh}/vanilla` },
        arms: [{ name: 'u', dir: `${fresh}/u`, recipe: 'uniform', seeds: [1] }],
      }),
    );
    const calls: string[][] = [];
    const failed = await runPlan(plan, 2, fake(calls), () => {});
    expect(failed).toEqual([]);
    expect(calls.filter((c) => c[0] === 'train')).toHaveLength(2);
    expect(existsSync(`${fresh}/u/distilled-s1.safetensors`) && existsSync(`${fresh}/u/paired-steps-test.json`)).toBe(true);
  });

  it('remakes a report whose checkpoints changed, and honours a record written by sha256sum', async () => {
    await runPlan(planStudy(study()), 2, fake([]), () => {});
    const rep = planStudy(study()).find((j) => j.out.endsWith('u/paired-steps-test.json'))!;
    // The bash studies' record: `sha256sum -- inputs | cut -d' ' -f1`, one digest a line.
    const bash = execFileSync('bash', ['-c', `sha256sum -- ${rep.inputs.join(' ')} | cut -d' ' -f1`], { encoding: 'utf8' });
    expect(bash).toBe(await inputsRecord(rep.inputs));
    expect((await jobState(rep)).state).toBe('done');
    writeFileSync(`${dir}/u/distilled-s2.safetensors`, 'retrained');
    expect(await jobState(rep)).toEqual({ state: 'todo', why: 'its inputs changed' });
    const calls: string[][] = [];
    await runPlan(planStudy(study()), 1, fake(calls), () => {});
    expect(calls.map((c) => c[1])).toEqual(['paired-steps', 'paired-report']);
    expect(readFileSync(`${rep.out}.inputs`, 'utf8')).toBe(await inputsRecord(rep.inputs));
    // Packed for the commit (eval pack-reports): the .gz stands for the report.
    renameSync(rep.out, `${rep.out}.gz`);
    expect(await jobState(rep)).toEqual({ state: 'done', why: 'made from these inputs' });
    rmSync(`${rep.out}.gz`);
    expect(await jobState(rep)).toEqual({ state: 'todo', why: 'not made yet' });
  });

  it('on a fresh clone (logs and reports, no weights) trains nothing, unless a report is missing', async () => {
    await runPlan(planStudy(study()), 2, fake([]), () => {});
    for (const d of ['vanilla', 'u', 'd'])
      for (const f of readdirSync(`${dir}/${d}`)) if (f.endsWith('.safetensors')) rmSync(`${dir}/${d}/${f}`);
    const plan = planStudy(study());
    const run = plan.find((j) => j.out.endsWith('u/distilled-s1.safetensors'))!;
    expect(await planJobState(run, plan)).toEqual({
      state: 'done',
      why: 'trained (its log is kept) and every report that reads it is made',
    });
    const none: string[][] = [];
    expect(await runPlan(plan, 2, fake(none), () => {})).toEqual([]);
    expect(none).toEqual([]);
    // A report made from fewer runs (three seeds where the study now has five) does not stand for it.
    const rep = plan.find((j) => j.out.endsWith('u/paired-steps-test.json'))!;
    writeFileSync(`${rep.out}.inputs`, 'a\nb\n');
    expect((await jobState(rep)).state).toBe('waiting');
    expect((await planJobState(run, plan)).state).toBe('todo');
    const calls: string[][] = [];
    expect(await runPlan(plan, 2, fake(calls), () => {})).toEqual([]);
    // The u arm's runs and their vanilla partners are trained again; the d arm's stay as they are.
    expect(
      calls
        .filter((c) => c[0] === 'train')
        .map((c) => c[c.indexOf('--out') + 1].slice(dir.length + 1))
        .sort(),
    ).toEqual([
      'u/.tmp-distilled-s1.safetensors',
      'u/.tmp-distilled-s2.safetensors',
      'vanilla/.tmp-vanilla-s1.safetensors',
      'vanilla/.tmp-vanilla-s2.safetensors',
    ]);
    expect(readFileSync(`${rep.out}.inputs`, 'utf8')).toBe(await inputsRecord(rep.inputs));
  });

  it('a report another live process is making is left to it (its lock), and no lock stays behind', async () => {
    await runPlan(planStudy(study()), 2, fake([]), () => {});
    expect(readdirSync(`${dir}/u`).filter((f) => f.startsWith('.lock-'))).toEqual([]);
    const rep = planStudy(study()).find((j) => j.out.endsWith('u/paired-steps-test.json'))!;
    writeFileSync(`${dir}/u/distilled-s2.safetensors`, 'retrained');
    writeFileSync(`${dir}/u/.lock-paired-steps-test.json`, String(process.pid)); // held by a live process
    expect(await jobState(rep)).toEqual({ state: 'busy', why: 'another process makes it' });
    writeFileSync(`${dir}/u/.lock-paired-steps-test.json`, '999999999'); // a dead process's lock counts for nothing
    expect(await jobState(rep)).toEqual({ state: 'todo', why: 'its inputs changed' });
  });

  it('a failed training fails the reports that read it, and says so', async () => {
    const log: string[] = [];
    const failed = await runPlan(planStudy(study()), 2, fake([], { failOn: 'd/.tmp-distilled-s2' }), (s) => log.push(s));
    expect(failed.sort()).toEqual(
      [
        `train ${dir}/d/distilled-s2.safetensors`,
        `report ${dir}/d/paired-steps-test.json`,
        `report ${dir}/d/paired-report-test-bestFirst.json`,
      ].sort(),
    );
    expect(log.some((l) => l.includes('failed') && l.includes('distilled-s2.train.log'))).toBe(true);
    expect(existsSync(`${dir}/u/paired-steps-test.json`)).toBe(true);
  });

  it('a run whose input nothing makes is reported, not left silently', async () => {
    writeFileSync(`${dir}/t.safetensors`, '');
    const { rmSync } = await import('node:fs');
    rmSync(`${dir}/t.safetensors`);
    const log: string[] = [];
    const failed = await runPlan(planStudy(study()), 2, fake([]), (s) => log.push(s));
    expect(failed).toContain(`train ${dir}/d/distilled-s1.safetensors`);
    expect(log.some((l) => l.startsWith('[not run]') && l.includes('t.safetensors'))).toBe(true);
  });

  it('a teacher whose log is committed but whose checkpoint is not here is copied, not taken as done', async () => {
    const out = `${dir}/teacher/t.safetensors`;
    mkdirSync(`${dir}/teacher`);
    writeFileSync(`${dir}/public-teacher.safetensors`, 'the committed teacher');
    const job = {
      id: 'teacher',
      kind: 'teacher' as const,
      out,
      inputs: [],
      args: [],
      committed: { path: `${dir}/public-teacher.safetensors`, sha256: '0' },
    };
    writeFileSync(out.replace(/\.safetensors$/, '.log.json'), '{}');
    expect(await jobState(job)).toMatchObject({ state: 'todo', why: expect.stringMatching(/^copies /) });
    writeFileSync(out, 'trained here');
    expect((await jobState(job)).state).toBe('done');
  });
});
