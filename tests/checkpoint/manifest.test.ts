import { describe, it, expect } from 'vitest';
import { encodeSafetensors } from '../../src/lib/checkpoint/safetensors';
import { checkpointFacts, fileSha256, studentTrainCommand, weightsSha256 } from '../../src/lib/checkpoint/manifest';

function file(meta: Record<string, string>, order: string[], bump = 0): Uint8Array {
  const t = (v: number) => ({ shape: [2], data: Float32Array.from([v, v + 1]) });
  const tensors = new Map(order.map((n, i) => [n, t(i === 0 ? 1 + bump : 5)] as const));
  return encodeSafetensors({ metadata: meta, tensors });
}

const hyper = {
  mode: 'distilled',
  seed: 6,
  trainFrac: 1,
  epochs: 40,
  patience: 3,
  maxLen: 512,
  batch: 16,
  microBatch: 16,
  size: 'small',
  lr: 0.001,
  alpha: 1,
  lambda: 0.1,
  tau: 3.35,
  window: 8,
  klMaskLastSteps: 10,
  klMaskRandom: 0,
  klMaskIndistinct: false,
  teacherTarget: 'teacher',
  routes: false,
};

describe('checkpoint manifest', () => {
  it('the weights digest ignores metadata and tensor order, and sees any weight change', async () => {
    const a = file({ kind: 'student', created: '2026-01-01' }, ['x', 'y']);
    const b = file({ kind: 'student', created: '2026-02-02' }, ['x', 'y']);
    expect(await fileSha256(a)).not.toBe(await fileSha256(b));
    expect(await weightsSha256(a)).toBe(await weightsSha256(b));
    const c = file({ kind: 'student' }, ['x', 'y'], 1e-3);
    expect(await weightsSha256(c)).not.toBe(await weightsSha256(a));
  });

  it('rebuilds the train command from the hyper-parameters a student carries', () => {
    const facts = checkpointFacts(file({ kind: 'student', hyper: JSON.stringify(hyper) }, ['x']));
    const cmd = studentTrainCommand(facts, {
      dataset: 'public/data/porto',
      out: 'runs/c/d.safetensors',
      teacher: 'runs/t/teacher.safetensors',
    });
    expect(cmd).toBe(
      'npm run cli -- train student --dataset public/data/porto --mode distilled --seed 6 --train-frac 1 --epochs 40 --patience 3 --max-len 512 --batch 16 --micro 16 --size small --lr 0.001 --alpha 1 --lambda 0.1 --tau 3.35 --window 8 --kl-mask-last 10 --teacher runs/t/teacher.safetensors --quiet --out runs/c/d.safetensors',
    );
    // A control needs no teacher; a distilled student with an unknown teacher cannot be rebuilt.
    const uniform = checkpointFacts(file({ kind: 'student', hyper: JSON.stringify({ ...hyper, teacherTarget: 'uniform' }) }, ['x']));
    expect(studentTrainCommand(uniform, { dataset: 'd', out: 'o' })).toContain('--teacher-target uniform --quiet');
    expect(studentTrainCommand(facts, { dataset: 'd', out: 'o' })).toBeNull();
    expect(studentTrainCommand({ ...facts, kind: 'teacher' }, { dataset: 'd', out: 'o', teacher: 't' })).toBeNull();
  });
});
