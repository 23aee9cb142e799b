// Committed reports as JSON, read where they lie: `<path>`, or `<path>.gz` when only the gzipped copy
// is committed (per-OD reports reach 850 KB as text and a tenth of it gzipped, and the clone should not
// grow by tens of MB a round). One reader for every command that reads reports.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';

/** The report's text, from `<path>` or else `<path>.gz`; undefined when neither exists. */
export async function readReportText(path: string): Promise<string | undefined> {
  for (const [file, gz] of [
    [path, path.endsWith('.gz')],
    [`${path}.gz`, true],
  ] as const) {
    const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw new Error(`${file}: ${e.message}`);
    });
    if (bytes) return gz ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  }
  return undefined;
}

/** The parsed report, or undefined when neither `<path>` nor `<path>.gz` exists. */
export async function readReportJsonIfAny(path: string): Promise<unknown> {
  const text = await readReportText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
}

/** The parsed report; a missing one is an error naming both places looked at. */
export async function readReportJson(path: string): Promise<unknown> {
  const report = await readReportJsonIfAny(path);
  if (report === undefined) throw new Error(`${path}: no such report (nor ${path}.gz)`);
  return report;
}

/**
 * Gzips each report of at least `minBytes` to `<path>.gz` and removes the plain file (readers
 * above take either). Returns what it packed, with both sizes; smaller files are left as they are.
 */
export async function packReports(
  paths: readonly string[],
  minBytes: number,
): Promise<Array<{ path: string; bytes: number; gzBytes: number }>> {
  const packed: Array<{ path: string; bytes: number; gzBytes: number }> = [];
  for (const path of paths) {
    if (path.endsWith('.gz')) continue;
    const bytes = await readFile(path);
    if (bytes.length < minBytes) continue;
    JSON.parse(bytes.toString('utf8')); // only reports: a file that is not JSON is refused before anything is removed
    const gz = gzipSync(bytes, { level: 9 });
    await writeFile(`${path}.gz`, gz);
    await rm(path);
    packed.push({ path, bytes: bytes.length, gzBytes: gz.length });
  }
  return packed;
}
