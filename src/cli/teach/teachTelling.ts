// `teach telling`: the guided tour's telling examples for a city's shipped checkpoints, found once
// here (lib/teach/telling.ts) and committed beside them (public/checkpoints/<city>/telling.json), so
// the Teach view never searches at load. The file records this command and each checkpoint's sha256;
// tests/teach/tellingShipped.test.ts fails when the shipped checkpoints change without it.
//   npm run cli -- teach telling [--city porto|sf] [--backend wasm|cpu]
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { flagString, parseArgs } from '../common/args';
import { loadDataset } from '../common/fsDataset';
import { initNodeBackend } from '../../lib/runtime/node';
import { installFastKernels } from '../../lib/models/layers';
import { buildDerived } from '../../lib/data/derived';
import { loadStudent, loadTeacher } from '../../lib/checkpoint/loadModel';
import { batchContext } from '../../lib/features/studentBatch';
import { THESIS_RECIPE } from '../../lib/train/recipe';
import { findTelling, tellingPool, type TellingFile } from '../../lib/teach/telling';
import type { Student } from '../../lib/models/student';

const USAGE = `usage:
  teach telling [--city porto|sf] [--backend wasm|cpu]
                the tour's telling examples for public/checkpoints/<city>/{teacher,vanilla,distilled}.safetensors
                on public/data/<city>/, written to public/checkpoints/<city>/telling.json with the
                checkpoints' sha256 (re-run whenever a shipped checkpoint changes)`;

/** The committed file of `city` (the test and this command agree on it). */
export const tellingPath = (city: string): string => `public/checkpoints/${city}/telling.json`;

/** The command that writes a city's file, as recorded in it. */
export const tellingCommand = (city: string): string => `npm run cli -- teach telling --city ${city}`;

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function windowOf(hyper: Record<string, unknown> | undefined): number | null {
  const w = hyper?.window;
  return typeof w === 'number' && Number.isInteger(w) && w > 0 ? w : null;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args);
  if (p.positional[0] !== 'telling' || p.flags.help) {
    console.log(USAGE);
    return p.flags.help ? 0 : 2;
  }
  const city = flagString(p, 'city', 'porto');
  if (!/^[a-z]+$/.test(city)) throw new Error(`--city: a city folder name like porto or sf, not ${city}`);
  const backendName = flagString(p, 'backend', 'wasm');
  if (backendName !== 'wasm' && backendName !== 'cpu') throw new Error('--backend must be wasm or cpu');
  await initNodeBackend(backendName);
  installFastKernels();
  const ds = await loadDataset(`public/data/${city}`);
  const derived = buildDerived(ds);
  const path = (name: string) => `public/checkpoints/${city}/${name}.safetensors`;
  const bytesOf = async (name: string): Promise<Uint8Array | null> =>
    readFile(path(name)).then(
      (b) => new Uint8Array(b),
      () => null,
    );
  const [tb, vb, db] = await Promise.all([bytesOf('teacher'), bytesOf('vanilla'), bytesOf('distilled')]);
  if (!tb) throw new Error(`no teacher checkpoint at ${path('teacher')}`);
  const teacher = loadTeacher(tb, derived).model;
  const students: Record<'vanilla' | 'distilled', { model: Student; hyper?: Record<string, unknown> } | null> = {
    vanilla: null,
    distilled: null,
  };
  for (const [name, b] of [
    ['vanilla', vb],
    ['distilled', db],
  ] as const) {
    if (!b) continue;
    const { model, checkpoint } = loadStudent(b, derived);
    students[name] = { model, hyper: checkpoint.hyper };
  }
  // The worker's window: the distilled student's, else the vanilla's, else the thesis's.
  const window = windowOf(students.distilled?.hyper) ?? windowOf(students.vanilla?.hyper) ?? THESIS_RECIPE.window;
  const trips = (['val', 'test'] as const).flatMap((split) => ds.splits[split].filter((t) => t.roads.length >= 3));
  const pool = tellingPool(trips.map((t) => ({ trip: t, roads: t.roads.length }))).map((e) => e.trip);
  const t0 = Date.now();
  const { telling, picks } = await findTelling(
    batchContext(ds.network, derived),
    { teacher, vanilla: students.vanilla?.model ?? null, distilled: students.distilled?.model ?? null },
    pool,
    window,
  );
  const file: TellingFile = {
    schema: 'trajdistill-telling/1',
    command: tellingCommand(city),
    dataset: { name: ds.name, fingerprint: derived.fingerprint },
    checkpoints: {
      teacher: { path: path('teacher'), sha256: sha256(tb) },
      vanilla: vb ? { path: path('vanilla'), sha256: sha256(vb) } : null,
      distilled: db ? { path: path('distilled'), sha256: sha256(db) } : null,
    },
    window,
    telling,
    picks,
  };
  await writeFile(tellingPath(city), JSON.stringify(file, null, 2) + '\n');
  console.log(
    `${tellingPath(city)}: trip ${telling.trip} step ${telling.step} (teacher ${picks[0].teacherRight ? 'right' : 'wrong'}), ${pool.length} trips searched in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  teacher.dispose();
  students.vanilla?.model.dispose();
  students.distilled?.model.dispose();
  return 0;
}
