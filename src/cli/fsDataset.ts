// Loads the files of a HOSER-format dataset folder from disk for the Node CLI.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Dataset, TextFile } from '../lib/data/types';
import type { Derived } from '../lib/data/derivedTypes';
import { datasetFileRole, readHoserDataset } from '../lib/data/hoserReader';
import { writeHoserDataset } from '../lib/data/hoserWriter';
import { buildDerived } from '../lib/data/derived';

/**
 * Reads every dataset file of `dir` (roadmap.geo/.rel, train/val/test.csv; `.csv` name variants
 * accepted). `<name>.gz` is gunzipped transparently when the plain file is absent. The returned
 * names are the file names on disk, so issues point at the real file.
 */
export async function readDatasetDir(dir: string): Promise<TextFile[]> {
  const st = await stat(dir).catch(() => null);
  if (!st) throw new Error(`dataset directory not found: ${dir}`);
  if (!st.isDirectory()) throw new Error(`not a directory: ${dir}`);
  const names = (await readdir(dir)).sort();
  // Plain files first, so a plain file wins over its .gz twin.
  const ordered = [...names.filter((n) => !n.endsWith('.gz')), ...names.filter((n) => n.endsWith('.gz'))];
  const seen = new Set<string>();
  const files: TextFile[] = [];
  for (const n of ordered) {
    const role = datasetFileRole(n);
    if (!role || seen.has(role)) continue;
    seen.add(role);
    const buf = await readFile(join(dir, n));
    const text = (n.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
    files.push({ name: n, text });
  }
  return files;
}

/** Reads and validates the dataset in `dir`, named after the folder. */
export async function loadDataset(dir: string): Promise<Dataset> {
  return readHoserDataset(await readDatasetDir(dir), basename(resolve(dir)));
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
