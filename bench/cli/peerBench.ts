// `bench --peer`: our student against its PyTorch peer (bench/cli/peer/peer.py, Debian python3-torch),
// on the same inputs in one run. Node-only: it writes the peer export to a
// temporary folder and drives the peer as a child process (one JSON line per command).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { buildPeerExport, type PeerExportOptions, type PeerExportResult } from '../suites/peerExport';
import { loadStudent, loadStudentWeights } from '../../src/lib/checkpoint/loadModel';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_ON, type TrainingLevers } from '../../src/lib/train/trainingLevers';
import { setFastSlice } from '../../src/lib/models/sliceKernels';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import type { StepQuery, StepScores } from '../../src/lib/generate/search';
import { summarize } from '../suites/stats';

export const PEER_SCRIPT = 'bench/cli/peer/peer.py';

/** The training levers of commit 04c652e (issue 67's start), timed beside today's. */
const ISSUE_67_BASE_LEVERS: TrainingLevers = { ...TRAINING_LEVERS_ON, fastSlice: false };

/** A python3 that imports torch: $PEER_PYTHON, python3 on PATH, then Debian's /usr/bin/python3. */
export function findTorchPython(): string | null {
  const candidates = [process.env.PEER_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

/**
 * The processor both sides ran on: Node's model name and, on Linux, /proc/cpuinfo's vendor, family,
 * model and the vector extensions that decide which BLAS kernels run (a VM may hide the full name).
 */
export function cpuOf(): Record<string, unknown> {
  const out: Record<string, unknown> = { model: cpus()[0]?.model ?? '', cpus: cpus().length };
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0];
    const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1];
    const flags = new Set((field('flags') ?? '').split(' '));
    out.vendor = field('vendor_id');
    out.family = Number(field('cpu family'));
    out.modelId = Number(field('model'));
    out.vector = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx_vnni'].filter((f) => flags.has(f));
  } catch {
    // not Linux: the model name is all there is
  }
  return out;
}

/** Writes the export to a new temporary folder; returns it (the caller removes it). */
export async function writePeerExport(ex: PeerExportResult): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trajdistill-peer-'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(ex.manifest));
  await writeFile(join(dir, 'data.bin'), ex.data);
  return dir;
}

/** The peer as a child process: one command a line on stdin, one JSON line back (peer.py serve). */
export class PeerProcess {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private failWaiting: ((e: Error) => void) | null = null;
  private exited: Error | null = null;
  private stderr = '';

  /** `device`: torch's device for the model and the batches ('cpu', or 'cuda' on a GPU machine: bench/gpu/). */
  constructor(python: string, dir: string, threads: number, device: 'cpu' | 'cuda' = 'cpu') {
    this.proc = spawn(python, [PEER_SCRIPT, dir, 'serve', String(threads), device]);
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    // One exit listener for the process's life (one per wait piled up past Node's listener limit).
    this.proc.once('exit', (code) => {
      this.exited = new Error(`the peer exited (${code}): ${this.stderr.slice(-2000)}`);
      this.failWaiting?.(this.exited);
    });
    createInterface({ input: this.proc.stdout }).on('line', (l) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(l);
      } else this.lines.push(l);
    });
  }

  private next(): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  async ready(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.next()) as Record<string, unknown>;
  }

  async ask(cmd: string): Promise<Record<string, unknown>> {
    this.proc.stdin.write(cmd + '\n');
    const r = JSON.parse(await this.next()) as Record<string, unknown>;
    if (r.error) throw new Error(`peer: ${String(r.error)}`);
    return r;
  }

  close(): void {
    this.proc.stdin.write('quit\n');
    this.proc.stdin.end();
  }
}

/** The export's inputs (the bench picks the search size itself), plus how long and wide to time. */
export interface PeerBenchOptions extends Pick<
  PeerExportOptions,
  'dataset' | 'derived' | 'checkpointBytes' | 'checkpointName' | 'trainBatch' | 'genBatch'
