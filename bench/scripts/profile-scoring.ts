// Where the peer bench's scoring step goes (256 prefixes of 16 roads, none scored before), Node wasm:
//   npx tsx bench/scripts/profile-scoring.ts [--ckpt runs/vanilla/vanilla-s1.safetensors] [--rounds 7]
// Prints the median wall ms of StudentScorer.scoreBatch over the same queries as `bench --peer`
// and the scorer's phase split (StudentScorer.phaseMs), per round.
import { readFile } from 'node:fs/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs, flagString } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { loadStudent } from '../../src/lib/checkpoint/loadModel';
import { buildPeerExport, PEER_CHECKPOINT } from '../suites/peerExport';

const p = parseArgs(process.argv.slice(2));
const rounds = Number(flagString(p, 'rounds', '7'));
await initNodeBackend('wasm');
const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
const ckPath = flagString(p, 'ckpt', PEER_CHECKPOINT);
const bytes = new Uint8Array(await readFile(ckPath));
const ex = await buildPeerExport({ dataset, derived, checkpointBytes: bytes, checkpointName: ckPath, trainBatch: 32, genBatch: 256, searchOds: 1 });
const { model } = loadStudent(bytes, derived);
const host = new StudentScorer(model, ex.inputs.ctx, derived, { startTime: ex.inputs.genStart });
const times: number[] = [];
// Garbage-collection pauses inside each round (Node's perf_hooks 'gc' entries).
let gcMs = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });
for (let r = 0; r <= rounds; r++) {
  host.forgetPrefixes();
  for (const k of Object.keys(host.phaseMs)) host.phaseMs[k] = 0;
  gcMs = 0;
  (globalThis as any).__set = 0; (globalThis as any).__att = 0;
  const t0 = performance.now();
  await host.scoreBatch(ex.inputs.genQueries);
  const ms = performance.now() - t0;
  if (r > 0) times.push(ms);
  if (process.env.ALL_ROUNDS || r === rounds) console.log(JSON.stringify({ at: Math.round(t0), ms: Number(ms.toFixed(1)),  phases: Object.fromEntries(Object.entries(host.phaseMs).map(([k, v]) => [k, Number(v.toFixed(1))])) }));
}
const inOrder = times.map((t) => Number(t.toFixed(1)));
times.sort((a, b) => a - b);
console.log(JSON.stringify({ medianMs: Number(times[times.length >> 1].toFixed(1)), inOrder }));
