// The checkpoint format before safetensors (".ckpt"). New files are
// safetensors (checkpoint.ts); this codec stays so that files saved by older builds still load.
//
// Layout (little-endian):
//   bytes 0..7   magic "TRJDCKPT"
//   bytes 8..11  format version (u32)
//   bytes 12..15 header length H in bytes (u32)
//   bytes 16..   UTF-8 JSON header (H bytes), then zero padding to a multiple of 4
//   then         float32 data: every tensor (weights, then optimiser moments) back to back
// The header lists each tensor's name, shape and offset (in floats), the total float count and a
// CRC-32 of the data, so truncated or corrupted files are refused with a clear message.
import type { Checkpoint, CheckpointKind, NamedWeights } from './checkpointTypes';
import { crc32 } from './crc32';
import type { OptimState } from './checkpointTypes';

export const CHECKPOINT_MAGIC = 'TRJDCKPT';
export const CHECKPOINT_VERSION = 1;

/** True when `bytes` start with the legacy signature. */
export function isLegacyCheckpoint(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== CHECKPOINT_MAGIC.charCodeAt(i)) return false;
  return true;
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

/** Writes the legacy format; kept so tests can make the files older builds wrote. */
export function encodeLegacyCheckpoint(ck: Checkpoint): Uint8Array {
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

export function decodeLegacyCheckpoint(bytes: Uint8Array): Checkpoint {
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
