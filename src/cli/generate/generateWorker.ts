// A generation thread of the CLI's pool (generatePool.ts): loads the dataset and, on first use,
// each student checkpoint itself (the wasm backend and its memory are per thread), then generates
// the pieces of OD pairs it is sent and posts back plain trips.
import { parentPort, workerData } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { loadStudentScorer, type LoadedStudent } from '../../lib/eval/protocol';
import { centroidDistance, generateRoutes } from '../../lib/generate/generator';
import { initNodeBackend } from '../../lib/runtime/node';
import type { PoolReply, PoolRequest, PoolWorkerData } from './generatePool';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('generateWorker runs as a worker thread');
  const data = workerData as PoolWorkerData;
  const post = (m: PoolReply): void => port.postMessage(m);
  try {
    await initNodeBackend(data.backend);
    const { dataset, derived } = await loadDatasetWithDerived(data.datasetDir);
    const distanceToDest = centroidDistance(derived.features);
    const loaded = new Map<string, LoadedStudent>();
    let queue = Promise.resolve();
    port.on('message', (req: PoolRequest) => {
      if (req.kind === 'close') {
        for (const l of loaded.values()) l.dispose();
        port.close();
        return;
      }
      // One piece at a time, in the order they came.
      queue = queue.then(async () => {
        try {
          let m = loaded.get(req.checkpoint);
          if (!m) {
            m = loadStudentScorer(new Uint8Array(await readFile(req.checkpoint)), dataset.network, derived);
            loaded.set(req.checkpoint, m);
          }
          const trips = await generateRoutes(m.scorer, req.ods, {
            ...req.search,
            distanceToDest,
            timeMean: derived.timeMean,
            timeStd: derived.timeStd,
            onProgress: (p) => post({ kind: 'progress', id: req.id, done: p.done }),
          });
          post({ kind: 'done', id: req.id, trips });
        } catch (e) {
          post({ kind: 'error', id: req.id, message: (e as Error).stack ?? String(e) });
        }
      });
    });
    post({ kind: 'ready' });
  } catch (e) {
    post({ kind: 'error', id: -1, message: (e as Error).stack ?? String(e) });
  }
}

void main();
