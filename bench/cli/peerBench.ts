// `bench --peer`: our student against its PyTorch peer (bench/cli/peer/peer.py, Debian python3-torch),
// on the same inputs in one run. Node-only: it writes the peer export to a
// temporary folder and drives the peer as a child process (one JSON line per command).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { buildPeerExport, type PeerExportOptions, type PeerExportResult } from '../suites/peerExport';
import { loadStudent, loadStudentWeights } from '../../src/lib/checkpoint/loadModel';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_ON } from '../../src/lib/train/trainingLevers';
import { summarize } from '../suites/stats';

export const PEER_SCRIPT = 'bench/cli/peer/peer.py';

/** A python3 that imports torch: $PEER_PYTHON, python3 on PATH, then Debian's /usr/bin/python3. */
export function findTorchPython(): string | null {
  const candidates = [process.env.PEER_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
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
  private stderr = '';

  /** `device`: torch's device for the model and the batches ('cpu', or 'cuda' on a GPU machine: bench/gpu/). */
  constructor(python: string, dir: string, threads: number, device: 'cpu' | 'cuda' = 'cpu') {
    this.proc = spawn(python, [PEER_SCRIPT, dir, 'serve', String(threads), device]);
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
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
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.proc.once('exit', (code) => reject(new Error(`the peer exited (${code}): ${this.stderr.slice(-2000)}`)));
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

/** Our side of the comparison, on the active backend: a trainer on the export's batch at the checkpoint's weights, and the timed search-step scoring. */
export function oursOnExport(
  ex: PeerExportResult,
  dataset: PeerBenchOptions['dataset'],
  derived: PeerBenchOptions['derived'],
  checkpointBytes: Uint8Array,
): { trainer: StudentTrainer; scoreStep: () => Promise<void>; dispose(): void } {
  const { trainTrips, genBatch, config, maxLen } = ex.inputs;
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
      ...TRAINING_LEVERS_ON,
    },
  });
  const { checkpoint: ck, model: scorer } = loadStudent(checkpointBytes, derived);
  const dispose = () => {
    trainer.dispose();
    scorer.dispose();
  };
  let enc: ReturnType<typeof scorer.encodeNetwork>;
  try {
    loadStudentWeights(trainer.student, ck);
    enc = scorer.encodeNetwork();
  } catch (e) {
    dispose();
    throw e;
  }
  const scoreStep = async (): Promise<void> => {
    const [lp, tp] = tf.tidy(() => {
      const out = scorer.forward(genBatch, enc);
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
  const mine = oursOnExport(ex, o.dataset, o.derived, o.checkpointBytes);
  const { trainer, scoreStep: oursGen } = mine;
  const trainTrips = ex.inputs.trainTrips;
  const genBatch = ex.inputs.genBatch;
  try {
    const info = await peer.ready();
    o.log(`peer: torch ${String(info.torch)}, ${String(info.threads)} thread(s); checking agreement`);
    const check = await peer.ask('check');
    const search = check.search as { agree: boolean };
    const ours = check.ours as { total: number; gradNorm: number };
    const lossRel = Math.abs((check.total as number) - ours.total) / Math.max(1e-12, Math.abs(ours.total));
    const normRel = Math.abs((check.gradNorm as number) - ours.gradNorm) / Math.max(1e-12, ours.gradNorm);
    const agrees = search.agree && lossRel < 1e-4 && normRel < 1e-3 && (check.genMaxAbsLogProbDiff as number) < 1e-4;
    if (!agrees) throw new Error(`the peer disagrees with ours: ${JSON.stringify(check)}`);
    // Warm-up, then interleaved rounds (ours, peer): per-round ratios peer / ours.
    trainer.step();
    await peer.ask('train');
    await oursGen();
    await peer.ask('gen');
    const t: Record<'oursTrain' | 'peerTrain' | 'oursGen' | 'peerGen', number[]> = {
      oursTrain: [],
      peerTrain: [],
      oursGen: [],
      peerGen: [],
    };
    for (let r = 0; r < o.rounds; r++) {
      o.log(`peer: round ${r + 1}/${o.rounds}`);
      let t0 = performance.now();
      trainer.step();
      t.oursTrain.push(performance.now() - t0);
      t.peerTrain.push((await peer.ask('train')).ms as number);
      t0 = performance.now();
      await oursGen();
      t.oursGen.push(performance.now() - t0);
      t.peerGen.push((await peer.ask('gen')).ms as number);
    }
    const ratio = (a: number[], b: number[]) => summarize(a.map((x, i) => x / b[i]));
    const ms = (a: number[]) => {
      const s = summarize(a);
      return { medianMs: s.median, q1Ms: s.q1, q3Ms: s.q3, n: s.n };
    };
    const train = ratio(t.peerTrain, t.oursTrain);
    const gen = ratio(t.peerGen, t.oursGen);
    return {
      python,
      torch: info.torch,
      torchThreads: info.threads,
      check: {
        lossOurs: ours.total,
        lossPeer: check.total,
        lossRelDiff: lossRel,
        gradNormOurs: ours.gradNorm,
        gradNormPeer: check.gradNorm,
        gradNormRelDiff: normRel,
        genMaxAbsLogProbDiff: check.genMaxAbsLogProbDiff,
        search: check.search,
      },
      training: {
        batch: trainTrips.length,
        ours: ms(t.oursTrain),
        peer: ms(t.peerTrain),
        peerOverOurs: { median: train.median, q1: train.q1, q3: train.q3, n: train.n },
      },
      generation: {
        batch: genBatch.N,
        prefixLen: 16,
        ours: ms(t.oursGen),
        peer: ms(t.peerGen),
        peerOverOurs: { median: gen.median, q1: gen.q1, q3: gen.q3, n: gen.n },
      },
    };
  } finally {
    peer.close();
    mine.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
