// A data-parallel gradient helper of the train worker (gradHelpers.ts starts it; rank ≥ 1): boots
// the same backend on its copy of the packed dataset, opens the run from rank 0's checkpoint bytes
// (weights, optimiser state, position), and trains on its shard of every batch, its counts and
// gradients summed with the other ranks' by rank 0 over its MessagePort
// (src/lib/train/exchangeProtocol.ts). It steps on its own: each step waits for rank 0's, so it
// follows rank 0's pauses; rank 0 terminates it when its loop ends. It saves nothing.
import { bootWorker } from './boot';
import { loadTeacher } from '../src/lib/checkpoint/loadModel';
import { openSession } from '../src/lib/train/openSession';
import { TrainingSession } from '../src/lib/train/session';
import { PortExchange, type ExchangeDown } from '../src/lib/train/exchangeProtocol';
import type { GradHelperInit, GradHelperReply } from './trainMessages';

const post = (m: GradHelperReply): void => self.postMessage(m);

async function run(m: GradHelperInit): Promise<void> {
  const boot = await bootWorker({ backend: m.backend, wasmThreads: m.wasmThreads, dataset: m.dataset, needs: ['train'] });
  const teacher = m.teacher ? loadTeacher(m.teacher, boot.derived).model : undefined;
  const { session } = openSession(
    { dataset: boot.dataset, derived: boot.derived, teacher, backendName: boot.backend.name },
    { kind: 'student', hyper: m.hyper, from: { bytes: m.checkpoint, name: 'the run’s state' } },
  );
  if (!(session instanceof TrainingSession)) throw new Error('a gradient helper trains students only');
  const trainer = session.trainer;
  const port = m.port;
  const exchange = new PortExchange(m.rank, m.size, (x, transfer) => port.postMessage(x, transfer));
  port.onmessage = (ev: MessageEvent<ExchangeDown>) => exchange.receive(ev.data);
  trainer.dataParallel = exchange;
  if (boot.backend.name !== m.backend) throw new Error(`it runs on ${boot.backend.name}, rank 0 on ${m.backend}`);
  post({ kind: 'ready' });
  while (!trainer.done) await trainer.stepAsync();
}

self.onmessage = (ev: MessageEvent<GradHelperInit>) => {
  run(ev.data).catch((e: unknown) => post({ kind: 'failed', message: e instanceof Error ? e.message : String(e) }));
};
