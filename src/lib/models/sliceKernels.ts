// Slice and SplitV for the wasm backend without copying their input out of the heap (training lever
// `fastSlice`). tfjs-wasm's Slice reads its input with backend.readSync, which copies the whole
// tensor out of WebAssembly memory (HEAPU8.slice, a fresh ArrayBuffer) on every call, however
// little it keeps; its SplitV is one such Slice per part. Splitting a GATv2 projection [5372, 192]
// into three parts copied the input three times: SplitV was 18 % of a student step under
// tf.profile (issue 67). Ours copies each contiguous run of the output once, inside the heap
// (copyWithin). Same bytes as tfjs's (a copy either way); strings and complex numbers go to tfjs.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { KernelLever } from './kernelLever';

const lever = new KernelLever();

/** Process-wide: our heap copies (true) or tfjs-wasm's Slice and SplitV (false). */
export const setFastSlice = lever.set;

/** Slice/SplitV calls ours answered in this process (tests check that it ran). */
export const fastSlices = lever.calls;

interface HeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/** x[begin : begin + size] into a new output, run by run; null where tfjs should answer. */
function sliceInHeap(b: HeapBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo | null {
  const bytes = BYTES[x.dtype];
  const xAt = b.dataIdMap.get(x.dataId)?.memoryOffset;
  if (bytes === undefined || xAt === undefined || x.shape.length === 0) return null;
  const out = b.makeOutput(size, x.dtype);
  const n = size.reduce((a, s) => a * s, 1);
  if (n === 0) return out;
  // Read both offsets and the heap after makeOutput: its malloc may have grown the memory.
  const outAt = b.dataIdMap.get(out.dataId)!.memoryOffset;
  const heap = b.wasm.HEAPU8;
  const shape = x.shape;
  const r = shape.length;
  const strides = new Array<number>(r);
  for (let j = r - 1, s = 1; j >= 0; j--) {
    strides[j] = s;
    s *= shape[j];
  }
  // Trailing axes taken whole join the run: axis k is the last one that is cut.
  let k = r - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const runElems = size[k] * strides[k];
  const run = runElems * bytes;
  const idx = new Array<number>(k).fill(0);
  let dst = outAt;
  for (let done = 0; done < n; done += runElems) {
    let src = begin[k] * strides[k];
    for (let j = 0; j < k; j++) src += (begin[j] + idx[j]) * strides[j];
    heap.copyWithin(dst, xAt + src * bytes, xAt + src * bytes + run);
    dst += run;
    for (let j = k - 1; j >= 0 && ++idx[j] === size[j]; j--) idx[j] = 0;
  }
  return out;
}

/** tfjs-wasm's Slice (`fallback`) with the heap copy answering first while the lever is on. */
export function fastSliceKernel(fallback: KernelConfig): KernelConfig {
  return lever.over(fallback, ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const a = attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size);
    return sliceInHeap(backend as unknown as HeapBackend, x, begin, size);
  });
}

/** tfjs-wasm's SplitV (`fallback`): every part a heap copy while the lever is on. */
export function fastSplitVKernel(fallback: KernelConfig): KernelConfig {
  return lever.over(fallback, ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    if (BYTES[x.dtype] === undefined || x.shape.length === 0) return null;
    const a = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const parts = sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const part = sliceInHeap(backend as unknown as HeapBackend, x, begin, size)!;
      begin[axis] += s;
      return part;
    });
    return parts;
  });
}
