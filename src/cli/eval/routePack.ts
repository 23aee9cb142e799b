// A route cache (eval paired-report / paired-search --route-cache <dir>: one JSON file per
// checkpoint, split and search) as one committed, gzipped file, and back. A registered
// confirmation's routes are kept this way, so a later analysis reads the very routes the reading
// scored instead of regenerating them from checkpoints that are not committed.
//   eval pack-routes --cache <dir> --out <file.json.gz>
//   eval unpack-routes --from <file.json.gz> --cache <dir>
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { flagString, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';

const PACK_SCHEMA = 'trajdistill/route-pack@1';

interface PackedEntry {
  /** The cache file's name (the key's digest) and its whole JSON text, { key, routes }. */
  file: string;
  text: string;
}

/** Every entry of a cache folder, gzipped into one file; returns the entries' count and sizes. */
export async function packRouteCache(dir: string, out: string): Promise<{ entries: number; bytes: number; gzBytes: number }> {
  const names = (await readdir(dir)).filter((f) => /^[0-9a-f]{32}\.json$/.test(f)).sort();
  if (names.length === 0) throw new Error(`pack-routes: ${dir} holds no cached routes`);
  const entries: PackedEntry[] = [];
  for (const file of names) {
    const text = await readFile(join(dir, file), 'utf8');
    const parsed = JSON.parse(text) as { key?: unknown; routes?: unknown };
    if (typeof parsed.key !== 'string' || typeof parsed.routes !== 'object')
      throw new Error(`pack-routes: ${file} is not a cached route set`);
    entries.push({ file, text });
  }
  const body = Buffer.from(JSON.stringify({ schema: PACK_SCHEMA, entries }));
  const gz = gzipSync(body, { level: 9 });
  await writeFile(out, gz);
  return { entries: entries.length, bytes: body.length, gzBytes: gz.length };
}

/** Writes a pack's entries into a cache folder (existing entries of the same key are replaced). */
export async function unpackRouteCache(from: string, dir: string): Promise<number> {
  let pack: { schema?: unknown; entries?: PackedEntry[] };
  try {
    pack = JSON.parse(gunzipSync(await readFile(from)).toString('utf8')) as typeof pack;
  } catch (e) {
    throw new Error(`unpack-routes: ${from} is not a route pack (${(e as Error).message})`);
  }
  if (pack.schema !== PACK_SCHEMA || !Array.isArray(pack.entries)) throw new Error(`unpack-routes: ${from} is not a ${PACK_SCHEMA} file`);
  await mkdir(dir, { recursive: true });
  for (const e of pack.entries) {
    if (!/^[0-9a-f]{32}\.json$/.test(e.file)) throw new Error(`unpack-routes: ${from} names an entry "${e.file}"`);
    const tmp = join(dir, `${e.file}.${process.pid}.tmp`);
    await writeFile(tmp, e.text);
    await rename(tmp, join(dir, e.file));
  }
  return pack.entries.length;
}

const PACK_USAGE = 'usage: eval pack-routes --cache <dir> --out <file.json.gz>';
const UNPACK_USAGE = 'usage: eval unpack-routes --from <file.json.gz> --cache <dir>';

export async function runPack(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval pack-routes', PACK_USAGE));
  const out = flagString(p, 'out');
  const r = await packRouteCache(flagString(p, 'cache'), out);
  console.log(`${out}: ${r.entries} route sets, ${(r.bytes / 1024).toFixed(0)} KB → ${(r.gzBytes / 1024).toFixed(0)} KB`);
  return 0;
}

export async function runUnpack(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval unpack-routes', UNPACK_USAGE));
  const dir = flagString(p, 'cache');
  console.log(`${dir}: ${await unpackRouteCache(flagString(p, 'from'), dir)} route sets unpacked`);
  return 0;
}
