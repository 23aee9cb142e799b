// Device memory on webgpu: what tfjs-webgpu does not manage for a long training run (its buffer
// pool), and the asynchronous download that lets later synchronous reads (checkpoint encoding)
// answer from a CPU copy instead of touching the device. Used by every trainer session. And reading
// a tensor back once (readAndDispose).
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-webgpu's BufferManager that trimGpuBufferPool touches. */
interface GpuBufferPool {
  numBytesUsed: number;
  numBytesAllocated: number;
  numFreeBuffers?: number;
  freeBuffers?: Map<string, Array<{ size: number; destroy(): void }>>;
}

/** Free pooled GPU bytes above which trimGpuBufferPool destroys the pool. */
export const GPU_POOL_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * tfjs-webgpu keeps every released GPU buffer in a pool keyed by (size, usage) and never frees
 * one. Student batches change shape every step (trip lengths, candidate counts), so most pooled
 * buffers never fit again: on SwiftShader the pool grew by 40–60 MB per step at batch 2 (1.6 GB
 * after 21 steps with 16 MB in use) until the GPU process failed ("createBuffer failed …
 * mappedAtCreation", WebGL contexts lost). This destroys the idle pooled buffers once they exceed
 * `limitBytes` (WebGPU defers destroying a buffer that submitted work still uses, and pooled
 * buffers are in no unsubmitted command). No-op off webgpu. Returns the bytes freed.
 */
export function trimGpuBufferPool(limitBytes = GPU_POOL_LIMIT_BYTES): number {
  if (tf.getBackend() !== 'webgpu') return 0;
  const pool = (tf.backend() as unknown as { bufferManager?: GpuBufferPool }).bufferManager;
  const free = pool?.freeBuffers;
  if (!pool || !(free instanceof Map) || pool.numBytesAllocated - pool.numBytesUsed <= limitBytes) return 0;
  let freed = 0;
  for (const list of free.values()) {
    for (const b of list) {
      freed += b.size;
      b.destroy();
    }
    // Empty the lists but keep the keys: releaseBuffer() ignores every release while the map is empty.
    list.length = 0;
  }
  pool.numBytesAllocated -= freed;
  pool.numFreeBuffers = 0;
  return freed;
}

/** Awaits the values of every registered variable (webgpu then answers dataSync from its CPU copy). */
export async function downloadVariables(): Promise<void> {
  await Promise.all(Object.values(tf.engine().registeredVariables).map((v) => v.data()));
}

/** A tensor's values read back (float32), the tensor disposed (also when the read fails). */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
