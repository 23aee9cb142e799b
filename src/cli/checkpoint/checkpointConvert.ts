// `checkpoint convert <in> [--out <file.safetensors>]`: rewrites a checkpoint (either format) as
// safetensors with torch module names. The default output sits beside the input
// with the .safetensors extension; the input is left as it was.
// `checkpoint transfer <student> --dataset <dir> --out <file>`: the student, made for another road
// network, as a checkpoint for this one (checkpoint/transfer.ts: an id-free student carries every
// tensor, so this is zero-shot transfer; another student gets fresh id tables). Every eval command
// then scores it on this network as it would a student trained here. A moves teacher (train teacher
// --moves) transfers too, whole; a cell-token teacher is refused.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { flagNumber, flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { CHECKPOINT_EXT, decodeCheckpoint, encodeCheckpoint, weightsFromVariables } from '../../lib/checkpoint/checkpoint';
import { transferStudentWeights, transferTeacherCheckpoint } from '../../lib/checkpoint/transfer';
import { Student } from '../../lib/models/student';
import type { StudentConfig } from '../../lib/models/studentConfig';
import { initNodeBackend } from '../../lib/runtime/node';

const USAGE = `usage: checkpoint convert <in.ckpt|in.safetensors> [--out <file.safetensors>]
       checkpoint transfer <student|teacher.safetensors> --dataset <dir> --out <file.safetensors> [--seed 1]
         (a student of another road network as a checkpoint of this one; --seed initialises the
         id tables a student that is not id-free gets afresh; a teacher must be a moves teacher)
       checkpoint manifest [--out checkpoints.json] [--check]
         (every checkpoint a report or the app reads, with its sha256, its weights' sha256 and the
         command that trains it again; --check compares the files here with the manifest)`;

async function transfer(input: string, p: ReturnType<typeof parseArgs>): Promise<number> {
  const out = flagString(p, 'out');
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset'));
  const ck = decodeCheckpoint(new Uint8Array(await readFile(input)));
  if (ck.kind === 'teacher') {
    const moved = transferTeacherCheckpoint(ck, derived.grid, derived.fingerprint);
    const bytes = encodeCheckpoint({ ...moved, created: new Date().toISOString() });
    await writeFile(out, bytes);
    const { message } = moved.hyper.transferredFrom as { message: string };
    console.log(JSON.stringify({ in: input, out, dataset: dataset.name, transfer: message, bytes: bytes.length }));
    return 0;
  }
  const student = new Student(derived, { ...(ck.config as StudentConfig), freezeEncoders: false }, flagNumber(p, 'seed', 1));
  try {
    const report = transferStudentWeights(student, ck);
    const bytes = encodeCheckpoint({
      kind: 'student',
      config: student.config,
      fingerprint: derived.fingerprint,
      training: { epoch: ck.training.epoch, step: ck.training.step },
      hyper: { ...ck.hyper, transferredFrom: { file: basename(input), fingerprint: ck.fingerprint, message: report.message } },
      created: new Date().toISOString(),
      weights: weightsFromVariables(student.store.variables()),
    });
    await writeFile(out, bytes);
    console.log(JSON.stringify({ in: input, out, dataset: dataset.name, transfer: report.message, bytes: bytes.length }));
  } finally {
    student.dispose();
  }
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('checkpoint', USAGE));
  const [sub, input] = p.positional;
  if (sub === 'transfer' && input) return transfer(input, p);
  if (sub === 'manifest') {
    const { run: manifest } = await import('./checkpointManifest');
    return manifest(flagString(p, 'out', 'checkpoints.json'), p.flags.check === true);
  }
  if (sub !== 'convert' || !input) {
    console.error(USAGE);
    return 2;
  }
  const out = flagString(p, 'out', input.replace(/\.(ckpt|safetensors)$/, '') + CHECKPOINT_EXT);
  if (out === input) {
    console.error(`error: --out would overwrite the input ${input}`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = encodeCheckpoint(decodeCheckpoint(new Uint8Array(await readFile(input))));
  } catch (e) {
    console.error(`error: ${input}: ${(e as Error).message}`);
    return 1;
  }
  await writeFile(out, bytes);
  const back = decodeCheckpoint(bytes);
  console.log(JSON.stringify({ in: input, out, kind: back.kind, tensors: Object.keys(back.weights).length, bytes: bytes.length }));
  return 0;
}
