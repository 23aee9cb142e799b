// Copy-free Identity and same-dtype Cast for the wasm backend (training lever `aliasCopies`).
// tfjs-wasm implements both as a copy into a new buffer. tfjs's engine clones every tensor it
// saves for the backward pass (Engine.saveTensorsForBackwardMode → clone → Identity), and
// Multiply's gradient casts float32 to float32: in a student step that is ~650 copies (~8 % of the
// step under tf.profile). The cpu backend shares the buffer instead (incRef), as tfjs-wasm's own
// Reshape does; nothing in tfjs-wasm or in our kernels writes into an input's buffer, so sharing
// gives the same values. Process-wide switch: setAliasCopies (the trainer applies its setting at
// the start of each step, so the bench can time both).
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { KernelLever } from './kernelLever';

const lever = new KernelLever();

/** Process-wide: share the buffer (true) or copy it as tfjs-wasm does (false). */
export const setAliasCopies = lever.set;

/** Identity/Cast calls answered by sharing the buffer in this process (tests check that it ran). */
export const aliasedCopies = lever.calls;

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** tfjs-wasm's Identity or Cast kernel (`fallback`), sharing the input's buffer where the dtype stays. */
export function aliasKernel(fallback: KernelConfig): KernelConfig {
  return lever.over(fallback, (args) => {
    const x = args.inputs.x as TensorInfo;
    const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype ?? x.dtype;
    if (dtype !== x.dtype || x.dtype === 'string') return null;
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
