// One-file checkpoint format shared by the teacher and the student (DESIGN §6, issue 3 item 9).
//
// Layout (little-endian):
//   bytes 0..7   magic "TRJDCKPT"
//   bytes 8..11  format version (u32)
//   bytes 12..15 header length H in bytes (u32)
//   bytes 16..   UTF-8 JSON header (H bytes), then zero padding to a multiple of 4
//   then         float32 data: every tensor (weights, then optimiser moments) back to back
// The header lists each tensor's name, shape and offset (in floats), the total float count and a
// CRC-32 of the data, so truncated or corrupted files are refused with a clear message.
import * as tf from '@tensorflow/tfjs';
import type { OptimState } from './optim';
import { canonicalName } from './variableNames';

export const CHECKPOINT_MAGIC = 'TRJDCKPT';
export const CHECKPOINT_VERSION = 1;

export type CheckpointKind = 'teacher' | 'student';

/** Weights keyed by canonical variable name. */
export type NamedWeights = Record<string, { shape: number[]; data: Float32Array }>;

export interface TrainingState {
  epoch: number;
  step: number;
  optimizer?: OptimState;
  /** Anything else the trainer wants back on resume (best epoch, RNG position, …); JSON only. */
  extra?: Record<string, unknown>;
}

export interface Checkpoint<C extends object = object> {
  kind: CheckpointKind;
  /** Model configuration (sizes); compared key by key by assertCompatible. */
  config: C;
  /** Fingerprint of the dataset / road network the model was trained on. */
  fingerprint: string;
  training: TrainingState;
  /** Hyperparameters of the run (λ, τ, w, lr, batch, seed, …), JSON only. */
  hyper: Record<string, unknown>;
  /** ISO timestamp. */
  created: string;
  weights: NamedWeights;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface Header {
  kind: CheckpointKind;
  config: object;
  fingerprint: string;
  training: { epoch: number; step: number; optimizerStep?: number; extra?: Record<string, unknown> };
  hyper: Record<string, unknown>;
  created: string;
  weights: TensorEntry[];
  optimizerM?: TensorEntry[];
  optimizerV?: TensorEntry[];
  totalFloats: number;
  crc32: number;
}

// ---------------------------------------------------------------------------------------------

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
  if (problems.length) throw new Error(`checkpoint weights do not fit the model: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? ` (+${problems.length - 8} more)` : ''}`);
  for (const v of vars) {
    const w = weights[canonicalName(v.name)];
    tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, 'float32')));
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// ---------------------------------------------------------------------------------------------

export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const weightEntries: TensorEntry[] = [];
  const mEntries: TensorEntry[] = [];
  const vEntries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  const push = (list: TensorEntry[], name: string, shape: number[], data: Float32Array): void => {
    list.push({ name, shape: shape.slice(), offset, length: data.length });
    chunks.push(data);
    offset += data.length;
  };
  for (const name of Object.keys(ck.weights)) {
    const w = ck.weights[name];
    const expected = w.shape.reduce((a, b) => a * b, 1);
    if (expected !== w.data.length) throw new Error(`weight ${name}: ${w.data.length} values for shape [${w.shape}]`);
    push(weightEntries, name, w.shape, w.data);
  }
  const opt = ck.training.optimizer;
  if (opt) {
    for (const name of Object.keys(opt.m)) push(mEntries, name, [opt.m[name].length], opt.m[name]);
    for (const name of Object.keys(opt.v)) push(vEntries, name, [opt.v[name].length], opt.v[name]);
  }
  const data = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  const dataBytes = new Uint8Array(data.buffer);
  const header: Header = {
    kind: ck.kind,
    config: ck.config,
    fingerprint: ck.fingerprint,
    training: { epoch: ck.training.epoch, step: ck.training.step, optimizerStep: opt?.step, extra: ck.training.extra },
    hyper: ck.hyper,
    created: ck.created,
    weights: weightEntries,
    optimizerM: opt ? mEntries : undefined,
    optimizerV: opt ? vEntries : undefined,
    totalFloats: offset,
    crc32: crc32(dataBytes),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = 16 + json.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const out = new Uint8Array(dataStart + dataBytes.length);
  for (let i = 0; i < 8; i++) out[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(dataBytes, dataStart);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 16) throw new Error(`not a checkpoint: only ${bytes.length} bytes`);
  let magic = '';
  for (let i = 0; i < 8; i++) magic += String.fromCharCode(bytes[i]);
  if (magic !== CHECKPOINT_MAGIC) throw new Error('not a TrajDistill checkpoint (wrong file signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) throw new Error(`unsupported checkpoint version ${version} (this build reads ${CHECKPOINT_VERSION})`);
  const headerLen = view.getUint32(12, true);
  if (16 + headerLen > bytes.length) throw new Error('checkpoint is truncated (header incomplete)');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLen))) as Header;
  } catch (e) {
    throw new Error(`checkpoint header is corrupt: ${(e as Error).message}`);
  }
  if (!header || (header.kind !== 'teacher' && header.kind !== 'student') || !Array.isArray(header.weights)) {
    throw new Error('checkpoint header is corrupt: missing kind or weight table');
  }
  const dataStart = Math.ceil((16 + headerLen) / 4) * 4;
  const needed = dataStart + header.totalFloats * 4;
  if (bytes.length < needed) throw new Error(`checkpoint is truncated: ${bytes.length} bytes, expected ${needed}`);
  if (bytes.length > needed) throw new Error(`checkpoint has ${bytes.length - needed} unexpected trailing bytes`);
  // Copy so the floats are aligned whatever the caller's buffer offset is.
  const dataBytes = bytes.slice(dataStart, needed);
  if (crc32(dataBytes) !== header.crc32) throw new Error('checkpoint data is corrupt (checksum mismatch)');
  const data = new Float32Array(dataBytes.buffer, 0, header.totalFloats);
  const read = (e: TensorEntry): Float32Array => {
    if (e.offset < 0 || e.offset + e.length > header.totalFloats) throw new Error(`checkpoint entry ${e.name} lies outside the data`);
    return data.slice(e.offset, e.offset + e.length);
  };
  const weights: NamedWeights = {};
  for (const e of header.weights) weights[e.name] = { shape: e.shape, data: read(e) };
  let optimizer: OptimState | undefined;
  if (header.optimizerM && header.optimizerV) {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const e of header.optimizerM) m[e.name] = read(e);
    for (const e of header.optimizerV) v[e.name] = read(e);
    optimizer = { step: header.training.optimizerStep ?? header.training.step, m, v };
  }
  return {
    kind: header.kind,
    config: header.config,
    fingerprint: header.fingerprint,
    training: { epoch: header.training.epoch, step: header.training.step, optimizer, extra: header.training.extra },
    hyper: header.hyper ?? {},
    created: header.created,
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

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE), to detect corrupted downloads. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
