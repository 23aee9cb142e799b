// The safetensors container (https://github.com/huggingface/safetensors, "Format"), float32 only:
//   bytes 0..7   N, the header length (u64, little-endian)
//   bytes 8..8+N UTF-8 JSON: { "__metadata__": {string: string}, name: {dtype, shape, data_offsets} }
//                padded with spaces so that the data starts 8-byte aligned
//   then         the data; data_offsets are [begin, end) byte offsets into it, back to back
// Only the container; what the tensors and metadata mean is checkpoint.ts's business.

export interface StTensor {
  shape: number[];
  data: Float32Array;
}

export interface StFile {
  metadata: Record<string, string>;
  /** In file order. */
  tensors: Map<string, StTensor>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const MAX_HEADER = 100_000_000; // the reference implementation's limit

/**
 * True when `bytes` start like a safetensors file (a plausible header length, then '{'), even if
 * the rest is truncated: decodeSafetensors then says what is wrong.
 */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hi = view.getUint32(4, true);
  const n = view.getUint32(0, true);
  return hi === 0 && n >= 2 && n <= MAX_HEADER && bytes[8] === 0x7b;
}

export function encodeSafetensors(file: StFile): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(file.metadata).length) header.__metadata__ = file.metadata;
  let offset = 0;
  for (const [name, t] of file.tensors) {
    if (name === '__metadata__') throw new Error('a tensor cannot be named __metadata__');
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded > json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  const dataStart = 8 + json.length;
  for (const [name, t] of file.tensors) {
    const at = dataStart + (header[name] as HeaderEntry).data_offsets[0];
    // Float32Array is platform-endian; every platform tfjs runs on is little-endian, as the format.
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): StFile {
  if (bytes.length < 8) throw new Error(`not a safetensors file: only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== 0) throw new Error('not a safetensors file: header length is implausibly large');
  const n = view.getUint32(0, true);
  if (n > MAX_HEADER) throw new Error(`not a safetensors file: header length ${n} is implausibly large`);
  if (8 + n > bytes.length) throw new Error(`safetensors file is truncated: header of ${n} bytes, file of ${bytes.length}`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`safetensors header is corrupt: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('safetensors header is not a JSON object');
  const header = raw as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const meta = header.__metadata__;
  if (meta !== undefined) {
    if (!meta || typeof meta !== 'object') throw new Error('safetensors __metadata__ is not an object');
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new Error(`safetensors __metadata__.${k} is not a string`);
      metadata[k] = v;
    }
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const entries: [string, HeaderEntry][] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = e as HeaderEntry;
    if (!entry || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets) || entry.data_offsets.length !== 2) {
      throw new Error(`safetensors entry ${name} is malformed`);
    }
    if (entry.dtype !== 'F32') throw new Error(`safetensors tensor ${name} has dtype ${entry.dtype}; only F32 is supported`);
    const [begin, end] = entry.data_offsets;
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * size) throw new Error(`safetensors tensor ${name}: ${end - begin} bytes for shape [${entry.shape}]`);
    if (begin < 0 || end > dataLen)
      throw new Error(`safetensors file is truncated: tensor ${name} ends at ${end}, data holds ${dataLen} bytes`);
    entries.push([name, entry]);
  }
  const covered = entries.reduce((a, [, e]) => Math.max(a, e.data_offsets[1]), 0);
  if (covered !== dataLen) throw new Error(`safetensors file has ${dataLen - covered} bytes that no tensor uses`);
  const tensors = new Map<string, StTensor>();
  for (const [name, e] of entries) {
    // slice() copies, so the floats are aligned whatever the caller's buffer offset.
    const slice = bytes.slice(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]);
    tensors.set(name, { shape: e.shape.slice(), data: new Float32Array(slice.buffer, 0, slice.length / 4) });
  }
  return { metadata, tensors };
}
