// A generation thread of the CLI's pool (generatePool.ts): loads the dataset and, on first use,
// each student checkpoint itself (the wasm backend and its memory are per thread), then generates
// the pieces of OD pairs it is sent and posts back plain trips.
import { readFile } from 'node:fs/promises';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { serveJobs } from '../common/workerThread';
import { loadStudentScorer, type LoadedStudent } from '../../lib/eval/protocol';
import { centroidDistance, generateRoutes, roadKmOf, type GeneratedTrip } from '../../lib/generate/generator';
import { initNodeBackend } from '../../lib/runtime/node';
import type { PieceJob, PoolWorkerData } from './generatePool';

serveJobs<PoolWorkerData, PieceJob, GeneratedTrip[], number>(async (data) => {
  await initNodeBackend(data.backend);
  const { dataset, derived } = await loadDatasetWithDerived(data.datasetDir);
  const distanceToDest = centroidDistance(derived.features);
  const roadKm = roadKmOf(dataset.network);
  const loaded = new Map<string, LoadedStudent>();
  return {
    async run(job, progress) {
      let m = loaded.get(job.checkpoint);
      if (!m) {
        m = loadStudentScorer(new Uint8Array(await readFile(job.checkpoint)), dataset.network, derived);
        loaded.set(job.checkpoint, m);
      }
      return generateRoutes(m.scorer, job.ods, {
        ...job.search,
        distanceToDest,
        roadKm,
        timeMean: derived.timeMean,
        timeStd: derived.timeStd,
        onProgress: (p) => progress(p.done),
      });
    },
    close() {
      for (const l of loaded.values()) l.dispose();
    },
  };
});
