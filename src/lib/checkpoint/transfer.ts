// Region transfer (TransferTraj's question): a student trained on one road network starts a
// student on another. The tables indexed by a network's own ids (roads, zones, road types) mean
// nothing on the new network and keep their fresh initialisation; every other tensor (the road
// feature encoders, the graph layers, the trajectory encoder, the navigator, the time head) is
// carried over. An id-free student (StudentConfig.idFree) has no such table (its highway classes
// are read through one fixed list), so everything is carried over: zero-shot transfer. Any other
// mismatch (kind, model size) is refused with its reason.
import * as tf from '@tensorflow/tfjs';
import type { GridSpec, GridVocab } from '../data/derivedTypes';
import { cellSizeKm } from '../data/grid';
import type { Student } from '../models/student';
import type { TeacherConfig } from '../models/teacher';
import { canonicalName } from '../features/variableNames';
import { assertCompatible, sameShape, weightsDoNotFit, type Checkpoint, type NamedWeights } from './checkpoint';

/**
 * The network-indexed tables, by canonical variable name (torch: road_network_encoder.road_id_emb,
 * .zone_id_emb, .type_emb), with what they index.
 */
export const NETWORK_TABLES: Readonly<Record<string, string>> = {
  'student/road/id/table': 'road ids',
  'student/zone/id/table': 'zone ids',
  'student/road/type/table': 'road types',
};

export interface TransferReport {
  carried: number;
  total: number;
  /** What the re-initialised tables index ("road ids", …). */
  reinitialised: string[];
  /** "tables re-initialised (road ids, zone ids, road types): 58 of 61 tensors carried over" */
  message: string;
}

/**
 * Puts a student checkpoint made for another road network into `student` (built for this one),
 * all but the network tables. Throws, changing nothing, unless every other tensor fits by name and
 * shape and the configs agree (dropout and frozen encoders aside).
 */
export function transferStudentWeights(student: Student, ck: Checkpoint): TransferReport {
  // Kind and model size as for any load; the road network is the one thing allowed to differ.
  assertCompatible(ck, { kind: 'student', fingerprint: ck.fingerprint, config: student.config, ignoreKeys: ['dropout', 'freezeEncoders'] });
  const vars = student.store.variables();
  const problems: string[] = [];
  const carry: Array<[tf.Variable, NamedWeights[string]]> = [];
  const seen = new Set<string>();
  const tables: Readonly<Record<string, string>> = student.config.idFree ? {} : NETWORK_TABLES;
  for (const v of vars) {
    const key = canonicalName(v.name);
    seen.add(key);
    if (key in tables) continue;
    const w = ck.weights[key];
    if (!w) problems.push(`missing weight ${key}`);
    else if (!sameShape(w.shape, v.shape)) problems.push(`${key}: shape [${w.shape}] in file, [${v.shape}] in model`);
    else carry.push([v, w]);
  }
  const reinitialised = Object.keys(tables)
    .filter((k) => seen.has(k))
    .map((k) => tables[k]);
  for (const key of Object.keys(ck.weights)) if (!seen.has(key)) problems.push(`unexpected weight ${key}`);
  if (problems.length) throw weightsDoNotFit(problems);
  for (const [v, w] of carry) tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, 'float32')));
  student.invalidateCache();
  return {
    carried: carry.length,
    total: vars.length,
    reinitialised,
    message: reinitialised.length
      ? `tables re-initialised (${reinitialised.join(', ')}): ${carry.length} of ${vars.length} tensors carried over`
      : `id-free: ${carry.length} of ${vars.length} tensors carried over, none re-initialised`,
  };
}

/**
 * A moves teacher (TeacherConfig.moves) of another network as a teacher of this one: its weights
 * name no cell, so they carry over as they are; the config takes this network's grid (vocabulary
 * size and the grid the destination offsets are measured on). A cell-token teacher's embedding rows
 * are its own city's cells, and it is refused.
 */
export function transferTeacherCheckpoint(ck: Checkpoint, grid: GridVocab, fingerprint: string): Checkpoint<TeacherConfig> {
  if (ck.kind !== 'teacher') throw new Error(`a ${ck.kind} checkpoint, not a teacher`);
  const cfg = ck.config as TeacherConfig;
  if (!cfg.moves)
    throw new Error(
      `this teacher's tokens are the ${cfg.vocabSize - 3} cells of its own city's grid; only a moves teacher (train teacher --moves) transfers to another network`,
    );
  const src = cfg.destRelative;
  if (!src) throw new Error('a moves teacher without its grid (destRelative): the checkpoint is corrupt');
  const cellSize = (g: GridSpec): string => {
    const { ns, ew } = cellSizeKm(g);
    return `${Math.round(ns * 1000)} m × ${Math.round(ew * 1000)} m`;
  };
  const config: TeacherConfig = { ...cfg, vocabSize: grid.vocabSize, destRelative: { ...grid.spec } };
  return {
    ...ck,
    config,
    fingerprint,
    hyper: {
      ...ck.hyper,
      transferredFrom: {
        fingerprint: ck.fingerprint,
        message: `moves teacher: all ${Object.keys(ck.weights).length} tensors carried over; cells ${cellSize(src)} there, ${cellSize(grid.spec)} here`,
      },
    },
    // An optimiser state belongs to the run that made it, not to the transferred teacher.
    training: { epoch: ck.training.epoch, step: ck.training.step },
  };
}
