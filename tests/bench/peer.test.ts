// The PyTorch peer (bench/cli/peer/peer.py) agrees with ours before anything is timed:
// the same loss parts and gradient norm on a training batch of a Porto checkpoint, the same
// log-probs on a search step's batch, and the same beam-search selections and routes (it replays
// our recorded search, choosing every step's beams itself). Needs python3 with Debian's torch
// (bench/cli/peer/install.sh); without it the test is skipped and says so.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { buildPeerExport, PEER_CHECKPOINT } from '../../bench/suites/peerExport';
import { PEER_SCRIPT, cpuOf, findTorchPython, writePeerExport } from '../../bench/cli/peerBench';

const python = findTorchPython();
if (!python)
  console.warn('SKIPPED tests/bench/peer.test.ts: no python3 imports torch and numpy (run bench/cli/peer/install.sh, or set PEER_PYTHON)');

describe.skipIf(!python)('PyTorch peer', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('agrees with ours on the loss, the gradient norm, the scores and the chosen routes', async () => {
    const { dataset, derived } = await loadDatasetWithDerived('public/data/porto');
    // The shipped student reads route features, which the peer lacks.
    const ckPath = PEER_CHECKPOINT;
    const ex = await buildPeerExport({
      dataset,
      derived,
      checkpointBytes: new Uint8Array(await readFile(ckPath)),
      checkpointName: ckPath,
      trainBatch: 8,
      genBatch: 16,
      searchOds: 4,
      maxSteps: 40,
    });
    const dir = await writePeerExport(ex);
    try {
      const r = spawnSync(python as string, [PEER_SCRIPT, dir, 'check'], { encoding: 'utf8', maxBuffer: 1 << 24 });
      expect(r.status, r.stderr).toBe(0);
      const c = JSON.parse(r.stdout.trim().split('\n').pop() as string) as {
        total: number;
        ce: number;
        time: number;
        gradNorm: number;
        genMaxAbsLogProbDiff: number;
        ours: { total: number; ce: number; time: number; gradNorm: number };
        search: { agree: boolean; steps: number; reached: number; ods: number };
      };
      expect(c.ours.total).toBeGreaterThan(0);
      expect(Math.abs(c.total - c.ours.total)).toBeLessThan(1e-5 * c.ours.total);
      expect(Math.abs(c.ce - c.ours.ce)).toBeLessThan(1e-5 * Math.max(1, c.ours.ce));
      expect(Math.abs(c.time - c.ours.time)).toBeLessThan(1e-5 * Math.max(1, c.ours.time));
      expect(Math.abs(c.gradNorm - c.ours.gradNorm)).toBeLessThan(1e-4 * c.ours.gradNorm);
      expect(c.genMaxAbsLogProbDiff).toBeLessThan(1e-4);
      expect(c.search.steps).toBeGreaterThan(5);
      expect(c.search.reached).toBeGreaterThan(0);
      expect(c.search.agree).toBe(true);
      // Every recorded route is one the peer chose too (agree covers each OD pair); sanity: ours exist.
      expect(ex.manifest.search.routes.length).toBe(4);
      // The peer names its BLAS (issue 67): torch's build lines, the libraries it mapped, and every
      // OPENBLAS_* setting of its environment (this machine's, unchanged).
      const s = spawnSync(python as string, [PEER_SCRIPT, dir, 'serve', '1'], { input: 'quit\n', encoding: 'utf8', maxBuffer: 1 << 24 });
      expect(s.status, s.stderr).toBe(0);
      const ready = JSON.parse(s.stdout.trim().split('\n')[0]) as {
        torch: string;
        blas: { build: Record<string, string>; libraries: string[]; env: Record<string, string>; openblas: { threads: number } | null };
      };
      expect(ready.torch).toMatch(/^\d+\.\d+/);
      expect(ready.blas.build.BLAS_INFO).toBeTruthy();
      expect(ready.blas.libraries.some((l) => /blas/i.test(l))).toBe(true);
      expect(ready.blas.env).toEqual(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('OPENBLAS_'))));
      if (ready.blas.openblas) expect(ready.blas.openblas.threads).toBe(1);
      expect(cpuOf().model).toBeTruthy();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
