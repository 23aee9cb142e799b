// The checkpoint manifest: every checkpoint a report or the app needs, with what identifies its
// weights and the command that trains it again. Training is bit-reproducible from command and seed
// on the wasm backend (the same per-epoch numbers and the same weights), so a run need not be
// committed to be re-scored: its entry says how to make it and what it must hash to.
//
// Two digests: `sha256` of the file as it is, and `weightsSha256` of the weights alone (tensors in
// name order: name, NUL, shape as JSON, NUL, the float32 bytes). A retrained file differs in its
// metadata (creation time, seconds per epoch), never in its weights, so the weights digest is what a
// retrain is checked against.
import { decodeSafetensors } from './safetensors';

export interface ManifestEntry {
  /** Repository-relative path. */
  path: string;
  bytes: number;
  sha256: string;
  weightsSha256: string;
  kind: string;
  dataset: string | null;
  fingerprint: string | null;
  /** Whether git holds the file (false: made by its command on demand). */
  committed: boolean;
  /** The reports and app entries that read it (at least one, or it has no business being listed). */
  usedBy: string[];
  /** `npm run cli -- …` that trains it again (students), or null where it cannot be rebuilt from metadata. */
  command: string | null;
  /**
   * 'recorded': the training log holds the command as it ran; 'rebuilt': made from the checkpoint's
   * hyper-parameters (runs older than the recorded command; code has changed since some of them);
   * 'study': the job of a study file (studies/*.json) that makes it (teachers, moved checkpoints and
   * runs whose log records no command, and a study teacher's committed copy); 'same bytes': the
   * command of another entry with the same sha256; 'same log': a copy of another entry's run (the
   * same training log and weights), its command then the copy (and calibrate-time where the copy's
   * hop-time scale was fitted after it was shipped).
   */
  commandSource: 'recorded' | 'rebuilt' | 'study' | 'same bytes' | 'same log' | null;
  /** A committed checkpoint with the same bytes, when this one is not committed itself. */
  sameAs?: string;
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const d = await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** sha256 of the whole file. */
export function fileSha256(bytes: Uint8Array): Promise<string> {
  return sha256Hex(bytes);
}

/** sha256 of the weights alone (see the header): equal for a bit-identical retrain. */
export function weightsSha256(bytes: Uint8Array): Promise<string> {
  const st = decodeSafetensors(bytes);
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const name of [...st.tensors.keys()].sort()) {
    const t = st.tensors.get(name)!;
    parts.push(enc.encode(`${name}\0${JSON.stringify(t.shape)}\0`), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return sha256Hex(all);
}

/** The checkpoint's metadata fields the manifest reads. */
export interface CheckpointFacts {
  kind: string;
  fingerprint: string | null;
  hyper: Record<string, unknown> | null;
}

export function checkpointFacts(bytes: Uint8Array): CheckpointFacts {
  const { metadata } = decodeSafetensors(bytes);
  let hyper: Record<string, unknown> | null = null;
  try {
    hyper = metadata.hyper ? (JSON.parse(metadata.hyper) as Record<string, unknown>) : null;
  } catch {
    hyper = null;
  }
  return { kind: metadata.kind ?? 'unknown', fingerprint: metadata.fingerprint ?? null, hyper };
}

/** Student flags whose values differ from the training CLI's defaults, in the CLI's spelling. */
const STUDENT_FLAGS: Array<[key: string, flag: string]> = [
  ['mode', 'mode'],
  ['seed', 'seed'],
  ['trainFrac', 'train-frac'],
  ['epochs', 'epochs'],
  ['patience', 'patience'],
  ['maxLen', 'max-len'],
  ['batch', 'batch'],
  ['microBatch', 'micro'],
  ['size', 'size'],
  ['lr', 'lr'],
  ['alpha', 'alpha'],
];
const DISTILL_FLAGS: Array<[key: string, flag: string]> = [
  ['lambda', 'lambda'],
  ['tau', 'tau'],
  ['window', 'window'],
  ['klMaskLastSteps', 'kl-mask-last'],
  ['klMaskRandom', 'kl-mask-random'],
  ['teacherTarget', 'teacher-target'],
];

/**
 * `npm run cli -- train student …` for a student checkpoint, from the hyper-parameters it carries.
 * `teacher` is the teacher checkpoint's path (the metadata names none); a distilled student whose
 * teacher is unknown, or a checkpoint that is not a plainly trained student, gives null. A student
 * whose hop-time scale was calibrated gets the calibrate-time step after its training.
 */
export function studentTrainCommand(
  facts: CheckpointFacts,
  opts: { dataset: string; out: string; teacher?: string | null },
): string | null {
  const h = facts.hyper;
  if (facts.kind !== 'student' || !h || h.transferredFrom !== undefined) return null;
  const distilled = h.mode === 'distilled';
  const needsTeacher = distilled && h.teacherTarget !== 'uniform';
  if (needsTeacher && !opts.teacher) return null;
  const args = ['train', 'student', '--dataset', opts.dataset];
  const push = (flag: string, v: unknown): void => {
    if (v === undefined || v === null || v === false || v === 0) return;
    args.push(`--${flag}`);
    if (v !== true) args.push(String(v));
  };
  for (const [k, f] of STUDENT_FLAGS) push(f, h[k]);
  if (distilled) {
    for (const [k, f] of DISTILL_FLAGS) if (!(k === 'teacherTarget' && h[k] === 'teacher')) push(f, h[k]);
    push('kl-mask-indistinct', h.klMaskIndistinct === true);
    if (needsTeacher) push('teacher', opts.teacher);
  }
  push('routes', h.routes === true);
  push('id-free', h.idFree === true);
  push('route-features', h.routeFeatures === true);
  push('route-markov', h.routeMarkov !== null && h.routeMarkov !== undefined);
  if (h.routeSpeeds && h.routeSpeeds !== 'free-flow') push('route-speeds', h.routeSpeeds);
  push('route-zone-plan', h.routeZonePlan === true);
  push('last-step-only', h.lastStepOnly === true);
  push('no-tau2', h.noTauSquared === true);
  push('freeze-encoders', h.freezeEncoders === true);
  args.push('--quiet', '--out', opts.out);
  const train = `npm run cli -- ${args.map(shellWord).join(' ')}`;
  // A shipped student's hop-time scale was fitted on val after training (calibrate-time).
  return h.timeScale === undefined ? train : `${train} && npm run cli -- calibrate-time --checkpoint ${shellWord(opts.out)}`;
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
