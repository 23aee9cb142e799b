// Copy-free Identity and same-dtype Cast for the wasm backend (training lever `aliasCopies`).
// tfjs-wasm implements both as a copy into a new buffer. tfjs's engine clones every tensor it
// saves for the backward pass (Engine.saveTensorsForBackwardMode → clone → Identity), and
// Multiply's gradient casts float32 to float32: in a student step that is ~650 copies (~8 % of the
// step under tf.profile). The cpu backend shares the buffer instead (incRef), as tfjs-wasm's own
// Reshape does; nothing in tfjs-wasm or in our kernels writes into an input's buffer, so sharing
// gives the same values. Process-wide switch: setAliasCopies (the trainer applies its setting at
// the start of each step, so the bench can time both).
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';

let enabled = true;
let aliased = 0;

/** Process-wide: share the buffer (true) or copy it as tfjs-wasm does (false). */
export function setAliasCopies(on: boolean): void {
  enabled = on;
}

/** Identity/Cast calls answered by sharing the buffer in this process (tests check that it ran). */
export function aliasedCopies(): number {
  return aliased;
}

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** tfjs-wasm's Identity or Cast kernel (`fallback`), sharing the input's buffer where the dtype stays. */
export function aliasKernel(fallback: KernelConfig): KernelConfig {
  return {
    kernelName: fallback.kernelName,
    backendName: 'wasm',
    setupFunc: fallback.setupFunc,
    disposeFunc: fallback.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfo;
      const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype ?? x.dtype;
      if (!enabled || dtype !== x.dtype || x.dtype === 'string') return fallback.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      aliased++;
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
