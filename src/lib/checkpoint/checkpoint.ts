// Checkpoints shared by the teacher and the student, in the safetensors layout
// (the container is in safetensors.ts):
// - Tensors are float32, named after the original PyTorch modules and stored in torch's layout
//   where a counterpart exists (torchNames.ts has the table; nn.Linear weights are [out, in]).
// - Adam moments, when the trainer keeps them, are tensors "optimizer.exp_avg.<name>" and
//   "optimizer.exp_avg_sq.<name>" in the same layout as their weight.
// - __metadata__ (string values only, per the format) holds format, kind, prefix, fingerprint,
//   created, naming and crc32 as plain strings, and config, hyper and training as JSON text.
// Files saved by older builds (".ckpt", legacyCheckpoint.ts) are recognised by content and still load.
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint, CheckpointKind, NamedWeights } from './checkpointTypes';
import { crc32 } from './crc32';
import { decodeLegacyCheckpoint, isLegacyCheckpoint } from './legacyCheckpoint';
import type { OptimState } from './checkpointTypes';
import { decodeSafetensors, encodeSafetensors, looksLikeSafetensors, type StTensor } from './safetensors';
import { localNameOf, ourShape, storedShape, torchSpecOf, transpose2d, type TorchLayout } from './torchNames';
import { canonicalName } from '../features/variableNames';

export type { Checkpoint, CheckpointKind, NamedWeights, TrainingState } from './checkpointTypes';

export const CHECKPOINT_FORMAT = 'trajdistill-checkpoint/2';
/** File extension of checkpoints this build writes. */
export const CHECKPOINT_EXT = '.safetensors';

const M_PREFIX = 'optimizer.exp_avg.';
const V_PREFIX = 'optimizer.exp_avg_sq.';

/** Copies the current values of `vars`, keyed by canonical name. */
export function weightsFromVariables(vars: tf.Variable[]): NamedWeights {
  const out: NamedWeights = {};
  for (const v of vars) {
    const key = canonicalName(v.name);
    if (out[key]) throw new Error(`two variables share the canonical name ${key}`);
    out[key] = { shape: v.shape.slice(), data: Float32Array.from(v.dataSync() as Float32Array) };
  }
  return out;
}

/**
 * Assigns `weights` to `vars` by canonical name. Every variable must be present with the same
 * shape; with `strict` (default) extra weights are an error too.
 */
export function loadIntoVariables(vars: tf.Variable[], weights: NamedWeights, strict = true): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const v of vars) {
    const key = canonicalName(v.name);
    seen.add(key);
    const w = weights[key];
    if (!w) problems.push(`missing weight ${key}`);
    else if (!sameShape(w.shape, v.shape)) problems.push(`${key}: shape [${w.shape}] in file, [${v.shape}] in model`);
    else if (w.data.length !== v.size) problems.push(`${key}: ${w.data.length} values for shape [${v.shape}]`);
  }
  if (strict) for (const key of Object.keys(weights)) if (!seen.has(key)) problems.push(`unexpected weight ${key}`);
  if (problems.length) throw weightsDoNotFit(problems);
  for (const v of vars) {
    const w = weights[canonicalName(v.name)];
    tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, 'float32')));
  }
}

