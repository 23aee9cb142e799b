// Committed reports as JSON, read where they lie: `<path>`, or `<path>.gz` when only the gzipped copy
// is committed (per-OD reports reach 850 KB as text and a tenth of it gzipped, and the clone should not
// grow by tens of MB a round). One reader for every command that reads reports.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

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

/** The parsed report; a missing one is an error naming both places looked at. */
export async function readReportJson(path: string): Promise<unknown> {
  const text = await readReportText(path);
  if (text === undefined) throw new Error(`${path}: no such report (nor ${path}.gz)`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
}
