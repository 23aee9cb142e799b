import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../src/lib/runtime/node';
import { loadDatasetWithDerived } from '../src/cli/fsDataset';
import { sampleTrips } from '../src/lib/bench/suites';
import { TeacherModel, defaultTeacherConfig } from '../src/lib/models/teacher';
import { teacherSequences } from '../src/lib/train/teacherSession';
import { installFastKernels } from '../src/lib/models/layers';
await initNodeBackend('wasm');
installFastKernels();
const { dataset, derived } = await loadDatasetWithDerived('public/data/porto');
const cfg = {
  ...defaultTeacherConfig(derived.grid.vocabSize, 256),
  nLayer: 2,
  nHead: 4,
  nEmbd: 96,
  anchor: 'end' as const,
  destination: true,
};
const model = new TeacherModel(cfg, 1);
const seqs = teacherSequences(sampleTrips(dataset.splits.train, 32, 7), cfg, derived);
const step = () => {
  const { value, grads } = tf.variableGrads(() => model.loss(seqs, true), model.variables);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};
step();
let t0 = performance.now();
step();
step();
console.log('step ms', ((performance.now() - t0) / 2).toFixed(0));
const info = await tf.profile(step);
const by = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  const e = by.get(key) ?? { ms: 0, n: 0 };
  e.ms += k.kernelTimeMs as number;
  e.n++;
  by.set(key, e);
}
const byName = new Map<string, number>();
for (const [k, v] of by) byName.set(k.split(' ')[0], (byName.get(k.split(' ')[0]) ?? 0) + v.ms);
console.log(
  [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join('\n'),
);
console.log('---');
console.log(
  [...by]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 15)
    .map(([k, v]) => `${v.ms.toFixed(0)} ms ×${v.n} ${k}`)
    .join('\n'),
);
