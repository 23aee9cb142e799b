// A matching thread of `data match --workers N` (matchPool.ts): reads the network's roadmap once,
// then matches each batch it is sent, one at a time, and posts the result back.
import { parentPort, workerData } from 'node:worker_threads';
import { loadRoadmap } from '../common/fsDataset';
import { matchBatch } from '../../lib/data/matchStream';
import type { MatchReply, MatchRequest, MatchWorkerData } from './matchPool';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('matchWorker runs as a worker thread');
  const data = workerData as MatchWorkerData;
  const post = (m: MatchReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  try {
    const network = await loadRoadmap(data.networkDir);
    port.on('message', (req: MatchRequest) => {
      if (req.kind === 'close') {
        port.close();
        return;
      }
      try {
        const result = matchBatch(network, req.batch.traces, data.minRoads, req.calibrated, data.fileLabel);
        post({ kind: 'done', id: req.id, result }, [result.pointDists.buffer as ArrayBuffer]);
      } catch (e) {
        post({ kind: 'error', id: req.id, message: (e as Error).stack ?? String(e) });
      }
    });
    post({ kind: 'ready' });
  } catch (e) {
    post({ kind: 'error', id: -1, message: (e as Error).stack ?? String(e) });
  }
}

void main();
