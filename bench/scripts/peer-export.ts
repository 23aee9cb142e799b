// Writes the PyTorch peer's input (bench/cli/peer/README.md; format in bench/suites/peerExport.ts):
//   npx tsx bench/scripts/peer-export.ts OUT_DIR [--checkpoint runs/vanilla/vanilla-s1.safetensors]
//       [--dataset public/data/porto] [--train-batch 32] [--gen-batch 256] [--search-ods 4]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flagString, parseArgs } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { buildPeerExport, PEER_CHECKPOINT } from '../suites/peerExport';

async function main(): Promise<void> {
  const p = parseArgs(process.argv.slice(2));
  const out = p.positional[0];
  if (!out) throw new Error('usage: peer-export.ts OUT_DIR [--checkpoint …] [--dataset …]');
  await initNodeBackend('wasm');
  const ckPath = flagString(p, 'checkpoint', PEER_CHECKPOINT);
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
  const { manifest, data } = await buildPeerExport({
    dataset,
    derived,
    checkpointBytes: new Uint8Array(await readFile(ckPath)),
    checkpointName: ckPath,
    trainBatch: Number(flagString(p, 'train-batch', '32')),
    genBatch: Number(flagString(p, 'gen-batch', '256')),
    searchOds: Number(flagString(p, 'search-ods', '4')),
  });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(join(out, 'data.bin'), data);
  console.log(
    `wrote ${out}/manifest.json and data.bin (${(data.length / 2 ** 20).toFixed(1)} MiB): ${Object.keys(manifest.weights).length} weights, ${manifest.search.steps.length} search steps`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
