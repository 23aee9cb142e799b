// The prepared device call's benchmark (bench/gpu/README.md): on one machine, our student on
// WebGPU (Dawn, the machine's Vulkan driver) and on wasm, against the PyTorch peer (CUDA where torch
// sees a GPU, else its CPU), the same model and the same batches as `npm run bench -- --peer`.
// Prints one JSON object on stdout: the adapter (or the one-line reason there is none), the
// training step (batch of trips) and the search-step scoring (batch of prefixes) of each backend,
// each round interleaved with the peer's (ratios per round), and generation trips/s (beam search
// over test OD pairs; the peer has no search loop of its own). Progress goes to stderr.
//
// Run it through bench/gpu/run.sh (which finds node, Dawn and the Vulkan driver), or from the repo:
//   npx tsx bench/gpu/gpuBench.ts [--rounds 5] [--gen-ods 32] [--backends wasm,webgpu] [--profile] [--lever-off fusedAdamW]
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { dawnDir, useDawnGpu } from '../../src/cli/common/dawn';
import { probeWebGpuAdapter, selectBackend } from '../../src/lib/runtime/backend';
import { nodeWasmDir } from '../../src/lib/runtime/node';
import { loadStudentScorer } from '../../src/lib/eval/protocol';
import { generateRoutes } from '../../src/lib/generate/generator';
import { buildPeerExport, PEER_CHECKPOINT, type PeerExportResult } from '../suites/peerExport';
import { generationSearch, testOdPairs } from '../suites/suites';
import { summarize } from '../suites/stats';
import { findTorchPython, oursOnExport, PeerProcess, trainerOnExport, writePeerExport } from '../cli/peerBench';
import { loadStudent } from '../../src/lib/checkpoint/loadModel';
import { TRAINING_LEVERS_ON, type TrainingLevers } from '../../src/lib/train/trainingLevers';
import type { StudentTrainer } from '../../src/lib/train/studentTrainer';
import type { Dataset } from '../../src/lib/data/types';
import type { Derived } from '../../src/lib/data/derivedTypes';

type Backend = 'wasm' | 'webgpu';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string', default: 'public/data/porto' },
    checkpoint: { type: 'string', default: PEER_CHECKPOINT },
    dawn: { type: 'string' },
    'wasm-dir': { type: 'string' },
    backends: { type: 'string', default: 'wasm,webgpu' },
    rounds: { type: 'string', default: '5' },
    'train-batch': { type: 'string', default: '32' },
    'gen-batch': { type: 'string', default: '256' },
    'gen-ods': { type: 'string', default: '32' },
    'peer-device': { type: 'string' },
    // Rounds stop, and generation is left out, once the run has taken this long (the call's limit).
    'max-seconds': { type: 'string', default: '360' },
    // One more training step and scoring step under tf.profile: kernels per step and the costliest.
    profile: { type: 'boolean', default: false },
    // A training lever (src/lib/train/trainingLevers.ts) switched off in a second trainer, timed in
    // the same rounds: what the lever is worth on this backend (training.leverOff).
    'lever-off': { type: 'string' },
  },
});

const started = performance.now();
function log(s: string): void {
  process.stderr.write(`[gpu-bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${s}\n`);
}

