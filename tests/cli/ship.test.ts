import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planShip, ship, type ShipInputs } from '../../src/cli/study/ship';
import type { Runner } from '../../src/cli/common/runCommand';
import { encodeSafetensors } from '../../src/lib/checkpoint/safetensors';

// ship copies a teacher and a seed pair into public/checkpoints/<city>/ and runs calibrate-time and
// the teacher-forced scores on the copies; it checks every input before it writes a file.
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(f: string, bytes: Uint8Array | string): void {
  mkdirSync(join(dir, dirname(f)), { recursive: true });
  writeFileSync(join(dir, f), bytes);
}

function ckpt(f: string, kind: string, mode?: string, fingerprint = 'fp'): void {
  const metadata: Record<string, string> = { kind, fingerprint };
  if (mode) metadata.hyper = JSON.stringify({ mode });
  write(f, encodeSafetensors({ metadata, tensors: new Map([['w', { shape: [1], data: new Float32Array([1]) }]]) }));
  write(f.replace(/\.safetensors$/, '.log.json'), `{"kind":"${kind}"}`);
}

const INPUTS: ShipInputs = {
  city: 'sf',
  teacher: 'runs/sf/teacher/teacher.safetensors',
  vanilla: 'runs/sf/vanilla/vanilla-s1.safetensors',
  distilled: 'runs/sf/arm-d/distilled-s1.safetensors',
};

function setup(): void {
  dir = mkdtempSync(join(tmpdir(), 'ship-'));
  write('public/data/sf/train.csv', 'x');
  write('public/data/porto/train.csv', 'x');
  ckpt(INPUTS.teacher, 'teacher');
  ckpt(INPUTS.vanilla, 'student', 'vanilla');
  ckpt(INPUTS.distilled, 'student', 'distilled');
}

const recorder =
  (calls: Array<[string, string | undefined]>, fail?: string): Runner =>
  (argv, stdout) => {
    calls.push([argv.join(' '), stdout]);
    if (stdout) writeFileSync(stdout, '{"steps":1}');
    return Promise.resolve(fail && argv.join(' ').includes(fail) ? 1 : 0);
  };

describe('ship', () => {
  it('copies the three checkpoints with their logs, then calibrates the students and scores each copy', async () => {
    setup();
    const calls: Array<[string, string | undefined]> = [];
    expect(await ship(dir, INPUTS, recorder(calls), () => {})).toBe(0);
    for (const m of ['teacher', 'vanilla', 'distilled']) {
      expect(readFileSync(join(dir, `public/checkpoints/sf/${m}.safetensors`))).toEqual(readFileSync(join(dir, INPUTS[m as 'teacher'])));
      expect(existsSync(join(dir, `public/checkpoints/sf/${m}.log.json`))).toBe(true);
      expect(readFileSync(join(dir, `docs/experiments/sf/shipped/${m}-test-steps.json`), 'utf8')).toBe('{"steps":1}');
    }
    const cli = 'npm run --silent cli --';
    const steps = '--dataset public/data/sf --split test --json';
    expect(calls.map(([c]) => c)).toEqual([
      `${cli} calibrate-time --checkpoint public/checkpoints/sf/vanilla.safetensors --dataset public/data/sf`,
      `${cli} calibrate-time --checkpoint public/checkpoints/sf/distilled.safetensors --dataset public/data/sf`,
      `${cli} eval steps --checkpoint public/checkpoints/sf/teacher.safetensors ${steps}`,
      `${cli} eval steps --checkpoint public/checkpoints/sf/vanilla.safetensors ${steps}`,
      `${cli} eval steps --checkpoint public/checkpoints/sf/distilled.safetensors ${steps}`,
      `${cli} eval steps --checkpoint public/checkpoints/sf/vanilla.safetensors --teacher public/checkpoints/sf/teacher.safetensors ${steps}`,
    ]);
    // Each score is written beside its final name and moved in place.
    expect(calls[2][1]).toBe(join(dir, 'docs/experiments/sf/shipped/.tmp-teacher-test-steps.json'));
    expect(existsSync(join(dir, 'docs/experiments/sf/shipped/.tmp-teacher-test-steps.json'))).toBe(false);
  });

  it("Porto's shipping also re-runs the Compare view's report, and its scores go to docs/experiments/shipped", async () => {
    setup();
    const plan = await planShip(dir, { ...INPUTS, city: 'porto' });
    expect(plan.commands.map((c) => c.argv.slice(5).join(' '))).toContain(
      'eval report --dataset public/data/porto --checkpoints public/checkpoints/porto --out public/reports/porto-eval.json --n 50 --seeds 1,2 --method bestFirst',
    );
    expect(plan.commands.filter((c) => c.stdout).map((c) => c.stdout)).toEqual([
      'docs/experiments/shipped/teacher-test-steps.json',
      'docs/experiments/shipped/vanilla-test-steps.json',
      'docs/experiments/shipped/distilled-test-steps.json',
      'docs/experiments/shipped/vanilla-with-teacher-test-steps.json',
    ]);
  });

  it('refuses, before copying anything, a missing dataset, checkpoint or log, a wrong kind, or another network', async () => {
    setup();
    const refuse = async (s: ShipInputs, why: RegExp): Promise<void> => {
      await expect(ship(dir, s, recorder([]), () => {})).rejects.toThrow(why);
      expect(existsSync(join(dir, 'public/checkpoints'))).toBe(false);
    };
    await refuse({ ...INPUTS, city: 'lisbon' }, /no public\/data\/lisbon\/train\.csv/);
    await refuse(
      { ...INPUTS, vanilla: 'runs/sf/vanilla/vanilla-s9.safetensors' },
      /--vanilla: runs\/sf\/vanilla\/vanilla-s9.safetensors is missing/,
    );
    await refuse({ ...INPUTS, teacher: INPUTS.vanilla }, /--teacher .* is a student, not a teacher/);
    await refuse({ ...INPUTS, vanilla: INPUTS.distilled }, /--vanilla .* is a distilled, not a vanilla student/);
    await refuse({ ...INPUTS, distilled: INPUTS.teacher }, /--distilled .* is a teacher, not a distilled student/);
    await refuse({ ...INPUTS, city: '../x' }, /--city must be a folder name/);
    rmSync(join(dir, 'runs/sf/arm-d/distilled-s1.log.json'));
    await refuse(INPUTS, /distilled-s1.log.json is missing/);
    ckpt(INPUTS.distilled, 'student', 'distilled', 'porto-fp');
    await refuse(INPUTS, /different road networks/);
  });

  it('stops at the first command that fails, leaving no half-written score', async () => {
    setup();
    const calls: Array<[string, string | undefined]> = [];
    expect(await ship(dir, INPUTS, recorder(calls, 'distilled.safetensors --dataset public/data/sf --split'), () => {})).toBe(1);
    expect(calls).toHaveLength(5);
    expect(existsSync(join(dir, 'docs/experiments/sf/shipped/distilled-test-steps.json'))).toBe(false);
    expect(existsSync(join(dir, 'docs/experiments/sf/shipped/.tmp-distilled-test-steps.json'))).toBe(false);
  });
});
