// `calibrate-time --checkpoint <student.safetensors>`: fits the hop-time scale on the dataset's val trips
// (generate/timeCalibration.ts) and stores it in the checkpoint's hyper block as `timeScale`, which
// generation then applies. Val only: test stays for the report.
import { readFile, writeFile } from 'node:fs/promises';
import { flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { loadDatasetWithDerived } from '../common/fsDataset';
import { loadStudentScorer } from '../../lib/eval/protocol';
import { fitTimeScale } from '../../lib/generate/timeCalibration';
import { prepareTrips } from '../../lib/features/studentBatch';
import { encodeCheckpoint } from '../../lib/checkpoint/checkpoint';
import { initNodeBackend } from '../../lib/runtime/node';

const USAGE = 'usage: calibrate-time --checkpoint <student.safetensors> [--dataset public/data/porto] [--out <ckpt, default: in place>]';

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('calibrate-time', USAGE));
  let ckPath: string;
  try {
    ckPath = flagString(p, 'checkpoint');
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const out = flagString(p, 'out', ckPath);
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived(flagString(p, 'dataset', 'public/data/porto'));
  let loaded;
  try {
    loaded = loadStudentScorer(new Uint8Array(await readFile(ckPath)), dataset.network, derived);
  } catch (e) {
    console.error(`error: ${ckPath}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const cal = await fitTimeScale(loaded.student, loaded.ctx, prepareTrips(loaded.ctx, dataset.splits.val));
    const ck = loaded.checkpoint;
    const scale = Math.round(cal.scale * 1e4) / 1e4;
    await writeFile(out, encodeCheckpoint({ ...ck, hyper: { ...ck.hyper, timeScale: scale } }));
    console.log(
      JSON.stringify({
        checkpoint: out,
        timeScale: scale,
        valHops: cal.hops,
        predictedMinutes: +(cal.predictedSeconds / 60).toFixed(1),
        realMinutes: +(cal.realSeconds / 60).toFixed(1),
      }),
    );
  } finally {
    loaded.dispose();
  }
  return 0;
}
