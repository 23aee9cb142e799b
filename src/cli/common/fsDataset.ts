// Loads the files of a HOSER-format dataset folder from disk for the Node CLI.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Dataset, RoadNetwork, TextFile } from '../../lib/data/types';
import type { Derived } from '../../lib/data/derivedTypes';
import { datasetFileRole, readHoserDatasetStream } from '../../lib/data/hoserReader';
import { decodeUtf8, fileBytes, type StreamFile } from '../../lib/data/textStream';
import { writeHoserDataset } from '../../lib/data/hoserWriter';
import { buildDerived } from '../../lib/data/derived';

/**
 * The dataset files of `dir` (roadmap.geo/.rel, train/val/test.csv, routes.csv; `.csv` name variants
 * accepted) as streams: nothing is read yet. `<name>.gz` is gunzipped as it streams when the plain
 * file is absent. Names are the file names on disk, so issues point at the real file.
 */
export async function datasetDirFiles(dir: string): Promise<StreamFile[]> {
  const st = await stat(dir).catch(() => null);
  if (!st) throw new Error(`dataset directory not found: ${dir}`);
  if (!st.isDirectory()) throw new Error(`not a directory: ${dir}`);
  const names = (await readdir(dir)).sort();
  // Plain files first, so a plain file wins over its .gz twin.
  const ordered = [...names.filter((n) => !n.endsWith('.gz')), ...names.filter((n) => n.endsWith('.gz'))];
  const seen = new Set<string>();
  const files: StreamFile[] = [];
  for (const n of ordered) {
    const role = datasetFileRole(n);
    if (!role || seen.has(role)) continue;
    seen.add(role);
    files.push(fsStreamFile(join(dir, n), n));
  }
  return files;
}

/** A file on disk as a StreamFile (read in 1 MiB chunks; gzip when its name ends with .gz). */
export function fsStreamFile(path: string, name = basename(path)): StreamFile {
  return { name, open: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
}

/**
 * Every dataset file of `dir` as whole texts (small files: the roadmap a command copies as it is).
 * A large trip file is read with datasetDirFiles instead.
 */
export async function readDatasetDir(dir: string): Promise<TextFile[]> {
  const out: TextFile[] = [];
  for (const f of await datasetDirFiles(dir)) {
    let text = '';
    for await (const s of decodeUtf8(fileBytes(f))) text += s;
    out.push({ name: f.name, text });
  }
  return out;
}

/** Reads and validates only the roadmap (roadmap.geo and .rel) of the dataset in `dir`. */
export async function loadRoadmap(dir: string): Promise<RoadNetwork> {
  const files = (await datasetDirFiles(dir)).filter((f) => {
    const role = datasetFileRole(f.name);
    return role === 'geo' || role === 'rel';
  });
  return (await readHoserDatasetStream(files, basename(resolve(dir)))).network;
}

/** Reads and validates the dataset in `dir`, named after the folder. */
export async function loadDataset(dir: string): Promise<Dataset> {
  return readHoserDatasetStream(await datasetDirFiles(dir), basename(resolve(dir)));
}

/** Reads a dataset folder and builds its derived structures (the CLI's shared loading step). */
export async function loadDatasetWithDerived(dir: string): Promise<{ dataset: Dataset; derived: Derived }> {
  const dataset = await loadDataset(dir);
  return { dataset, derived: buildDerived(dataset) };
}

/** Writes the HOSER files of `ds` into `out`; returns each file's size and sha256 (the determinism check). */
export async function writeDatasetFiles(out: string, ds: Dataset): Promise<Record<string, { bytes: number; sha256: string }>> {
  await mkdir(out, { recursive: true });
  const fileInfo: Record<string, { bytes: number; sha256: string }> = {};
  for (const f of writeHoserDataset(ds)) {
    await writeFile(join(out, f.name), f.text);
    fileInfo[f.name] = { bytes: Buffer.byteLength(f.text), sha256: createHash('sha256').update(f.text).digest('hex') };
  }
  return fileInfo;
}
