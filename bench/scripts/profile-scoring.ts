// Where the peer bench's scoring step goes (256 prefixes of 16 roads, none scored before), Node wasm:
//   npx tsx bench/scripts/profile-scoring.ts [--ckpt runs/vanilla/vanilla-s1.safetensors] [--rounds 7] [--all]
// Scores the same queries as `bench --peer` through StudentScorer.scoreBatch, forgetting them
// between rounds, and prints the median wall ms with every round's time in order; the last round's
// phase split (StudentScorer.phaseMs), or every round's with --all. Times only, on one process: a
// before/after comparison runs both versions in turn, several times.
import { readFile } from 'node:fs/promises';
import { parseArgs, flagString } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { StudentScorer } from '../../src/lib/generate/studentScorer';
import { loadStudent } from '../../src/lib/checkpoint/loadModel';
import { scoringStepExport, PEER_CHECKPOINT } from '../suites/peerExport';

const p = parseArgs(process.argv.slice(2));
const rounds = Number(flagString(p, 'rounds', '7'));
const all = p.flags.all === true;
await initNodeBackend('wasm');
const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
const ckPath = flagString(p, 'ckpt', PEER_CHECKPOINT);
const bytes = new Uint8Array(await readFile(ckPath));
const ex = await scoringStepExport({ dataset, derived, checkpointBytes: bytes, checkpointName: ckPath });
const { model } = loadStudent(bytes, derived);
const host = new StudentScorer(model, ex.inputs.ctx, derived, { startTime: ex.inputs.genStart });
const round = (x: number): number => Math.round(x * 10) / 10;
const times: number[] = [];
// Round 0 warms up (the host tables, the kernels' memory) and is not counted.
for (let r = 0; r <= rounds; r++) {
  host.forgetPrefixes();
  for (const k of Object.keys(host.phaseMs)) host.phaseMs[k] = 0;
  const t0 = performance.now();
  await host.scoreBatch(ex.inputs.genQueries);
  const ms = performance.now() - t0;
  if (r > 0) times.push(ms);
  if (all || r === rounds)
    console.log(
      JSON.stringify({ round: r, ms: round(ms), phases: Object.fromEntries(Object.entries(host.phaseMs).map(([k, v]) => [k, round(v)])) }),
    );
}
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({ medianMs: round(sorted[sorted.length >> 1]), inOrder: times.map(round) }));
host.dispose();
model.dispose();
