import { describe, expect, it } from 'vitest';
import { NodeSlab } from '../../src/lib/generate/nodeSlab';

// The decoder's slab memory: pooled arrays are zeroed views of shared buffers, and recycle() hands
// the same buffers out again, zeroed, instead of fresh ones.
describe('NodeSlab', () => {
  it('hands out zeroed views, reuses its buffers after recycle(), and keeps unpooled arrays apart', () => {
    const slab = new NodeSlab();
    const a = slab.array(Float32Array, 512, true);
    const b = slab.array(Float64Array, 3, true);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset % 8).toBe(0);
    a.fill(7);
    b.fill(9);
    const own = slab.array(Int32Array, 4, false);
    expect(own.buffer).not.toBe(a.buffer);
    // Past one buffer (4 MiB): the next one.
    const big = slab.array(Float32Array, 1 << 20, true);
    expect(big.buffer).not.toBe(a.buffer);
    big.fill(3);
    slab.recycle();
    const a2 = slab.array(Float32Array, 512, true);
    expect(a2.buffer).toBe(a.buffer);
    expect(a2.every((v) => v === 0)).toBe(true);
    const b2 = slab.array(Float64Array, 3, true);
    expect(Array.from(b2)).toEqual([0, 0, 0]);
    const big2 = slab.array(Float32Array, 1 << 20, true);
    expect(big2.buffer).toBe(big.buffer);
    expect(big2.every((v) => v === 0)).toBe(true);
  });

  it('gives an array larger than a buffer a buffer of its own size, also after recycle()', () => {
    const slab = new NodeSlab();
    slab.array(Float32Array, 10, true);
    slab.recycle();
    const huge = slab.array(Float32Array, 2 << 20, true);
    expect(huge.length).toBe(2 << 20);
    expect(huge.buffer.byteLength).toBeGreaterThanOrEqual(8 << 20);
  });
});
