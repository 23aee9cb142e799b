// Training worker: a thin comlink layer over one TrainRun (src/lib/train/trainRun.ts), which holds
// the run: its session (student or teacher, opened by openSession.ts), the teacher distillation
// uses, the autosaves to IndexedDB (one slot per run, savedRuns.ts) and the charts saved with them.
// Here: booting (backend, dataset, the shipped teacher's bytes), IndexedDB (idb-keyval), the GPU
// watch, checkpoints leaving as transferred ArrayBuffers (`downloads://` cannot work here), and a
// once-a-second clock of the step in progress.
//
// On WebGPU a lost device or an out-of-memory error pauses the run with the reason (gpuWatch.ts);
// the page then offers to resume from the last autosave in a fresh worker on wasm.
import * as Comlink from 'comlink';
import { serial } from './serial';
import { get, set, del, update } from 'idb-keyval';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import { TrainRun } from '../src/lib/train/trainRun';
import { destroyGpuDevice, watchGpuDevice } from './gpuWatch';
import { gradHelperStarter } from './gradHelpers';
import type { ValCheckOptions } from '../src/lib/train/valCheck';
import type {
  CheckpointFile,
  ReadyInfo,
  StartOptions,
  TrainEvents,
  TrainInit,
  TrainHyper,
  TrainJob,
  TrainKind,
  TrainWorkerApi,
} from './trainMessages';

/** The worker's one piece of state: the run, from init on. */
let run: TrainRun | null = null;

function current(): TrainRun {
  if (!run) throw new Error('the worker is not initialised yet');
  return run;
}

const sendFile = (f: CheckpointFile): CheckpointFile => Comlink.transfer(f, [f.bytes]);

async function init(opts: TrainInit, ev: TrainEvents): Promise<ReadyInfo> {
  // Data-parallel helpers get copies of the dataset as it came (gradHelpers.ts).
  const r = new TrainRun({
    events: ev,
    store: { get, set, del, update },
    gradHelpers: gradHelperStarter(opts.dataset, opts.wasmThreads),
    valCheck: opts.valCheck,
  });
  run = r;
  r.setState('loading');
  const progress = (phase: string, loaded = 0, total: number | null = null) => void ev.progress(phase, loaded, total);
  try {
    const boot = await bootWorker({
      backend: opts.backend,
      preferWasmOverFallbackGpu: opts.preferWasmOverFallbackGpu,
      wasmThreads: opts.wasmThreads,
      dataset: opts.dataset,
      // Training needs a train split; val and test are optional.
      needs: ['train'],
      onBackend: (b) => {
        if (b.name === 'webgpu') watchGpuDevice((reason) => r.deviceFailed(reason));
      },
      progress,
    });
    progress('loading the teacher');
    const bytes = opts.teacherUrl ? await fetchAssetBytes(opts.teacherUrl) : null;
    const ready = await r.attach({
      dataset: boot.dataset,
      derived: boot.derived,
      backendName: boot.backend.name,
      shippedTeacher: { url: opts.teacherUrl, bytes },
    });
    return { backend: boot.backend, ...ready };
  } catch (e) {
    // No reason here: the page shows the rejection's own message where the runtime line was.
    r.setState('stopped');
    throw e;
  }
}

// Calls run one after another (the run loop itself is not awaited, so pause / stop / step get
// through while it runs: it yields between steps).
const api: TrainWorkerApi = {
  init: serial(init),
  configure: serial((job: TrainJob) => current().configure(job.kind, job.hyper)),
  start: serial((opts?: StartOptions) => current().start(opts?.workers ?? 1)),
  pause: serial(() => current().pause()),
  step: serial(() => current().step()),
  stop: serial(() => current().stop()),
  exportCheckpoint: serial(async (best: boolean) => sendFile(await current().exportCheckpoint(best))),
  loadCheckpoint: serial((bytes: ArrayBuffer, name: string, kind: TrainKind) =>
    current().loadCheckpoint(new Uint8Array(bytes), name, kind),
  ),
  transferFrom: serial((bytes: ArrayBuffer, name: string) => current().transferFrom(new Uint8Array(bytes), name)),
  fineTune: serial(async (url: string, hyper: Partial<TrainHyper>, valCheck?: ValCheckOptions) => {
    const bytes = await fetchAssetBytes(url);
    if (!bytes) throw new Error(`the shipped student checkpoint was not found (${url})`);
    return current().fineTune(bytes, url.split('/').pop() ?? url, hyper, valCheck);
  }),
  resumeSaved: serial((kind: TrainKind, id?: string, valCheck?: ValCheckOptions) => current().resumeSaved(kind, id, valCheck)),
  savedCheckpoint: serial(async (kind: TrainKind, id: string) => sendFile(await current().savedCheckpoint(kind, id))),
  renameSaved: serial((kind: TrainKind, id: string, name: string) => current().renameSaved(kind, id, name)),
  deleteSaved: serial((kind: TrainKind, id: string) => current().deleteSaved(kind, id)),
  useTrainedTeacher: serial(() => current().useTrainedTeacher()),
  sessionTeacher: serial(() => {
    const copy = current().sessionTeacher();
    return copy ? Comlink.transfer(copy, [copy]) : null;
  }),
  // Not queued: the drill must hit a run in progress.
  loseGpuDevice: async () => destroyGpuDevice(),
};

Comlink.expose(api);

// A slow backend spends minutes in one step: say every second how long the current one has run,
// so the page can show it (and offer wasm when a step takes too long).
setInterval(() => run?.reportStepProgress(Date.now()), 1_000);
