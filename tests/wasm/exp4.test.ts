import { describe, expect, it } from 'vitest';
import { compile, withIncludes } from '../../scripts/build-wasm';

// exp4 (src/lib/wasm/exp4.wat) builds 2^n from the bits of n + 1.5·2^23 and clamps with pmin/pmax;
// a wrong constant or operand order there shows up as a wrong power of two or a lost NaN.
async function exp4(): Promise<(xs: number[]) => Float32Array> {
  const text = await withIncludes(`(module (memory (export "memory") 1)
;; @include exp4.wat
(func (export "run") (param $n i32) (local $i i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    (v128.store (i32.add (i32.const 32768) (local.get $i)) (call $exp4 (v128.load (local.get $i))))
    (local.set $i (i32.add (local.get $i) (i32.const 16)))
    (br $next)))))`);
  const x = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(await compile('exp4-test', text))), {}).exports as {
    memory: WebAssembly.Memory;
    run(bytes: number): void;
  };
  return (xs) => {
    const n = Math.ceil(xs.length / 4) * 4;
    new Float32Array(x.memory.buffer, 0, n).set(xs);
    x.run(4 * n);
    return new Float32Array(x.memory.buffer, 32768, xs.length).slice();
  };
}

describe('exp4 (f32 lanes)', () => {
  it('is e^x within 3e-7 relative over the clamped range, its ends and every power of two included', async () => {
    const run = await exp4();
    const xs: number[] = [-87.33654, 88, 0, -0, 1, -1];
    for (let k = -126; k <= 127; k++) xs.push(k * Math.LN2, (k + 0.49) * Math.LN2);
    for (let i = 0; i < 4000; i++) xs.push(-87 + (175 * i) / 4000);
    const xs32 = xs.map(Math.fround).filter((x) => x >= -87.33654 && x <= 88);
    const got = run(xs32);
    xs32.forEach((x, i) => expect(Math.abs(got[i] / Math.exp(x) - 1)).toBeLessThan(3e-7));
  });

  it('clamps outside [−87.3, 88] and lets NaN through', async () => {
    const run = await exp4();
    const [lo, hi, negInf, posInf, nan] = run([-1000, 1000, -Infinity, Infinity, NaN]);
    const [atLo, atHi] = run([-87.33654, 88]);
    expect([lo, negInf]).toEqual([atLo, atLo]);
    expect([hi, posInf]).toEqual([atHi, atHi]);
    expect(atLo).toBeGreaterThan(0);
    expect(Number.isNaN(nan)).toBe(true);
  });
});
