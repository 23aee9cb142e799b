// Buffers laid out in a WebAssembly memory, one after another at aligned offsets: what the callers
// of the SIMD kernels (models/batchMatMulKernel.ts, generate/hostDense.ts,
// generate/attentionKernel.ts) place there before a call.

/**
 * Byte offsets of regions of `bytes[k]` bytes each, in the order given, from `start` on, each at a
 * multiple of `align`; `end`: just past the last one.
 */
export function regions<K extends string>(start: number, bytes: Record<K, number>, align = 16): { at: Record<K, number>; end: number } {
  const at = {} as Record<K, number>;
  let end = start;
  for (const k of Object.keys(bytes) as K[]) {
    at[k] = Math.ceil(end / align) * align;
    end = at[k] + bytes[k];
  }
  return { at, end };
}
