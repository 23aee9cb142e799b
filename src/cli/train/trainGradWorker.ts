// A data-parallel training thread (trainPool.ts): builds the same TrainingSession as the main
// thread from the same dataset folder and settings, loads the starting state, and on request runs
// optimiser steps on its shard of each batch, its counts and gradients summed with the other
// ranks' by the main thread's ExchangeHub.
import { parentPort, workerData } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { loadDataset } from '../common/fsDataset';
import { buildDerived } from '../../lib/data/derived';
import { initNodeBackend } from '../../lib/runtime/node';
import { installFastKernels } from '../../lib/models/layers';
import { loadTeacher } from '../../lib/checkpoint/loadModel';
import { TrainingSession } from '../../lib/train/session';
import { PortExchange, isExchangeDown } from '../../lib/train/exchangeProtocol';
import type { GradReply, GradRequest, GradWorkerData } from './trainPool';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('trainGradWorker runs as a worker thread');
  const data = workerData as GradWorkerData;
  const post = (m: GradReply): void => port.postMessage(m);
  // The exchange's requests and answers: lib/train/exchangeProtocol.ts (the browser's helpers speak it too).
  const exchange = new PortExchange(data.rank, data.size, (m, transfer) => port.postMessage(m satisfies GradReply, transfer));
  try {
    await initNodeBackend(data.backend);
    installFastKernels();
    const dataset = await loadDataset(data.datasetDir);
    const derived = buildDerived(dataset);
    const teacher = data.teacherPath ? loadTeacher(new Uint8Array(await readFile(data.teacherPath)), derived).model : undefined;
    const session = new TrainingSession({
      dataset,
      derived,
      teacher,
      hyper: data.hyper,
      backendName: data.backend,
      yieldFn: () => Promise.resolve(),
    });
    if (data.checkpoint) session.loadCheckpoint(data.checkpoint);
    const trainer = session.trainer;
    if (teacher) trainer.precomputeTeacher();
    trainer.dataParallel = exchange;
    let queue = Promise.resolve();
    port.on('message', (req: GradRequest) => {
      if (isExchangeDown(req)) exchange.receive(req);
      else if (req.kind === 'close') {
        session.dispose();
        teacher?.dispose();
        port.close();
      } else
        queue = queue.then(async () => {
          try {
            let done = 0;
            let total = NaN;
            while (done < req.n && !trainer.done) {
              const m = await trainer.stepAsync();
              total = m.total;
              done += 1;
            }
            post({ kind: 'stepped', id: req.id, steps: done, total, done: trainer.done, phases: trainer.phaseTimes() });
          } catch (e) {
            post({ kind: 'failed', message: (e as Error).stack ?? String(e) });
          }
        });
    });
    post({ kind: 'ready' });
  } catch (e) {
    post({ kind: 'failed', message: (e as Error).stack ?? String(e) });
  }
}

void main();
