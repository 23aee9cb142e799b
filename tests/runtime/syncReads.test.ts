// A synchronous tensor read (dataSync/arraySync/bufferSync) returns zeros in a worker on Chromium's WebGPU
// backend. Code that can run in the browser reads with `await data()`. This test fails when a new
// synchronous read appears; each one still allowed says why it is safe, or that it is known debt.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { filesUnder } from '../filesUnder';

const ALLOWED: Record<string, { count: number; why: string }> = {
  'src/lib/train/deviceTask.ts': { count: 1, why: 'runTaskSync, the cpu/wasm driver; webgpu runs the same task through runTaskAsync' },
  'src/lib/train/optim.ts': { count: 3, why: 'the cpu/wasm step, and getState after session.ts awaited every variable' },
  'src/lib/checkpoint/checkpoint.ts': { count: 1, why: 'weights read after session.ts awaited every variable' },
  'src/lib/models/layers.ts': { count: 1, why: 'weights read after session.ts awaited every variable' },
  'bench/suites/suites.ts': { count: 1, why: 'Node benchmarks only' },
  'bench/suites/leversBench.ts': {
    count: 1,
    why: 'Node benchmarks only: the teacher lever times a synchronous wasm step, its loss read back',
  },
};

describe('tensor reads in browser code', () => {
  it('are asynchronous, except where listed with a reason', () => {
    const found: Record<string, number> = {};
    for (const file of ['src/lib', 'bench/suites', 'src/ui', 'workers'].flatMap((d) => filesUnder(d, '.ts', '.svelte'))) {
      const code = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !/^\s*(\/\/|\*)/.test(l))
        .join('\n');
      const n = (code.match(/\.(dataSync|arraySync|bufferSync)\(/g) ?? []).length;
      if (n > 0) found[file.replace(/\\/g, '/')] = n;
    }
    const over = Object.entries(found).filter(([f, n]) => n > (ALLOWED[f]?.count ?? 0));
    expect(over, `new synchronous reads (use await tensor.data()): ${JSON.stringify(over)}`).toEqual([]);
    // Paid-off debt shrinks the list: an allowance nobody uses must go.
    const stale = Object.entries(ALLOWED).filter(([f, a]) => (found[f] ?? 0) < a.count);
    expect(stale.map(([f]) => f)).toEqual([]);
  });
});
