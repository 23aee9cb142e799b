// Our kernels in tfjs's place, and the one switch a training lever flips to put them there or take
// them out. A lever that swaps a tfjs-wasm kernel for ours (batchMatMulKernel.ts, aliasKernels.ts,
// sliceKernels.ts, sumKernel.ts, geluKernel.ts, softmaxKernel.ts) is a KernelLever: a process-wide on/off (the
// student trainer sets it at the start of each step from train/trainingLevers.ts, the bench flips it
// to time both), a count of the calls ours answered (tests check that it ran), and either a backend
// kernel wrapped so that ours answers what it can (`over`) or kernels of our own registered on first
// use (`active`) and called through kernelOp.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { f32KernelsInBackend, type WasmBackendInternals } from './f32Kernels';

export type KernelArgs = Parameters<KernelFunc>[0];

/**
 * A backend's own kernel (`fallback`) with `fast` answering first: where `fast` returns null, the
 * call goes to `fallback` unchanged.
 */
export function kernelOver(
  fallback: KernelConfig,
  backendName: string,
  fast: (args: KernelArgs) => TensorInfo | TensorInfo[] | null,
): KernelConfig {
  return {
    kernelName: fallback.kernelName,
    backendName,
    setupFunc: fallback.setupFunc,
    disposeFunc: fallback.disposeFunc,
    kernelFunc: (args) => fast(args) ?? fallback.kernelFunc(args),
  };
}

/** A kernel of our own on the wasm backend: `run` gets the inputs and the backend's internals (its heap). */
export function wasmKernel(kernelName: string, run: (inputs: NamedTensorInfoMap, b: WasmBackendInternals) => TensorInfo): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: ({ inputs, backend }) => run(inputs, backend as unknown as WasmBackendInternals) };
}

/**
 * x ↦ our kernel `forward` on x, with our kernel `backward` for its gradient, which gets x and dy,
 * and the forward's output as input `outputAs` where one is named.
 */
export function kernelOp(forward: string, backward: string, outputAs?: string): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const value = tf.engine().runKernel(forward, { x }) as tf.Tensor;
    save(outputAs ? [x, value] : [x]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(backward, outputAs ? { x: saved[0], [outputAs]: saved[1], dy } : { x: saved[0], dy }) as tf.Tensor,
    };
  });
}

export class KernelLever {
  private on = true;
  private count = 0;
  private registered = false;

  /** Process-wide: our kernel (true) or tfjs's own. */
  readonly set = (on: boolean): void => {
    this.on = on;
  };

  /** Calls our kernel answered in this process (through `over`). */
  readonly calls = (): number => this.count;

  /** tfjs-wasm's kernel `fallback` with `fast` answering first while the lever is on (null: `fallback` answers). */
  over(fallback: KernelConfig, fast: (args: KernelArgs) => TensorInfo | TensorInfo[] | null): KernelConfig {
    return kernelOver(fallback, 'wasm', (args) => {
      const out = this.on ? fast(args) : null;
      if (out) this.count++;
      return out;
    });
  }

  /**
   * True when kernels of our own (`kernels`, registered here on first use) run now: the lever on,
   * the wasm backend, and the f32 kernels able to work in its memory (WebAssembly SIMD, a plain memory).
   */
  active(kernels: readonly KernelConfig[]): boolean {
    if (!this.on || tf.getBackend() !== 'wasm') return false;
    if (!f32KernelsInBackend(tf.backend() as unknown as WasmBackendInternals)) return false;
    if (!this.registered) {
      for (const k of kernels) tf.registerKernel(k);
      this.registered = true;
    }
    return true;
  }
}
