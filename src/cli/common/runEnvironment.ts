// What a run's report records about the machine it ran on, in one shape for every command, so
// figures from two reports can be told apart by machine and runtime.
import * as tf from '@tensorflow/tfjs';
import { arch, cpus, platform } from 'node:os';

// A type alias, not an interface, so that it fits the reports' Record<string, …> fields.
export type RunEnvironment = {
  backend: string;
  node: string;
  tfjs: string;
  platform: string;
  cpus: number;
  cpuModel: string;
};

export function runEnvironment(backend: string): RunEnvironment {
  return {
    backend,
    node: process.version,
    tfjs: tf.version.tfjs,
    platform: `${platform()} ${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
  };
}

/** A progress logger that prints at most once every `everyMs` (long runs stay readable). */
export function throttledLog(everyMs: number, print: (line: string) => void = console.error): (line: () => string) => void {
  let last = 0;
  return (line) => {
    const now = performance.now();
    if (now - last <= everyMs) return;
    last = now;
    print(line());
  };
}
