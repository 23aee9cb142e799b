// The copy-free Identity and same-dtype Cast on wasm (models/aliasKernels.ts, training lever
// `aliasCopies`): a clone shares its source's buffer and outlives it, a cast to another dtype still
// converts, and student training steps give the same losses and the same weights, bit for bit,
// with the lever on and off, without leaking tensors.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { aliasedCopies, setAliasCopies } from '../../src/lib/models/aliasKernels';
import { installFastKernels } from '../../src/lib/models/layers';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { expectLeverBitIdentical } from './studentFixture';

afterAll(async () => {
  setAliasCopies(true);
  await tf.setBackend('cpu');
});

describe('copy-free Identity and Cast on wasm', () => {
  it('share the buffer where the dtype stays, convert where it changes, and count references', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    installFastKernels();
    const before = aliasedCopies();
    const x = tf.tensor2d([1.5, -2, 3, 4.25], [2, 2]);
    const c = tf.clone(x);
    const same = tf.cast(x, 'float32');
    const toInt = tf.cast(x, 'int32');
    expect(aliasedCopies() - before).toBe(2);
    expect(c.dataId).toBe(x.dataId);
    expect(toInt.dataId).not.toBe(x.dataId);
    x.dispose();
    // The buffer lives while a tensor holds it.
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    expect(Array.from(toInt.dataSync())).toEqual([1, -2, 3, 4]);
    tf.dispose([c, same, toInt]);
  });

  it('a student on wasm trains to the same bits with the lever on and off, tensor count steady', async () => {
    expect((await initNodeBackend('wasm')).name).toBe('wasm');
    expectLeverBitIdentical('aliasCopies', aliasedCopies);
  });
});
