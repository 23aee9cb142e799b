// Device reads as generators: every routine that needs values back from the
// device (losses, teacher outputs, the optimiser's norm check, weight snapshots, validation) is
// written once as a generator that yields its reads (DeviceTask) and is driven either synchronously
// (runTaskSync: dataSync on cpu/wasm) or asynchronously (runTaskAsync: await data(), any backend).
// The async driver is required on webgpu: tfjs-webgpu's dataSync goes through an OffscreenCanvas
// copy that, in a worker on Chromium, returns zeros and leaves the device unusable.
import * as tf from '@tensorflow/tfjs';
import type { AdamW, StepResult } from './optim';

/**
 * A request from a DeviceTask: the values of some tensors, one optimiser update, or the result of
 * a promise (other workers' gradients, dataParallel.ts: only the async driver can wait for it).
 */
export type DeviceIo = { read: tf.Tensor[] } | { update: tf.NamedTensorMap } | { wait: Promise<unknown> };
/** Values of the tensors read (in order), the optimiser's result, or what a `wait` resolved to. */
export type DeviceAnswer = Array<ArrayLike<number>> | StepResult | { waited: unknown };
/** A routine that needs device values, written once for the sync and the async driver. */
export type DeviceTask<T> = Generator<DeviceIo, T, DeviceAnswer>;

/** The optimiser update without a synchronous read, when AdamW offers one. */
interface AsyncStepOptimizer {
  stepAsync?(grads: tf.NamedTensorMap): Promise<StepResult>;
}

/** Runs a DeviceTask with dataSync reads (cpu, wasm; not webgpu). */
export function runTaskSync<T>(task: DeviceTask<T>, optimizer?: AdamW): T {
  let r = task.next(undefined as unknown as DeviceAnswer);
  try {
    while (!r.done) {
      const io = r.value;
      let answer: DeviceAnswer;
      if ('read' in io) answer = io.read.map((t) => t.dataSync());
      else if ('wait' in io) throw new Error('this task waits for other workers: run it with runTaskAsync');
      else if (optimizer) answer = optimizer.step(io.update);
      else throw new Error('this task needs an optimiser');
      r = task.next(answer);
    }
  } catch (e) {
    task.return(undefined as unknown as T); // runs the task's finally blocks (tensor disposal)
    throw e;
  }
  return r.value;
}

/** Runs a DeviceTask with asynchronous reads (any backend; the only safe way on webgpu). */
export async function runTaskAsync<T>(task: DeviceTask<T>, optimizer?: AdamW): Promise<T> {
  let r = task.next(undefined as unknown as DeviceAnswer);
  try {
    while (!r.done) {
      const io = r.value;
      let answer: DeviceAnswer;
      if ('read' in io) answer = await Promise.all(io.read.map((t) => t.data() as Promise<ArrayLike<number>>));
      else if ('wait' in io) answer = { waited: await io.wait };
      else if (optimizer) {
        const o = optimizer as AdamW & AsyncStepOptimizer;
        answer = o.stepAsync ? await o.stepAsync(io.update) : o.step(io.update);
      } else throw new Error('this task needs an optimiser');
      r = task.next(answer);
    }
  } catch (e) {
    task.return(undefined as unknown as T);
    throw e;
  }
  return r.value;
}

/** Yields one read request and returns the values (typed helper for `yield*`). */
export function* readValues(tensors: tf.Tensor[]): DeviceTask<Array<ArrayLike<number>>> {
  return (yield { read: tensors }) as Array<ArrayLike<number>>;
}

/** Yields a promise for the async driver to wait on and returns its value (typed helper for `yield*`). */
export function* waitFor<T>(p: Promise<T>): DeviceTask<T> {
  const a = (yield { wait: p }) as { waited: unknown };
  return a.waited as T;
}
