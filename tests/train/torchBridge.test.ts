import { describe, expect, it } from 'vitest';
import { fileSlug, torchBridgeCommands } from '../../src/lib/train/torchBridge';

describe('torchBridgeCommands', () => {
  it('exports the set with the CLI and trains the student under torchrun, as docs/big-dataset.md', () => {
    const text = torchBridgeCommands({ dir: 'path/to/hoser-50k', name: 'hoser-50k', kind: 'student' });
    expect(text.split('\n')).toEqual([
      'npm run cli -- export torch --dataset path/to/hoser-50k --out .cache/torch-hoser-50k',
      'cd pytorch && python3 -m trajdistill_torch.torchrun --nproc_per_node 2 -m trajdistill_torch.train \\',
      '  student --export ../.cache/torch-hoser-50k --out ../runs/hoser-50k-student.safetensors --mode vanilla --batch 64 --epochs 1',
    ]);
  });

  it('trains the teacher for a teacher run, and quotes a folder a shell would split', () => {
    const text = torchBridgeCommands({ dir: "my data/it's", name: 'My Data!', kind: 'teacher', nproc: 4 });
    expect(text).toContain(`--dataset 'my data/it'\\''s' --out .cache/torch-my-data`);
    expect(text).toContain('--nproc_per_node 4');
    expect(text).toContain('teacher --export ../.cache/torch-my-data --out ../runs/my-data-teacher.safetensors');
  });

  it('makes file names from any dataset name', () => {
    expect(fileSlug('Porto + gps.csv')).toBe('porto-gps-csv');
    expect(fileSlug('***')).toBe('dataset');
  });
});
