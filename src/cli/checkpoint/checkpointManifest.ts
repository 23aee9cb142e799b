// `checkpoint manifest [--out checkpoints.json] [--check]`: the one list of checkpoints a report or
// the app needs (src/lib/checkpoint/manifest.ts). It walks public/checkpoints/ and runs/, keeps a
// checkpoint only where something reads it (the app's embedded models, or a report whose
// `.inputs` record names its sha256 or whose text names its path), and writes each with both
// digests, whether git holds it, and the command that trains it again. --check compares the files
// here with the manifest instead of writing it: a committed file must match its sha256, a file
// made here by its command must match its weights digest (a bit-identical retrain).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import * as prettier from 'prettier';
import { repoRoot } from '../common/repoPath';
import { checkStudy, planStudy, type StudyFile } from '../study/studyPlan';
import { checkpointFacts, fileSha256, studentTrainCommand, weightsSha256, type ManifestEntry } from '../../lib/checkpoint/manifest';

const ROOTS = ['public/checkpoints', 'runs'];
const REPORT_ROOTS = ['docs/experiments', 'public/reports', 'runs'];

async function walk(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.routes') out.push(...(await walk(p, keep)));
    } else if (keep(e.name)) out.push(p);
  }
  return out;
}

/** The training log beside a checkpoint (<name>.log.json), when there is one. */
async function logOf(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path.replace(/\.safetensors$/, '.log.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export async function buildManifest(root: string): Promise<ManifestEntry[]> {
  const tracked = new Set(
    execFileSync('git', ['ls-files', '--', ...ROOTS], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean),
  );
  const ckpts = (await Promise.all(ROOTS.map((r) => walk(join(root, r), (n) => n.endsWith('.safetensors') && !n.startsWith('.tmp-')))))
    .flat()
    .map((p) => relative(root, p))
    .sort();
  // What reads a checkpoint: a report's text naming its path, or an .inputs record naming its sha256.
  const reports = (
    await Promise.all(REPORT_ROOTS.map((r) => walk(join(root, r), (n) => n.endsWith('.json') || n.endsWith('.inputs'))))
  ).flat();
  const texts = await Promise.all(reports.map(async (p) => ({ path: relative(root, p), text: await readFile(p, 'utf8') })));
  const out: ManifestEntry[] = [];
  for (const path of ckpts) {
    const bytes = new Uint8Array(await readFile(join(root, path)));
    const sha256 = await fileSha256(bytes);
    const usedBy = texts
      .filter((t) => t.path !== path.replace(/\.safetensors$/, '.log.json') && (t.text.includes(path) || t.text.includes(sha256)))
      .map((t) => t.path.replace(/\.inputs$/, ''));
    if (path.startsWith('public/checkpoints/')) usedBy.unshift('the app (embedded models)');
    if (usedBy.length === 0) continue;
    const facts = checkpointFacts(bytes);
    const log = await logOf(join(root, path));
    const dataset = typeof log?.dataset === 'string' ? log.dataset : null;
    // A log written by this version records the command itself; older ones are rebuilt from metadata.
    const recorded = typeof log?.command === 'string' ? log.command : null;
    const teacher = typeof log?.teacherPath === 'string' ? log.teacherPath : null;
    const command = recorded ?? (dataset ? studentTrainCommand(facts, { dataset: `public/data/${dataset}`, out: path, teacher }) : null);
    out.push({
      path,
      bytes: bytes.length,
      sha256,
      weightsSha256: await weightsSha256(bytes),
      kind: facts.kind,
      dataset,
      fingerprint: facts.fingerprint,
      committed: tracked.has(path),
      usedBy: [...new Set(usedBy)].sort(),
      command,
      commandSource: recorded ? 'recorded' : command ? 'rebuilt' : null,
    });
  }
  // An uncommitted file whose bytes git holds elsewhere (a teacher copied into public/checkpoints).
  for (const e of out) {
    const twin = e.committed ? undefined : out.find((o) => o.committed && o.sha256 === e.sha256);
    if (twin) e.sameAs = twin.path;
  }
  return out;
}

/**
 * The command of each file a study makes (studies/*.json), as `npm run cli -- …` writing it in place;
 * and, under `sha256:<digest>`, that of a teacher's committed copy (its `committed` file: trained,
 * then copied there).
 */
export async function studyCommands(root: string): Promise<Map<string, string>> {
  const byOut = new Map<string, string>();
  const files = (await readdir(join(root, 'studies'))).filter((f) => f.endsWith('.json') && f !== 'results.json').sort();
  for (const f of files) {
    const study = checkStudy(JSON.parse(await readFile(join(root, 'studies', f), 'utf8')) as StudyFile);
    for (const j of planStudy(study)) {
      if (byOut.has(j.out)) continue;
      const args = j.args.map((a) => (a === j.tmp || a === '{tmp}' ? j.out : a));
      const command = `npm run cli -- ${args.join(' ')}`;
      byOut.set(j.out, command);
      const c = j.committed;
      if (c && !c.commit && !byOut.has(`sha256:${c.sha256}`)) byOut.set(`sha256:${c.sha256}`, `${command} && cp ${j.out} ${c.path}`);
    }
  }
  return byOut;
}

/** What the manifest compares a checkpoint's training by: its log's text, and whether its hop-time scale was fitted. */
export interface LogFacts {
  log: string;
  calibrated: boolean;
}

/** The training log beside each entry's checkpoint (entries without one are left out). */
export async function logFacts(root: string, entries: readonly ManifestEntry[]): Promise<Map<string, LogFacts>> {
  const out = new Map<string, LogFacts>();
  for (const e of entries) {
    const log = await readFile(join(root, e.path.replace(/\.safetensors$/, '.log.json')), 'utf8').catch(() => null);
    if (log === null) continue;
    const facts = checkpointFacts(new Uint8Array(await readFile(join(root, e.path))));
    out.set(e.path, { log, calibrated: facts.hyper?.timeScale !== undefined });
  }
  return out;
}

/** The checkpoint a recorded training command writes (a study's temporary name read as the file it becomes). */
function recordedOut(command: string): string | null {
  const out = / --out (\S+)/.exec(command)?.[1];
  return out ? out.replace(/(^|\/)\.tmp-([^/]+)$/, '$1$2') : null;
}

/** An entry whose log records the command of another file's run: a shipped copy of that run. */
const recordsOtherRun = (e: ManifestEntry): boolean =>
  e.commandSource === 'recorded' && e.command !== null && recordedOut(e.command) !== e.path;

/**
 * Fills the command of entries whose log records none: the study job that makes the file (or the
 * study teacher whose committed copy it is), else another entry's with the same bytes, else a run's
 * whose training log and weights are the same (a shipped copy of a run: copied, then its hop-time
 * scale fitted when the copy has one and the run has not). A shipped copy's log records its run's
 * command, which writes the run, not the copy: it too gets the run's command, then the copy.
 */
export function fillCommands(
  entries: ManifestEntry[],
  fromStudies: Map<string, string>,
  logs: Map<string, LogFacts> = new Map(),
): ManifestEntry[] {
  for (const e of entries) {
    if (e.command) continue;
    const study = fromStudies.get(e.path) ?? fromStudies.get(`sha256:${e.sha256}`);
    if (study) {
      e.command = study;
      e.commandSource = 'study';
    }
  }
  for (const e of entries) {
    if (e.command) continue;
    const twin = entries.find((o) => o !== e && o.sha256 === e.sha256 && o.command);
    if (twin) {
      e.command = twin.command;
      e.commandSource = 'same bytes';
    }
  }
  for (const e of entries) {
    const mine = logs.get(e.path);
    if ((e.command && !recordsOtherRun(e)) || !mine) continue;
    const run = entries.find(
      (o) =>
        o !== e &&
        o.command &&
        o.commandSource !== 'same log' &&
        !recordsOtherRun(o) &&
        o.weightsSha256 === e.weightsSha256 &&
        logs.get(o.path)?.log === mine.log,
    );
    if (!run) continue;
    const calibrate =
      mine.calibrated && !logs.get(run.path)!.calibrated
        ? ` && npm run cli -- calibrate-time --checkpoint ${e.path}${e.dataset ? ` --dataset public/data/${e.dataset}` : ''}`
        : '';
    e.command = `${run.command} && cp ${run.path} ${e.path}${calibrate}`;
    e.commandSource = 'same log';
  }
  return entries;
}

/** The manifest as prettier lays it out (the repository's own config), so `prettier --check` passes. */
/**
 * The entries made here, with the previous manifest's entries for checkpoints this machine does not
 * have: a run that is not committed (made by its command elsewhere) stays listed, not dropped because
 * this checkout never trained it. An absent committed file, or one made here, takes this machine's entry.
 */
export function keepAbsent(
  built: readonly ManifestEntry[],
  previous: readonly ManifestEntry[],
  exists: (path: string) => boolean,
): ManifestEntry[] {
  const here = new Set(built.map((e) => e.path));
  const kept = previous.filter((e) => !e.committed && !here.has(e.path) && !exists(e.path));
  return [...built, ...kept].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function manifestText(root: string, entries: ManifestEntry[]): Promise<string> {
  const path = resolve(root, 'checkpoints.json');
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(JSON.stringify({ note: MANIFEST_NOTE, checkpoints: entries }), { ...options, plugins: [], filepath: path });
}

export async function run(out: string, check: boolean): Promise<number> {
  const root = repoRoot();
  const built = await buildManifest(root);
  const entries = fillCommands(built, await studyCommands(root), await logFacts(root, built));
  if (!check) {
    const previous = existsSync(resolve(root, out))
      ? (JSON.parse(await readFile(resolve(root, out), 'utf8')) as { checkpoints: ManifestEntry[] }).checkpoints
      : [];
    const all = keepAbsent(entries, previous, (p) => existsSync(join(root, p)));
    await writeFile(resolve(root, out), await manifestText(root, all));
    const committed = all.filter((e) => e.committed);
    console.log(
      JSON.stringify({
        out,
        checkpoints: all.length,
        keptFromBefore: all.length - entries.length,
        committed: committed.length,
        committedBytes: committed.reduce((a, e) => a + e.bytes, 0),
      }),
    );
    return 0;
  }
  const listed = JSON.parse(await readFile(resolve(root, out), 'utf8')) as { checkpoints: ManifestEntry[] };
  const here = new Map(entries.map((e) => [e.path, e]));
  let bad = 0;
  for (const want of listed.checkpoints) {
    const got = here.get(want.path);
    if (!got) continue; // not made on this machine
    const ok = want.committed ? got.sha256 === want.sha256 : got.weightsSha256 === want.weightsSha256;
    if (!ok) {
      bad++;
      console.error(`${want.path}: ${want.committed ? 'sha256' : 'weights sha256'} differs from ${out}`);
    }
  }
  console.log(JSON.stringify({ checked: listed.checkpoints.filter((w) => here.has(w.path)).length, mismatches: bad }));
  return bad ? 1 : 0;
}

const MANIFEST_NOTE =
  'Every checkpoint a report or the app reads (npm run cli -- checkpoint manifest). committed: false means git does not hold it: run its command to make it; the result must match weightsSha256 (training is bit-reproducible; the file sha256 differs by its creation time).';
