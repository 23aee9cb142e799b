import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { OSM_HIGHWAY_CLASSES, Student } from '../../src/lib/models/student';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { canonicalName } from '../../src/lib/features/variableNames';
import { decodeCheckpoint, encodeCheckpoint, weightsFromVariables, type Checkpoint } from '../../src/lib/checkpoint/checkpoint';
import { NETWORK_TABLES, transferStudentWeights } from '../../src/lib/checkpoint/transfer';
import { makeCity, TINY_STUDENT, type SynthCity } from '../models/studentFixture';

// Two different road networks: a 5×5 grid town with 4 zones and a 6×6 one with 6.
let porto: SynthCity;
let sf: SynthCity;
beforeAll(async () => {
  await tf.setBackend('cpu');
  porto = makeCity(5, 10, 4, 4);
  sf = makeCity(6, 10, 4, 6);
});

function checkpointOf(s: Student, city: SynthCity): Checkpoint {
  const bytes = encodeCheckpoint({
    kind: 'student',
    config: s.config,
    fingerprint: city.derived.fingerprint,
    training: { epoch: 1, step: 10 },
    hyper: {},
    created: '',
    weights: weightsFromVariables(s.store.variables()),
  });
  return decodeCheckpoint(bytes);
}

const values = (s: Student): Map<string, Float32Array> =>
  new Map(s.store.variables().map((v) => [canonicalName(v.name), v.dataSync() as Float32Array]));

describe('region transfer of a student', () => {
  it('carries every tensor but the network tables, which keep their fresh values', () => {
    expect(porto.derived.fingerprint).not.toBe(sf.derived.fingerprint);
    const from = new Student(porto.derived, TINY_STUDENT, 1);
    const to = new Student(sf.derived, TINY_STUDENT, 2);
    const before = values(to);
    const report = transferStudentWeights(to, checkpointOf(from, porto));
    const src = values(from);
    const after = values(to);
    const total = to.store.variables().length;
    expect(report.total).toBe(total);
    expect(report.carried).toBe(total - 3);
    expect(report.reinitialised).toEqual(['road ids', 'zone ids', 'road types']);
    expect(report.message).toBe(`tables re-initialised (road ids, zone ids, road types): ${total - 3} of ${total} tensors carried over`);
    for (const [k, v] of after) {
      if (k in NETWORK_TABLES) expect(v).toEqual(before.get(k));
      else expect(v).toEqual(src.get(k));
    }
    // The tables are sized for the new network.
    const roadTable = to.store.variables().find((v) => canonicalName(v.name) === 'student/road/id/table')!;
    expect(roadTable.shape[0]).toBe(sf.net.roads.length);
    expect(roadTable.shape[0]).not.toBe(porto.net.roads.length);
    from.dispose();
    to.dispose();
  });

  it('refuses another model size or kind with the reason, and changes nothing', () => {
    const from = new Student(porto.derived, { ...TINY_STUDENT, heads: 1 }, 1);
    const to = new Student(sf.derived, TINY_STUDENT, 2);
    const before = values(to);
    const ck = checkpointOf(from, porto);
    expect(() => transferStudentWeights(to, ck)).toThrow(/different model size\/config: heads: 1 vs 2/);
    expect(() => transferStudentWeights(to, { ...ck, kind: 'teacher' })).toThrow(
      /wrong checkpoint kind: this file holds a teacher model, a student is needed/,
    );
    const cut = { ...ck, config: to.config, weights: { ...ck.weights } };
    const dropped = Object.keys(cut.weights).find((k) => !(k in NETWORK_TABLES))!;
    delete cut.weights[dropped];
    expect(() => transferStudentWeights(to, cut)).toThrow(`missing weight ${dropped}`);
    expect(values(to)).toEqual(before);
    from.dispose();
    to.dispose();
  });

  it('an id-free student has no network table: every tensor carries over, and it runs on the new network', () => {
    const cfg = { ...TINY_STUDENT, idFree: true };
    const from = new Student(porto.derived, cfg, 1);
    const to = new Student(sf.derived, cfg, 2);
    const names = to.store.variables().map((v) => canonicalName(v.name));
    expect(names).not.toContain('student/road/id/table');
    expect(names).not.toContain('student/zone/id/table');
    expect(names).toContain('student/road/degree/w');
    // The class table is the fixed OSM list (+ one for other classes) on both networks.
    const typeRows = (s: Student) => s.store.variables().find((v) => canonicalName(v.name) === 'student/road/type/table')!.shape[0];
    expect(typeRows(from)).toBe(OSM_HIGHWAY_CLASSES.length + 1);
    expect(typeRows(to)).toBe(typeRows(from));
    const report = transferStudentWeights(to, checkpointOf(from, porto));
    const total = to.store.variables().length;
    expect(report.carried).toBe(total);
    expect(report.reinitialised).toEqual([]);
    expect(report.message).toBe(`id-free: ${total} of ${total} tensors carried over, none re-initialised`);
    expect(values(to)).toEqual(values(from));
    const enc = tf.tidy(() => {
      const e = to.encodeNetwork();
      return { road: e.road.shape[0], zone: e.zone.shape[0], finite: tf.all(tf.isFinite(e.road)).dataSync()[0] };
    });
    expect(enc).toEqual({ road: sf.net.roads.length, zone: sf.derived.zones.nZones, finite: 1 });
    from.dispose();
    to.dispose();
  });

  it('an id-free student trains (finite losses, no tensor left behind)', () => {
    const t = new StudentTrainer({
      network: sf.net,
      derived: sf.derived,
      train: sf.ds.splits.train,
      studentConfig: { ...TINY_STUDENT, idFree: true },
      options: { mode: 'vanilla', batchSize: 5, microBatch: 5, epochs: 2, lr: 5e-3, warmupRatio: 0, seed: 3 },
    });
    try {
      t.step();
      const tensors = tf.memory().numTensors;
      const losses = [0, 1, 2].map(() => t.step().total);
      expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      t.dispose();
    }
  });
});