> {
  rounds: number;
  threads: number;
  log: (s: string) => void;
}

/** A trainer on the export's training batch at the checkpoint's weights, with the given levers. */
export function trainerOnExport(
  ex: PeerExportResult,
  dataset: PeerBenchOptions['dataset'],
  derived: PeerBenchOptions['derived'],
  ck: ReturnType<typeof loadStudent>['checkpoint'],
  levers: TrainingLevers = TRAINING_LEVERS_ON,
): StudentTrainer {
  const { trainTrips, config, maxLen } = ex.inputs;
  const trainer = new StudentTrainer({
    network: dataset.network,
    derived,
    train: trainTrips,
    studentConfig: { ...config, freezeEncoders: false },
    options: {
      mode: 'vanilla',
      batchSize: trainTrips.length,
      microBatch: trainTrips.length,
      maxLen,
      epochs: 1_000_000,
      seed: 42,
      ...levers,
    },
  });
  try {
    loadStudentWeights(trainer.student, ck);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return trainer;
}

/** Our side of the GPU bench (bench/gpu/), on the active backend: the trainer, and the tfjs forward over the export's search batch. */
export function oursOnExport(
  ex: PeerExportResult,
  dataset: PeerBenchOptions['dataset'],
  derived: PeerBenchOptions['derived'],
  checkpointBytes: Uint8Array,
): { trainer: StudentTrainer; scoreStep: () => Promise<void>; dispose(): void } {
  const { checkpoint: ck, model: scorer } = loadStudent(checkpointBytes, derived);
  let trainer: StudentTrainer;
  let enc: ReturnType<typeof scorer.encodeNetwork>;
  try {
    trainer = trainerOnExport(ex, dataset, derived, ck);
  } catch (e) {
    scorer.dispose();
    throw e;
  }
  const dispose = () => {
    trainer.dispose();
    scorer.dispose();
  };
  try {
    enc = scorer.encodeNetwork();
  } catch (e) {
    dispose();
    throw e;
  }
  const scoreStep = async (): Promise<void> => {
    const [lp, tp] = tf.tidy(() => {
      const out = scorer.forward(ex.inputs.genBatch, enc);
      return [tf.logSoftmax(out.logits), out.timePred];
    });
    await Promise.all([lp.data(), tp.data()]);
    tf.dispose([lp, tp]);
  };
  return { trainer, scoreStep, dispose };
}

export async function peerBench(o: PeerBenchOptions): Promise<Record<string, unknown>> {
  const python = findTorchPython();
  if (!python) throw new Error('--peer needs python3 with torch and numpy: run bench/cli/peer/install.sh (Debian python3-torch)');
  o.log('peer: exporting weights and inputs');
  const ex = await buildPeerExport({
    dataset: o.dataset,
    derived: o.derived,
    checkpointBytes: o.checkpointBytes,
    checkpointName: o.checkpointName,
    trainBatch: o.trainBatch,
    genBatch: o.genBatch,
    searchOds: 4,
  });
  const dir = await writePeerExport(ex);
  const peer = new PeerProcess(python, dir, o.threads);
  const { trainTrips, genBatch, genQueries, genStart, ctx } = ex.inputs;
  const { checkpoint: ck, model: scorer } = loadStudent(o.checkpointBytes, o.derived);
  const trainer = trainerOnExport(ex, o.dataset, o.derived, ck);
  // Ours as of issue 67's start (commit 04c652e): every lever it had, without fastSlice.
  const trainerBase = trainerOnExport(ex, o.dataset, o.derived, ck, ISSUE_67_BASE_LEVERS);
  // What route search scores with (generate/studentScorer.ts): the host decoder, one start time.
  const host = new StudentScorer(scorer, ctx, o.derived, { startTime: genStart });
  try {
    const enc = scorer.encodeNetwork();
    // The tfjs forward over the whole batch (what this bench timed as ours before issue 67; with
    // fastSlice off, as it ran then).
    const oursTfjs = async (fastSlice = true): Promise<Float32Array> => {
      setFastSlice(fastSlice);
      const [lp, tp] = tf.tidy(() => {
        const out = scorer.forward(genBatch, enc);
        return [tf.logSoftmax(out.logits), out.timePred];
      });
      const [lpv] = await Promise.all([lp.data() as Promise<Float32Array>, tp.data()]);
      tf.dispose([lp, tp]);
      setFastSlice(true);
      return lpv;
    };
    // The same 256 prefixes through the search's scorer, none scored before: each encoded from its
    // origin on the host (a prefill), the same work as the peer's step.
    const oursHost = () => {
      host.forgetPrefixes();
      return host.scoreBatch(genQueries);
    };
    // The step a search repeats: the same prefixes with their parents (all but the last road)
    // scored before, so one new position each on the cached keys/values. Not the peer's work (it
    // re-encodes every prefix, as HOSER's code does); reported beside it, not as the ratio.
    const parents: StepQuery[] = genQueries.map((q) => ({ prefix: q.prefix.slice(0, -1), dest: q.dest }));
    const children: StepQuery[] = genQueries.map((q, i) => ({ prefix: q.prefix, dest: q.dest, parent: parents[i].prefix }));
    const oursStep = async (): Promise<number> => {
      host.forgetPrefixes();
      await host.scoreBatch(parents);
      const t0 = performance.now();
      await host.scoreBatch(children);
      return performance.now() - t0;
    };
    const info = await peer.ready();
    o.log(`peer: torch ${String(info.torch)}, ${String(info.threads)} thread(s); checking agreement`);
    const check = await peer.ask('check');
    const search = check.search as { agree: boolean };
    const ours = check.ours as { total: number; gradNorm: number };
    const lossRel = Math.abs((check.total as number) - ours.total) / Math.max(1e-12, Math.abs(ours.total));
    const normRel = Math.abs((check.gradNorm as number) - ours.gradNorm) / Math.max(1e-12, ours.gradNorm);
    const agrees = search.agree && lossRel < 1e-4 && normRel < 1e-3 && (check.genMaxAbsLogProbDiff as number) < 1e-4;
    if (!agrees) throw new Error(`the peer disagrees with ours: ${JSON.stringify(check)}`);
    // Our host scorer against our tfjs forward (which the peer matched above): same candidates, log-probs within 1e-4.
    const hostDiff = hostAgreement(await oursHost(), await oursTfjs(), genBatch.C);
    if (!(hostDiff < 1e-4)) throw new Error(`our host scorer disagrees with our tfjs forward: max |Δ log p| = ${hostDiff}`);
    // Warm-up, then interleaved rounds (ours, peer): per-round ratios peer / ours.
    trainer.step();
    trainerBase.step();
    await peer.ask('train');
    await oursStep();
    await oursTfjs();
    await oursTfjs(false);
    await peer.ask('gen');
    const t: Record<
      'oursTrain' | 'oursTrainBase' | 'peerTrain' | 'oursGen' | 'oursTfjsGen' | 'oursTfjsBase' | 'oursStep' | 'peerGen',
      number[]
    > = { oursTrain: [], oursTrainBase: [], peerTrain: [], oursGen: [], oursTfjsGen: [], oursTfjsBase: [], oursStep: [], peerGen: [] };
    const load0 = loadavg();
    // Where our scoring step's time went (StudentScorer.phaseMs), mean ms per round.
    const oursPhases: Record<string, number> = {};
    for (let r = 0; r < o.rounds; r++) {
      o.log(`peer: round ${r + 1}/${o.rounds}`);
      let t0 = performance.now();
      trainer.step();
      t.oursTrain.push(performance.now() - t0);
      t.peerTrain.push((await peer.ask('train')).ms as number);
      t0 = performance.now();
      trainerBase.step();
      t.oursTrainBase.push(performance.now() - t0);
      const phases0 = { ...host.phaseMs };
      t0 = performance.now();
      await oursHost();
      t.oursGen.push(performance.now() - t0);
      for (const [k, v] of Object.entries(host.phaseMs)) oursPhases[k] = (oursPhases[k] ?? 0) + (v - (phases0[k] ?? 0)) / o.rounds;
      t.peerGen.push((await peer.ask('gen')).ms as number);
      t0 = performance.now();
      await oursTfjs();
      t.oursTfjsGen.push(performance.now() - t0);
      t0 = performance.now();
      await oursTfjs(false);
      t.oursTfjsBase.push(performance.now() - t0);
      t.oursStep.push(await oursStep());
    }
    const ratio = (a: number[], b: number[]) => {
      const r = summarize(a.map((x, i) => x / b[i]));
      return { median: r.median, q1: r.q1, q3: r.q3, n: r.n };
    };
    const ms = (a: number[]) => {
      const s = summarize(a);
      return { medianMs: s.median, q1Ms: s.q1, q3Ms: s.q3, n: s.n };
    };
    return {
      machine: { cpu: cpuOf(), loadAvgStart: load0, loadAvgEnd: loadavg() },
      python,
      torch: info.torch,
      torchThreads: info.threads,
      blas: info.blas,
      check: {
        lossOurs: ours.total,
        lossPeer: check.total,
        lossRelDiff: lossRel,
        gradNormOurs: ours.gradNorm,
        gradNormPeer: check.gradNorm,
        gradNormRelDiff: normRel,
        genMaxAbsLogProbDiff: check.genMaxAbsLogProbDiff,
        hostMaxAbsLogProbDiff: hostDiff,
        search: check.search,
      },
      training: {
        batch: trainTrips.length,
        ours: ms(t.oursTrain),
        peer: ms(t.peerTrain),
        peerOverOurs: ratio(t.peerTrain, t.oursTrain),
        /** Ours at issue 67's start (fastSlice off), in the same rounds. */
        oursBase: ms(t.oursTrainBase),
        baseOverOurs: ratio(t.oursTrainBase, t.oursTrain),
      },
      generation: {
        batch: genBatch.N,
        prefixLen: 16,
        ours: ms(t.oursGen),
        peer: ms(t.peerGen),
        peerOverOurs: ratio(t.peerGen, t.oursGen),
        oursPhasesMs: Object.fromEntries(Object.entries(oursPhases).map(([k, v]) => [k, Math.round(v * 10) / 10])),
        oursTfjsForward: ms(t.oursTfjsGen),
        peerOverOursTfjsForward: ratio(t.peerGen, t.oursTfjsGen),
        /** What this figure timed at issue 67's start: the tfjs forward with tfjs-wasm's Slice/SplitV. */
        oursBase: ms(t.oursTfjsBase),
        baseOverOurs: ratio(t.oursTfjsBase, t.oursGen),
        /** Ours with the parents cached (what a search step does); the peer's figure re-encodes every prefix. */
        oursIncrementalStep: ms(t.oursStep),
        peerFullOverOursIncrementalStep: ratio(t.peerGen, t.oursStep),
      },
    };
  } finally {
    peer.close();
    host.dispose();
    trainer.dispose();
    trainerBase.dispose();
    scorer.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Largest |Δ log p| between our host scorer's answers and the tfjs forward's [N, C] log-probs (same candidate order). */
function hostAgreement(host: StepScores[], tfjs: Float32Array, C: number): number {
  let max = 0;
  host.forEach((s, b) => {
    if (s.candidates.length > C) throw new Error(`host scorer: prefix ${b} has ${s.candidates.length} candidates, the batch ${C}`);
    for (let c = 0; c < s.candidates.length; c++) max = Math.max(max, Math.abs(s.logProbs[c] - tfjs[b * C + c]));
  });
  return max;
}
