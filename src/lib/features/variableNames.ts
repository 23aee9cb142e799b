// Variable naming. tfjs refuses two live variables with the same name, so a second instance of a
// model gets "name#2"; checkpoints and optimiser state use the canonical name without the suffix,
// so they load into any instance. Its own module so that optim.ts and checkpoint.ts both use it
// without importing each other.
import * as tf from '@tensorflow/tfjs';

/** `base`, or `base#k` with the smallest k ≥ 2 not registered yet in the tfjs engine. */
export function uniqueVariableName(base: string): string {
  const registered = tf.engine().registeredVariables;
  if (registered[base] == null) return base;
  for (let k = 2; ; k++) {
    const name = `${base}#${k}`;
    if (registered[name] == null) return name;
  }
}

export function canonicalName(name: string): string {
  return name.replace(/#\d+$/, '');
}
