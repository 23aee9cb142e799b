// `checkpoint convert <in> [--out <file.safetensors>]`: rewrites a checkpoint (either format) as
// safetensors with torch module names. The default output sits beside the input
// with the .safetensors extension; the input is left as it was.
import { readFile, writeFile } from 'node:fs/promises';
import { flagString, parseArgs } from './args';
import { CHECKPOINT_EXT, decodeCheckpoint, encodeCheckpoint } from '../lib/checkpoint/checkpoint';

const USAGE = 'usage: checkpoint convert <in.ckpt|in.safetensors> [--out <file.safetensors>]';

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args);
  const [sub, input] = p.positional;
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