function overBudget(): boolean {
  return (performance.now() - started) / 1000 > Number(flags['max-seconds']);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function int(name: keyof typeof flags): number {
  const v = Number(flags[name]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${String(flags[name])}`);
  return v;
}

const ms = (a: number[]) => {
  const s = summarize(a);
  return { medianMs: s.median, q1Ms: s.q1, q3Ms: s.q3, n: s.n };
};
const ratio = (a: number[], b: number[]) => {
  const s = summarize(a.map((x, i) => x / b[i]));
  return { median: s.median, q1: s.q1, q3: s.q3, n: s.n };
};

/** Where torch runs: CUDA when it sees a GPU (or --peer-device says so), else the CPU. */
function peerDevice(python: string): 'cpu' | 'cuda' {
  const asked = flags['peer-device'];
  if (asked === 'cpu' || asked === 'cuda') return asked;
  const r = spawnSync(python, ['-c', 'import torch; print(torch.cuda.is_available())'], { encoding: 'utf8' });
  return r.stdout.trim() === 'True' ? 'cuda' : 'cpu';
}

async function use(name: Backend): Promise<void> {
  const info = await selectBackend({ preferred: name, order: [name], wasmPaths: flags['wasm-dir'] ?? nodeWasmDir() });
  if (info.name !== name) throw new Error(`backend ${name} did not start: ${info.tried.map((t) => t.error).join('; ')}`);
}

interface Ctx {
  dataset: Dataset;
  derived: Derived;
  ckBytes: Uint8Array;
  ex: PeerExportResult;
  peer: PeerProcess | null;
  rounds: number;
  genOds: number;
}

/** One backend's block: training step and scoring step interleaved with the peer's, then generation. */
async function backendBlock(backend: Backend, c: Ctx): Promise<Record<string, unknown>> {
  await use(backend);
  const { trainTrips, genBatch } = c.ex.inputs;
  const ours = oursOnExport(c.ex, c.dataset, c.derived, c.ckBytes);
  const { trainer, scoreStep: oursGen } = ours;
  const leverName = flags['lever-off'] as keyof TrainingLevers | undefined;
  let without: StudentTrainer | null = null;
  try {
    if (leverName) {
      if (!(leverName in TRAINING_LEVERS_ON))
        throw new Error(`--lever-off: no lever ${leverName} (${Object.keys(TRAINING_LEVERS_ON).join(', ')})`);
      const loaded = loadStudent(c.ckBytes, c.derived);
      try {
        without = trainerOnExport(c.ex, c.dataset, c.derived, loaded.checkpoint, { ...TRAINING_LEVERS_ON, [leverName]: false });
      } finally {
        loaded.model.dispose();
      }
      await without.stepAsync(); // its warm-up
    }
    const peerMs = async (cmd: 'train' | 'gen'): Promise<number> => (c.peer ? ((await c.peer.ask(cmd)).ms as number) : NaN);
    log(`${backend}: warm-up (first training step and scoring step: kernels, pipelines)`);
    let t0 = performance.now();
    const first = await trainer.stepAsync();
    const firstTrainMs = performance.now() - t0;
    await oursGen();
    await peerMs('train');
    await peerMs('gen');
    const t = {
      oursTrain: [] as number[],
      peerTrain: [] as number[],
      oursGen: [] as number[],
      peerGen: [] as number[],
      off: [] as number[],
    };
    for (let r = 0; r < c.rounds; r++) {
      if (r > 0 && overBudget()) break;
      log(`${backend}: round ${r + 1}/${c.rounds}`);
      t0 = performance.now();
      await trainer.stepAsync();
      t.oursTrain.push(performance.now() - t0);
      if (without) {
        t0 = performance.now();
        await without.stepAsync();
        t.off.push(performance.now() - t0);
      }
      t.peerTrain.push(await peerMs('train'));
      t0 = performance.now();
      await oursGen();
      t.oursGen.push(performance.now() - t0);
      t.peerGen.push(await peerMs('gen'));
    }
    let profile: Record<string, unknown> | undefined;
    if (flags.profile) {
      log(`${backend}: one training step and one scoring step under tf.profile`);
      // A profile that fails costs its own figures only, not the block's timings above.
      try {
        profile = { training: await profileOnce(() => trainer.stepAsync()), scoring: await profileOnce(oursGen) };
      } catch (e) {
        profile = { error: message(e) };
      }
    }
    log(`${backend}: generation, ${c.genOds} test OD pairs, beam 4`);
    const gen = overBudget() ? { skipped: 'over --max-seconds' } : await generationTripsPerSec(c);
    return {
      firstStep: { loss: first.total, ms: firstTrainMs },
      training: {
        batch: trainTrips.length,
        ours: ms(t.oursTrain),
        ...(c.peer ? { peer: ms(t.peerTrain), peerOverOurs: ratio(t.peerTrain, t.oursTrain) } : {}),
        ...(without ? { leverOff: { lever: leverName, ms: ms(t.off), offOverOurs: ratio(t.off, t.oursTrain) } } : {}),
      },
      scoring: {
        prefixes: genBatch.N,
        ours: ms(t.oursGen),
        ...(c.peer ? { peer: ms(t.peerGen), peerOverOurs: ratio(t.peerGen, t.oursGen) } : {}),
      },
      generation: gen,
      ...(profile ? { profile } : {}),
    };
  } finally {
    without?.dispose();
    ours.dispose();
  }
}

/**
 * One call of `fn` under tf.profile: how many kernels it dispatches, their summed time where the
 * backend can time them (WebGPU needs timestamp queries; else null), the wall time of the profiled
 * call (tf.profile's own overhead included), and the ten kernels with the most time (else the most
 * calls). Many cheap kernels and little kernel time mean the step is bound by dispatch, not by math.
 */
async function profileOnce(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await fn();
    return tf.scalar(0);
  });
  const wallMs = performance.now() - t0;
  const byName = new Map<string, { calls: number; ms: number }>();
  let timed = true;
  for (const k of info.kernels) {
    const t = k.kernelTimeMs;
    const ms = typeof t === 'number' ? t : NaN;
    if (!Number.isFinite(ms)) timed = false;
    const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += Number.isFinite(ms) ? ms : 0;
    byName.set(k.name, e);
  }
  const rows = [...byName].map(([name, e]) => ({ name, ...e }));
  rows.sort((a, b) => (timed ? b.ms - a.ms : b.calls - a.calls));
  return {
    kernels: info.kernels.length,
    kernelMs: timed ? rows.reduce((a, r) => a + r.ms, 0) : null,
    wallMs,
    top: rows.slice(0, 10),
  };
}

/** Beam search (beam 4, batched) over test OD pairs with the app's scorer: trips per second, after a warm-up on two. */
async function generationTripsPerSec(c: Ctx): Promise<Record<string, number | string>> {
  const m = loadStudentScorer(c.ckBytes, c.dataset.network, c.derived);
  try {
    const ods = testOdPairs(c.dataset, c.genOds, 11);
    const opts = { ...generationSearch(c.derived), method: 'beam' as const, batchSize: 256 };
    await generateRoutes(m.scorer, ods.slice(0, 2), opts);
    const t0 = performance.now();
    const routes = await generateRoutes(m.scorer, ods, opts);
    const seconds = (performance.now() - t0) / 1000;
    return {
      ods: ods.length,
      seconds,
      tripsPerSec: ods.length / seconds,
      reachedRate: routes.filter((r) => r.reached).length / routes.length,
    };
  } finally {
    m.dispose();
  }
}

async function main(): Promise<void> {
  const rounds = int('rounds');
  const backends = (flags.backends ?? '').split(',').filter((b): b is Backend => b === 'wasm' || b === 'webgpu');
  const out: Record<string, unknown> = {
    schema: 'trajdistill-gpu-bench/1',
    created: new Date().toISOString(),
    node: process.version,
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    rounds,
  };
  // Stopped from outside (run.sh's timeout): what was measured so far still comes out.
  process.once('SIGTERM', () => {
    process.stdout.write(
      JSON.stringify({ ...out, incomplete: `stopped (SIGTERM) after ${((performance.now() - started) / 1000).toFixed(0)} s` }, null, 2) +
        '\n',
    );
    process.exit(124);
  });

  // WebGPU first: tfjs-backend-webgpu registers only where navigator.gpu exists when it loads.
  let webgpu: Record<string, unknown>;
  if (!backends.includes('webgpu')) webgpu = { adapter: null, reason: 'not asked for (--backends)' };
  else {
    const dawn = await useDawnGpu(flags.dawn ?? dawnDir()).catch((e: unknown) => ({ ok: false as const, reason: message(e) }));
    webgpu = dawn.ok ? { adapter: await probeWebGpuAdapter() } : { adapter: null, reason: dawn.reason };
    log(dawn.ok ? `webgpu adapter: ${dawn.detail}` : `no webgpu adapter: ${dawn.reason}`);
  }
  out.webgpu = webgpu;

  await use('wasm');
  log(`loading ${flags.data} and ${flags.checkpoint}`);
  const { dataset, derived } = await loadDatasetWithDerived(flags.data!);
  const ckBytes = new Uint8Array(await readFile(flags.checkpoint!));
  const ex = await buildPeerExport({
    dataset,
    derived,
    checkpointBytes: ckBytes,
    checkpointName: flags.checkpoint!,
    trainBatch: int('train-batch'),
    genBatch: int('gen-batch'),
    searchOds: 4,
  });
  const dir = await writePeerExport(ex);
  const python = findTorchPython();
  let peer: PeerProcess | null = null;
  try {
    if (!python) out.peer = { reason: 'no python3 with torch and numpy on this machine' };
    else {
      const device = peerDevice(python);
      peer = new PeerProcess(python, dir, 1, device);
      const info = await peer.ready();
      log(`peer: torch ${String(info.torch)} on ${String(info.device)}${info.gpu ? ` (${String(info.gpu)})` : ''}; checking agreement`);
      const check = await peer.ask('check');
      const ours = check.ours as { total: number; gradNorm: number };
      out.peer = {
        python,
        torch: info.torch,
        device: info.device,
        gpu: info.gpu,
        threads: info.threads,
        check: {
          lossRelDiff: Math.abs((check.total as number) - ours.total) / Math.max(1e-12, Math.abs(ours.total)),
          gradNormRelDiff: Math.abs((check.gradNorm as number) - ours.gradNorm) / Math.max(1e-12, ours.gradNorm),
          genMaxAbsLogProbDiff: check.genMaxAbsLogProbDiff,
          search: check.search,
        },
      };
    }
    const ctx: Ctx = { dataset, derived, ckBytes, ex, peer, rounds, genOds: int('gen-ods') };
    const results: Record<string, unknown> = {};
    for (const b of backends) {
      if (b === 'webgpu' && webgpu.adapter === null) continue;
      try {
        out.backends = results;
        results[b] = await backendBlock(b, ctx);
      } catch (e) {
        results[b] = { error: message(e) };
        log(`${b} failed: ${message(e)}`);
      }
    }
    out.backends = results;
    // WebGPU against wasm: each block's medians, measured one block after the other (the peer,
    // timed in both, shows whether the machine changed speed between them).
    const w = results.wasm as { training?: { ours: { medianMs: number } }; scoring?: { ours: { medianMs: number } } } | undefined;
    const g = results.webgpu as typeof w;
    if (w?.training && g?.training && w.scoring && g.scoring)
      out.wasmOverWebgpu = {
        training: w.training.ours.medianMs / g.training.ours.medianMs,
        scoring: w.scoring.ours.medianMs / g.scoring.ours.medianMs,
      };
  } finally {
    peer?.close();
    await rm(dir, { recursive: true, force: true });
  }
  out.seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  // dawn.node keeps the process alive while navigator.gpu holds it.
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`gpu-bench: ${message(e)}\n`);
  process.exit(1);
});
