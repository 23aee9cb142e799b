// The train worker's data-parallel helpers: size − 1 Web Workers (trainGradWorker.ts), started by
// the train worker itself (rank 0), each given a copy of the packed dataset, rank 0's checkpoint
// bytes and a MessagePort (a MessageChannel per helper, transferred). Rank 0 holds the ExchangeHub
// (src/lib/train/dataParallel.ts) and answers each helper's exchange messages over its port
// (src/lib/train/exchangeProtocol.ts, the same protocol the Node pool, src/cli/train/trainPool.ts,
// speaks over worker_threads). A helper that fails fails the hub, so rank 0's step rejects and the
// run (TrainRun) pauses and goes on with one worker.
import { ExchangeHub } from '../src/lib/train/dataParallel';
import { serveExchange, type ExchangeUp } from '../src/lib/train/exchangeProtocol';
import type { StartGradHelpers } from '../src/lib/train/gradHelpers';
import type { PackedDataset } from '../src/lib/data/packedDataset';
import type { GradHelperInit, GradHelperReply } from './trainMessages';

export function gradHelperStarter(dataset: PackedDataset, wasmThreads?: number): StartGradHelpers {
  return async (r) => {
    const hub = new ExchangeHub(r.size);
    const workers: Worker[] = [];
    const ports: MessagePort[] = [];
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      r.onFailure(e);
      hub.fail(e);
    };
    const close = (): void => {
      for (const p of ports) p.close();
      for (const w of workers) w.terminate();
    };
    const ready: Promise<void>[] = [];
    for (let rank = 1; rank < r.size; rank++) {
      const w = new Worker(new URL('./trainGradWorker.ts', import.meta.url), { type: 'module' });
      const ch = new MessageChannel();
      const port = ch.port1;
      workers.push(w);
      ports.push(port);
      port.onmessage = (ev: MessageEvent<ExchangeUp>) => serveExchange(hub, rank, ev.data, (m, transfer) => port.postMessage(m, transfer));
      ready.push(
        new Promise<void>((resolve, reject) => {
          const failed = (message: string): void => {
            const e = new Error(`helper ${rank} of ${r.size - 1}: ${message}`);
            reject(e);
            fail(e);
          };
          w.onmessage = (ev: MessageEvent<GradHelperReply>) => (ev.data.kind === 'ready' ? resolve() : failed(ev.data.message));
          w.onerror = (ev) => {
            ev.preventDefault();
            failed(ev.message || 'the worker could not run');
          };
        }),
      );
      // The dataset and the checkpoint are copied (each helper holds its own); the port moves.
      const init: GradHelperInit = {
        dataset,
        backend: r.backendName,
        wasmThreads,
        hyper: r.hyper,
        checkpoint: r.checkpoint,
        teacher: r.teacher,
        rank,
        size: r.size,
        port: ch.port2,
      };
      w.postMessage(init, [ch.port2]);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      close();
      throw e;
    }
    return { exchange: hub.endpoint(0), close };
  };
}