/** The error for weights that do not fit a model: the first eight problems, and how many more. */
export function weightsDoNotFit(problems: string[]): Error {
  const more = problems.length > 8 ? ` (+${problems.length - 8} more)` : '';
  return new Error(`checkpoint weights do not fit the model: ${problems.slice(0, 8).join('; ')}${more}`);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// ---------------------------------------------------------------------------------------------

interface Placement {
  stored: string;
  layout: TorchLayout;
}

/** Where our variable `name` ("teacher/h0/ln_1") goes in the file, given the model prefix. */
function placeOf(kind: CheckpointKind, prefix: string, name: string): Placement {
  if (name.startsWith(`${prefix}/`)) {
    const spec = torchSpecOf(kind, name.slice(prefix.length + 1));
    if (spec) return { stored: spec.name, layout: spec.layout };
  }
  return { stored: name, layout: 'same' };
}

/** Our name and layout of a stored weight name (the inverse of placeOf). */
function unplace(kind: CheckpointKind, prefix: string, stored: string): { name: string; layout: TorchLayout } {
  const local = localNameOf(kind, stored);
  return local ? { name: `${prefix}/${local.local}`, layout: local.layout } : { name: stored, layout: 'same' };
}

function toStored(shape: number[], data: Float32Array, layout: TorchLayout): StTensor {
  const s = storedShape(shape, layout);
  return { shape: s, data: layout === 'transpose' ? transpose2d(data, shape[0], shape[1]) : data };
}

function fromStored(t: StTensor, layout: TorchLayout): { shape: number[]; data: Float32Array } {
  const shape = ourShape(t.shape, layout);
  return { shape, data: layout === 'transpose' ? transpose2d(t.data, t.shape[0], t.shape[1]) : t.data };
}

/** The model prefix shared by the weight names ("teacher", "student", …). */
function prefixOf(weights: NamedWeights): string {
  const first = Object.keys(weights)[0] ?? '';
  const slash = first.indexOf('/');
  return slash > 0 ? first.slice(0, slash) : '';
}

export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const prefix = prefixOf(ck.weights);
  const tensors = new Map<string, StTensor>();
  const layouts = new Map<string, { placement: Placement; shape: number[] }>();
  const add = (name: string, t: StTensor): void => {
    if (tensors.has(name)) throw new Error(`two checkpoint tensors would share the name ${name}`);
    tensors.set(name, t);
  };
  for (const name of Object.keys(ck.weights)) {
    const w = ck.weights[name];
    const expected = w.shape.reduce((a, b) => a * b, 1);
    if (expected !== w.data.length) throw new Error(`weight ${name}: ${w.data.length} values for shape [${w.shape}]`);
    const placement = placeOf(ck.kind, prefix, name);
    layouts.set(name, { placement, shape: w.shape });
    add(placement.stored, toStored(w.shape, w.data, placement.layout));
  }
  const opt = ck.training.optimizer;
  if (opt) {
    const moment = (tag: string, moments: Record<string, Float32Array>): void => {
      for (const name of Object.keys(moments)) {
        const l = layouts.get(name);
        const data = moments[name];
        if (l && data.length === l.shape.reduce((a, b) => a * b, 1))
          add(tag + l.placement.stored, toStored(l.shape, data, l.placement.layout));
        else add(tag + name, { shape: [data.length], data });
      }
    };
    moment(M_PREFIX, opt.m);
    moment(V_PREFIX, opt.v);
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    kind: ck.kind,
    prefix,
    naming: ck.kind === 'teacher' ? 'LM-TAD state_dict names, torch layout' : 'HOSER state_dict names, torch layout',
    fingerprint: ck.fingerprint,
    created: ck.created,
    config: JSON.stringify(ck.config),
    hyper: JSON.stringify(ck.hyper),
    training: JSON.stringify({ epoch: ck.training.epoch, step: ck.training.step, optimizerStep: opt?.step, extra: ck.training.extra }),
  };
  const bytes = encodeSafetensors({ metadata, tensors });
  metadata.crc32 = '';
  // The checksum covers the data section, which the metadata does not change.
  const dataStart = 8 + new DataView(bytes.buffer).getUint32(0, true);
  metadata.crc32 = String(crc32(bytes.subarray(dataStart)));
  return encodeSafetensors({ metadata, tensors });
}

