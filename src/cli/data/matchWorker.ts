// A matching thread of `data match --workers N` (matchPool.ts): reads the network's roadmap once,
// then matches each batch it is sent and posts the result back.
import { loadRoadmap } from '../common/fsDataset';
import { serveJobs } from '../common/workerThread';
import { matchBatch, type BatchMatch } from '../../lib/data/matchStream';
import type { MatchJob, MatchWorkerData } from './matchPool';

serveJobs<MatchWorkerData, MatchJob, BatchMatch>(async (data) => {
  const network = await loadRoadmap(data.networkDir);
  return {
    run: (job) => matchBatch(network, job.batch.traces, data.minRoads, job.calibrated, data.fileLabel),
    transfer: (result) => [result.pointDists.buffer as ArrayBuffer],
  };
});
