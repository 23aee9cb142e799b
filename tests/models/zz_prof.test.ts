import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Student } from '../../src/lib/models/student';
import { DEFAULT_BATCH_OPTIONS, buildBatch, prepareTrips } from '../../src/lib/train/studentBatch';
import { makeCity, TINY_STUDENT } from '../../tests/models/studentFixture';
it('prof', async () => {
  await tf.setBackend('cpu');
  const city = makeCity(5, 20, 6, 4);
  const ctx = { network: city.net, derived: city.derived, ...DEFAULT_BATCH_OPTIONS };
  const student = new Student(city.derived, TINY_STUDENT, 4);
  const batch = buildBatch(ctx, prepareTrips(ctx, city.ds.splits.train.slice(0, 4)));
  console.log('B T N C', batch.B, batch.T, batch.N, batch.C);
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    tf.tidy(() => student.encodeNetwork());
    console.log('enc', performance.now() - t);
    t = performance.now();
    tf.tidy(() => { const e = student.encodeNetwork(); student.forward(batch, e); });
    console.log('fwd', performance.now() - t);
    t = performance.now();
    const { value, grads } = tf.variableGrads(() => tf.sum(student.forward(batch, student.encodeNetwork()).logits.mul(0)) as tf.Scalar, student.trainableVariables());
    tf.dispose([value, ...Object.values(grads)]);
    console.log('grad', performance.now() - t);
  }
  const prof = await tf.profile(() => { const { value, grads } = tf.variableGrads(() => tf.sum(student.forward(batch, student.encodeNetwork()).logits.mul(0)) as tf.Scalar, student.trainableVariables()); tf.dispose([value, ...Object.values(grads)]); });
  const agg: Record<string, number> = {};
  for (const k of prof.kernels) agg[k.name] = (agg[k.name] ?? 0) + (k.kernelTimeMs as number);
  console.log(Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 10));
});
