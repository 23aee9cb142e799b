// Opening a training session, the one way the app starts a run: a fresh run of either kind, a run
// continued from a checkpoint (the session is built from the checkpoint's own settings, then takes
// over its weights and training state), or a student started from another road network's student
// (region transfer). The checkpoint is decoded and its kind checked once, here; the decoded
// checkpoint is what the session loads (SteppedSession.loadCheckpoint checks network and size
// without decoding again).
//
// Framework-free: no DOM, no worker globals.
import { decodeCheckpoint, type Checkpoint, type CheckpointKind } from '../checkpoint/checkpoint';
import { transferStudentWeights, type TransferReport } from '../checkpoint/transfer';
import type { StudentConfig } from '../models/studentConfig';
import { TrainingSession, type SessionEvents } from './session';
import { fineTuneFixed, type SessionHyper } from './sessionHyper';
import type { SessionInit, StateEvents } from './steppedSession';
import type { NextCellTeacher } from './studentTrainer';
import { TeacherSession, teacherHyperOf, type TeacherSessionEvents } from './teacherSession';
import type { TeacherHyper } from './teacherHyper';
import type { ValCheckOptions } from './valCheck';

export type AnySession = TrainingSession | TeacherSession;

/** What every session of a run is built from, whichever way it is opened: SessionInit's data and driving, two kinds' events. */
export interface SessionSetup extends Omit<SessionInit<SessionHyper, StateEvents>, 'hyper' | 'events'> {
  /** Distillation's teacher; a distilled student without one is refused. */
  teacher?: NextCellTeacher;
  studentEvents?: SessionEvents;
  teacherEvents?: TeacherSessionEvents;
  /** Overrides of the student's size preset (tests use a tiny model). */
  studentConfig?: Partial<StudentConfig>;
  /** Early val points of student runs (valCheck.ts). */
  valCheck?: ValCheckOptions;
}

/**
 * A checkpoint file to open a session from: continued (`resume`, default), a region transfer's
 * start, or the weights a fresh run of this network starts from (`init`: fine-tuning; fresh
 * optimiser and counters, this run's settings, the file's size must be the run's).
 */
export interface CheckpointFileInput {
  bytes: Uint8Array;
  /** The file's name, for messages ("x.safetensors holds a teacher model; …"). */
  name: string;
  use?: CheckpointUse;
}

export type CheckpointUse = 'resume' | 'transfer' | 'init';

export interface OpenSessionRequest {
  kind: CheckpointKind;
  /** A fresh run's settings; under a checkpoint, the settings it does not carry itself. */
  hyper: Partial<SessionHyper> | Partial<TeacherHyper>;
  from?: CheckpointFileInput;
  /**
   * The session this one replaces: disposed once the checkpoint has been read and the settings
   * checked, before the new model is built (two models never share the device). Left alone when
   * the request is refused before that.
   */
  replaces?: { dispose(): void } | null;
}

export interface OpenedSession {
  session: AnySession;
  /** The checkpoint the session continues (`resume`) or started from (`transfer`); null for a fresh run. */
  checkpoint: Checkpoint | null;
  /** What a region transfer carried over; null otherwise. */
  transfer: TransferReport | null;
}

/**
 * Decodes checkpoint bytes and checks their kind: a file that is not a checkpoint, or holds the
 * other kind of model, is refused with one message that says why.
 */
export function readRunCheckpoint(bytes: Uint8Array, name: string, kind: CheckpointKind, use: CheckpointUse = 'resume'): Checkpoint {
  const ck = decodeCheckpoint(bytes);
  if (use !== 'resume' && ck.kind !== 'student')
    throw new Error(`${name} holds a ${ck.kind} model; a ${use === 'init' ? 'fine-tune' : 'transfer'} starts from a student checkpoint`);
  if (ck.kind !== kind) throw new Error(`${name} holds a ${ck.kind} model; ${kind} mode needs a ${kind} checkpoint`);
  return ck;
}

/** The settings a session opened from `ck` trains with: the checkpoint's own over `base`. */
function settingsOf(
  kind: CheckpointKind,
  base: OpenSessionRequest['hyper'],
  ck: Checkpoint | null,
  use: CheckpointUse,
): OpenSessionRequest['hyper'] {
  if (!ck) return base;
  if (kind === 'teacher') return { ...base, ...teacherHyperOf(ck) };
  const saved = ck.hyper as Partial<SessionHyper> | undefined;
  // A transfer keeps this run's settings and takes the file's model size only (a fresh run, step 0);
  // a resumed run takes the file's settings (mode, λ, epochs, batch …): its schedule and counters
  // continue where it stopped, and the page's form shows what is running.
  if (use === 'transfer') return saved?.size ? { ...base, size: saved.size } : base;
  // A fine-tune trains with this run's settings on the file's architecture, data and inputs
  // (sessionHyper.ts FINE_TUNE_FIXED): its weights have a size and a route-feature part or not, and
  // it goes on with the route corpus it learnt from (or without).
  if (use === 'init') return saved ? { ...base, ...fineTuneFixed(saved) } : base;
  return saved ? { ...base, ...saved } : base;
}

/**
 * Opens a session of `req.kind` on the setup's data: fresh, or from `req.from` (decoded once).
 * Refuses, with the reason, a file that is not a checkpoint, one of the other kind, one for another
 * road network or size, and a distilled student without a teacher.
 */
export function openSession(setup: SessionSetup, req: OpenSessionRequest): OpenedSession {
  const use = req.from?.use ?? 'resume';
  const ck = req.from ? readRunCheckpoint(req.from.bytes, req.from.name, req.kind, use) : null;
  const hyper = settingsOf(req.kind, req.hyper, ck, use);
  if (req.kind === 'student' && (hyper as Partial<SessionHyper>).mode === 'distilled' && !setup.teacher) {
    throw new Error('distilled mode needs a teacher checkpoint, which is not loaded');
  }
  req.replaces?.dispose();
  const common = {
    dataset: setup.dataset,
    derived: setup.derived,
    backendName: setup.backendName,
    minEmitMs: setup.minEmitMs ?? 100,
    now: setup.now,
    yieldFn: setup.yieldFn,
    betweenSteps: setup.betweenSteps,
  };
  const session: AnySession =
    req.kind === 'teacher'
      ? new TeacherSession({ ...common, hyper: hyper as Partial<TeacherHyper>, events: setup.teacherEvents })
      : new TrainingSession({
          ...common,
          hyper: hyper as Partial<SessionHyper>,
          teacher: setup.teacher,
          events: setup.studentEvents,
          studentConfig: setup.studentConfig,
          valCheck: setup.valCheck,
        });
  if (!ck) return { session, checkpoint: null, transfer: null };
  try {
    if (use === 'transfer') {
      if (!(session instanceof TrainingSession)) throw new Error('a transfer needs a student run');
      return { session, checkpoint: ck, transfer: transferStudentWeights(session.student, ck) };
    }
    if (use === 'init') {
      if (!(session instanceof TrainingSession)) throw new Error('a fine-tune needs a student run');
      session.initFrom(ck);
      return { session, checkpoint: ck, transfer: null };
    }
    session.loadCheckpoint(ck);
    return { session, checkpoint: ck, transfer: null };
  } catch (e) {
    session.dispose();
    throw e;
  }
}