/** Reads a checkpoint: safetensors (this build's) or the legacy .ckpt, told apart by content. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (isLegacyCheckpoint(bytes)) return decodeLegacyCheckpoint(bytes);
  if (!looksLikeSafetensors(bytes)) {
    throw new Error(
      bytes.length < 16
        ? `not a checkpoint: only ${bytes.length} bytes`
        : 'not a TrajDistill checkpoint (wrong file signature: neither safetensors nor the older .ckpt format)',
    );
  }
  const file = decodeSafetensors(bytes);
  const meta = file.metadata;
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new Error(
      `not a TrajDistill checkpoint: a safetensors file whose metadata format is ${JSON.stringify(meta.format ?? null)}, expected ${CHECKPOINT_FORMAT}`,
    );
  }
  if (meta.kind !== 'teacher' && meta.kind !== 'student') throw new Error('checkpoint metadata is corrupt: missing kind');
  const kind: CheckpointKind = meta.kind;
  const dataStart = 8 + new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (meta.crc32 !== undefined && String(crc32(bytes.subarray(dataStart))) !== meta.crc32) {
    throw new Error('checkpoint data is corrupt (checksum mismatch)');
  }
  const json = <T>(key: string): T => {
    try {
      return JSON.parse(meta[key] ?? 'null') as T;
    } catch (e) {
      throw new Error(`checkpoint metadata ${key} is corrupt: ${(e as Error).message}`);
    }
  };
  const config = json<object | null>('config');
  const training = json<{ epoch: number; step: number; optimizerStep?: number; extra?: Record<string, unknown> } | null>('training');
  if (!config || !training) throw new Error('checkpoint metadata is corrupt: missing config or training state');
  const prefix = meta.prefix ?? '';
  const weights: NamedWeights = {};
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const [stored, t] of file.tensors) {
    const target = stored.startsWith(M_PREFIX) ? m : stored.startsWith(V_PREFIX) ? v : null;
    const rest = target === m ? stored.slice(M_PREFIX.length) : target === v ? stored.slice(V_PREFIX.length) : stored;
    const { name, layout } = unplace(kind, prefix, rest);
    const ours = fromStored(t, layout);
    if (target) target[name] = ours.data;
    else weights[name] = ours;
  }
  let optimizer: OptimState | undefined;
  if (Object.keys(m).length || Object.keys(v).length) optimizer = { step: training.optimizerStep ?? training.step, m, v };
  return {
    kind,
    config,
    fingerprint: meta.fingerprint ?? '',
    training: { epoch: training.epoch, step: training.step, optimizer, extra: training.extra },
    hyper: json<Record<string, unknown> | null>('hyper') ?? {},
    created: meta.created ?? '',
    weights,
  };
}

export interface Expected {
  kind: CheckpointKind;
  fingerprint: string;
  config: object;
  /** Config keys that do not change the weights' meaning (default: dropout). */
  ignoreKeys?: string[];
}

/** Throws an Error that says why `ck` cannot be used where `expected` is needed. */
export function assertCompatible(ck: Checkpoint, expected: Expected): void {
  if (ck.kind !== expected.kind) {
    throw new Error(`wrong checkpoint kind: this file holds a ${ck.kind} model, a ${expected.kind} is needed`);
  }
  if (ck.fingerprint !== expected.fingerprint) {
    throw new Error(
      `checkpoint was made for a different road network / dataset: fingerprint ${ck.fingerprint} in the file, ${expected.fingerprint} loaded`,
    );
  }
  const diffs = configDiff(ck.config, expected.config, expected.ignoreKeys ?? ['dropout']);
  if (diffs.length) throw new Error(`checkpoint has a different model size/config: ${diffs.join(', ')} (file vs current)`);
}

/** Human-readable differences "key: a vs b" between two configs. */
export function configDiff(a: object, b: object, ignoreKeys: string[] = []): string[] {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  const out: string[] = [];
  for (const k of keys) {
    if (ignoreKeys.includes(k)) continue;
    const va = JSON.stringify(ra[k]);
    const vb = JSON.stringify(rb[k]);
    if (va !== vb) out.push(`${k}: ${va ?? 'absent'} vs ${vb ?? 'absent'}`);
  }
  return out;
}
