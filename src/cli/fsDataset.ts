// Loads the files of a HOSER-format dataset folder from disk for the Node CLI.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { TextFile } from '../lib/data/types';
import { datasetFileRole } from '../lib/data/hoserReader';

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
