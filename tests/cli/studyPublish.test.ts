import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planPublish, publish } from '../../src/cli/study/studyPublish';
import { checkStudy, type StudyFile } from '../../src/cli/study/studyPlan';
import type { Runner } from '../../src/cli/common/runCommand';

// study publish gathers a study's finished comparisons (its publish block) into
// docs/experiments/runs and public/reports/paired, then writes the summaries that have a regime.
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(f: string): void {
  mkdirSync(join(dir, dirname(f)), { recursive: true });
  writeFileSync(join(dir, f), f);
}

const STUDY: StudyFile = checkStudy({
  dataset: 'public/data/sf',
  vanilla: { dir: 'runs/sf/vanilla' },
  arms: [
    { name: 'arm-d', dir: 'runs/sf/arm-d', train: false, seeds: [1] },
    { name: 'transfer', dir: 'runs/sf/transfer', train: false, seeds: [1] },
  ],
  scoring: { steps: ['test'], reports: [] },
  publish: {
    finished: ['paired-steps-test.json', 'paired-report.json'],
    arms: [
      { arm: 'arm-d', name: 'sf-arm-d' },
      { arm: 'transfer', name: 'sf-transfer' },
    ],
    copy: [
      { from: 'runs/sf/vanilla/*.log.json', to: 'docs/experiments/runs/sf-vanilla' },
      { from: 'runs/teacher-moves/teacher.log.json', to: 'docs/experiments/runs/teacher-moves' },
    ],
    summaries: [
      {
        out: 'public/reports/distillation.json',
        untagged: 'porto',
        regimes: [
          { label: 'Arm d', dir: 'public/reports/paired/arm-d' },
          { label: 'Arm d in SF', arm: 'sf-arm-d' },
        ],
      },
      {
        out: 'public/reports/sf-transfer.json',
        regimes: [{ label: 'Transfer', arm: 'sf-transfer', base: 'scratch', treated: 'transfer' }],
      },
    ],
  },
});

const recorder =
  (calls: string[]): Runner =>
  (argv) => {
    calls.push(argv.join(' '));
    return Promise.resolve(0);
  };

describe('study publish', () => {
  it("copies a finished arm's outputs and the shared logs, and summarises only what has finished", async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-publish-'));
    for (const f of [
      'runs/sf/arm-d/paired-steps-test.json',
      'runs/sf/arm-d/paired-report.json',
      'runs/sf/arm-d/paired-report.json.inputs',
      'runs/sf/arm-d/.tmp-paired-report-val.json',
      'runs/sf/arm-d/distilled-s1.log.json',
      'runs/sf/arm-d/distilled-s1.train.log',
      'runs/sf/arm-d/steps-test-s1.json',
      'runs/sf/transfer/paired-steps-test.json',
      'runs/sf/vanilla/vanilla-s1.log.json',
      'runs/sf/vanilla/vanilla-s1.safetensors',
    ])
      write(f);
    const calls: string[] = [];
    const said: string[] = [];
    expect(await publish(dir, STUDY, recorder(calls), (s) => said.push(s))).toBe(0);
    expect(said[0]).toBe('study publish: transfer: runs/sf/transfer has no paired-report.json; left out');
    const runs = 'docs/experiments/runs/sf-arm-d';
    for (const f of ['paired-steps-test.json', 'paired-report.json', 'distilled-s1.log.json', 'steps-test-s1.json'])
      expect(readFileSync(join(dir, runs, f), 'utf8')).toBe(`runs/sf/arm-d/${f}`);
    for (const f of ['paired-report.json.inputs', '.tmp-paired-report-val.json', 'distilled-s1.train.log'])
      expect(existsSync(join(dir, runs, f)), f).toBe(false);
    expect(existsSync(join(dir, 'public/reports/paired/sf-arm-d/paired-report.json'))).toBe(true);
    expect(existsSync(join(dir, 'public/reports/paired/sf-arm-d/distilled-s1.log.json'))).toBe(false);
    expect(existsSync(join(dir, 'docs/experiments/runs/sf-transfer'))).toBe(false);
    expect(existsSync(join(dir, 'docs/experiments/runs/sf-vanilla/vanilla-s1.log.json'))).toBe(true);
    expect(existsSync(join(dir, 'docs/experiments/runs/sf-vanilla/vanilla-s1.safetensors'))).toBe(false);
    expect(existsSync(join(dir, 'docs/experiments/runs/teacher-moves'))).toBe(false);
    expect(calls).toEqual([
      'npm run --silent cli -- eval distillation-summary --regimes Arm d=public/reports/paired/arm-d;Arm d in SF=public/reports/paired/sf-arm-d --untagged porto --out public/reports/distillation.json',
      'npx tsx scripts/figures.ts',
      'npx tsx scripts/summary-table.ts public/reports/distillation.json',
    ]);
    // Once the transfer arm finishes, its summary is written too.
    write('runs/sf/transfer/paired-report.json');
    const plan = await planPublish(dir, STUDY);
    expect(plan.commands.map((c) => c.argv.join(' '))).toContain(
      'npm run --silent cli -- eval distillation-summary --regimes Transfer=public/reports/paired/sf-transfer|scratch|transfer --out public/reports/sf-transfer.json',
    );
  });

  it('a publish block is checked: its arms are arms of the study, its regimes name a dir or a published arm', () => {
    const bad =
      (publish: unknown): (() => StudyFile) =>
      () =>
        checkStudy({ ...STUDY, publish } as StudyFile);
    expect(bad({ ...STUDY.publish, arms: [{ arm: 'arm-x', name: 'x' }] })).toThrow(/arm-x is not an arm of the study/);
    expect(bad({ ...STUDY.publish, summaries: [{ out: 'o', regimes: [{ label: 'l', arm: 'sf-nope' }] }] })).toThrow(/not a published arm/);
    expect(bad({ ...STUDY.publish, summaries: [{ out: 'o', regimes: [{ label: 'a;b', dir: 'd' }] }] })).toThrow(/no ; or \|/);
  });

  it("the SF study's publish block: six comparisons, Porto's regimes with SF's arms beside arm d, and the transfer summary", async () => {
    const sf = checkStudy(JSON.parse(readFileSync('studies/sf.json', 'utf8')) as StudyFile);
    dir = mkdtempSync(join(tmpdir(), 'study-publish-'));
    for (const a of sf.arms) for (const f of sf.publish!.finished) write(`${a.dir}/${f}`);
    const plan = await planPublish(dir, sf);
    expect(plan.finished).toEqual(['sf-arm-d', 'sf-arm-cross', 'sf-transfer-5', 'sf-transfer-25', 'sf-transfer-100', 'sf-zero-shot']);
    const regimes = plan.commands
      .filter((c) => c.argv.includes('distillation-summary'))
      .map((c) => c.argv[c.argv.indexOf('--regimes') + 1].split(';'));
    expect(regimes.map((r) => r.length)).toEqual([11, 4]);
    expect(regimes[0][5]).toBe("Arm d's recipe in San Francisco, with SF's own teacher=public/reports/paired/sf-arm-d");
    expect(regimes[1][3]).toMatch(/=public\/reports\/paired\/sf-zero-shot\|SF-trained\|zero-shot$/);
    for (const [from, to] of plan.copies) {
      expect(from).toMatch(/^runs\//);
      expect(to).toMatch(/^(docs\/experiments\/runs|public\/reports\/paired)\//);
    }
  });
});
