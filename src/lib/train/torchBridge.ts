// The PyTorch bridge's commands for one dataset (docs/big-dataset.md, pytorch/README.md): export the
// set with the CLI, then train under torchrun. The Train view shows them for a set too big to train
// on whole in the browser (data/bigDataset.ts BROWSER_TRAIN_MAX_TRIPS). tfjs-free: the page uses it.

export interface TorchBridgeOptions {
  /** The dataset's folder, as the user types it in a shell (relative to the repository or absolute). */
  dir: string;
  /** A short name for the export folder and the checkpoint (the dataset's name). */
  name: string;
  kind: 'student' | 'teacher';
  /** Processes under torchrun (one per core or GPU). */
  nproc?: number;
}

/** A name safe in a file name: lower case, runs of other characters as one '-'. */
export function fileSlug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'dataset';
}

/** Quoted for a POSIX shell when it holds anything but plain path characters. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The commands, one per line (a trailing backslash continues one), run from the repository root:
 * `export torch` writes the arrays the PyTorch trainer reads, `torchrun` trains on every trip.
 */
export function torchBridgeCommands(o: TorchBridgeOptions): string {
  const slug = fileSlug(o.name);
  const exportDir = `.cache/torch-${slug}`;
  const nproc = o.nproc ?? 2;
  const train =
    o.kind === 'student'
      ? `student --export ../${exportDir} --out ../runs/${slug}-student.safetensors --mode vanilla --batch 64 --epochs 1`
      : `teacher --export ../${exportDir} --out ../runs/${slug}-teacher.safetensors`;
  return [
    `npm run cli -- export torch --dataset ${shellWord(o.dir)} --out ${exportDir}`,
    `cd pytorch && python3 -m trajdistill_torch.torchrun --nproc_per_node ${nproc} -m trajdistill_torch.train \\`,
    `  ${train}`,
  ].join('\n');
}
