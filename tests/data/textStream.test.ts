// The streaming reader: text cut into chunks anywhere (inside a quoted field, between CR and LF,
// inside a UTF-8 character, inside a gzip member) reads exactly as the whole file does, and the
// browser's path (a File's web stream) and the CLI's (a Node file stream) give identical packed arrays.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { CsvPieces, decodeUtf8, fileBytes, streamChunks, textLines, type StreamFile } from '../../src/lib/data/textStream';
import { readHoserDataset, readHoserDatasetStream } from '../../src/lib/data/hoserReader';
import { packDataset } from '../../src/lib/data/packedDataset';
import { DatasetError } from '../../src/lib/data/types';
import type { TextFile, ValidationIssue } from '../../src/lib/data/types';
import { datasetDirFiles } from '../../src/cli/common/fsDataset';

const FIX = join(__dirname, '..', 'fixtures');
const PORTO = join(__dirname, '..', '..', 'public', 'data', 'porto');

/** `bytes` as an async iterable of chunks of `size` bytes. */
async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

const enc = new TextEncoder();
const streamOf = (name: string, bytes: Uint8Array, size: number, gzip = false): StreamFile => ({
  name,
  gzip,
  open: () => chunked(bytes, size),
});

/** A packed dataset with every typed array replaced by its bytes' sha256 (deep-equal of millions of elements is slow). */
function digest(v: unknown): unknown {
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}:${createHash('sha256')
      .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
      .digest('hex')}`;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, digest(x)]));
  return v;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function tinyFiles(): TextFile[] {
  const dir = join(FIX, 'tiny');
  return readdirSync(dir).map((n) => ({ name: n, text: readFileSync(join(dir, n), 'utf8') }));
}

/** A trip file with quoted fields holding commas and a line break, CRLF ends and non-ASCII ids. */
const TRICKY =
  'traj_id,rid_list,time_list\r\n' +
  '"é-0","0,1,\r\n2","2013-07-01T00:00:00Z,2013-07-01T00:00:15Z,2013-07-01T00:00:30Z"\r\n' +
  '\r\n' +
  '"t ""1"" 😀","1,2,3","2013-07-01T00:01:00Z,2013-07-01T00:01:15Z,2013-07-01T00:01:30Z"\r\n' +
  'plain,"3,4","2013-07-01T00:02:00Z,2013-07-01T00:02:10Z"\r\n';

async function issuesOf(p: Promise<unknown>): Promise<ValidationIssue[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DatasetError) return e.issues;
    throw e;
  }
  return [];
}

describe('CsvPieces', () => {
  it('cuts only after a line break outside quotes, keeps every character and numbers lines', () => {
    for (const size of [1, 2, 7, 64]) {
      const pieces: { text: string; line: number }[] = [];
      const cutter = new CsvPieces((text, line) => pieces.push({ text, line }), size);
      for (let i = 0; i < TRICKY.length; i += size) cutter.push(TRICKY.slice(i, i + size));
      cutter.end();
      expect(pieces.map((p) => p.text).join('')).toBe(TRICKY);
      let line = 1;
      for (const p of pieces) {
        expect(p.line).toBe(line);
        line += p.text.split('\n').length - 1;
        // Quote parity is even at every cut: no record is split.
        expect((p.text.match(/"/g) ?? []).length % 2).toBe(0);
      }
      // The quoted line break (line 2 → 3) is never a cut.
      expect(pieces.some((p) => p.text.endsWith('"0,1,\r\n'))).toBe(false);
    }
  });

  it('a text shorter than the piece size is one piece, as a whole-file read sees it', () => {
    const pieces: string[] = [];
    const cutter = new CsvPieces((t) => pieces.push(t));
    for (const c of TRICKY.match(/[^]{1,5}/g)!) cutter.push(c);
    cutter.end();
    expect(pieces).toEqual([TRICKY]);
  });
});

describe('decodeUtf8 and textLines', () => {
  it('a character split across chunks comes out whole; CRLF split between chunks ends one line', async () => {
    const bytes = enc.encode('a,é\r\nb,😀\r\nc,"x"');
    for (const size of [1, 2, 3, 7]) {
      expect((await collect(decodeUtf8(chunked(bytes, size)))).join('')).toBe('a,é\r\nb,😀\r\nc,"x"');
      expect(await collect(textLines(decodeUtf8(chunked(bytes, size))))).toEqual([
        { text: 'a,é', line: 1 },
        { text: 'b,😀', line: 2 },
        { text: 'c,"x"', line: 3 },
      ]);
    }
  });

  it('gunzips a gzip stream split anywhere, also one of two concatenated members', async () => {
    const text = TRICKY.repeat(50);
    const gz = Buffer.concat([gzipSync(text.slice(0, 1000)), gzipSync(text.slice(1000))]);
    for (const size of [1, 7, 4096]) {
      const out = await collect(decodeUtf8(fileBytes(streamOf('x.csv.gz', gz, size, true))));
      expect(out.join('')).toBe(text);
    }
  });
});

describe('readHoserDatasetStream', () => {
  const tiny = tinyFiles();
  const whole = readHoserDataset([...tiny.filter((f) => f.name !== 'train.csv'), { name: 'train.csv', text: TRICKY }], 'tiny');

  it('reads quoted fields, CRLF and a gzip member split across chunks exactly as a whole-file read', async () => {
    expect(whole.splits.train.map((t) => t.id)).toEqual(['é-0', 't "1" 😀', 'plain']);
    for (const size of [1, 7, 4096]) {
      for (const gzip of [false, true]) {
        const files = tiny.map((f) => {
          const text = f.name === 'train.csv' ? TRICKY : f.text;
          const bytes = gzip ? gzipSync(text) : enc.encode(text);
          return streamOf(gzip ? `${f.name}.gz` : f.name, bytes, size, gzip);
        });
        // Pieces as small as a few characters: every record boundary is also a piece boundary.
        for (const pieceChars of [1, 50, undefined]) {
          expect(await readHoserDatasetStream(files, 'tiny', pieceChars)).toEqual(whole);
        }
      }
    }
  });

  it('keeps file:line on problems when the file arrives in small pieces', async () => {
    const bad = TRICKY + '"q","1,4","2013-07-01T00:03:00Z,2013-07-01T00:03:15Z"\r\n';
    const files = tiny.map((f) => {
      const text = f.name === 'train.csv' ? bad : f.text;
      return streamOf(f.name, enc.encode(text), 7);
    });
    const want = [{ file: 'train.csv', line: 7, field: 'rid_list' }];
    expect(await issuesOf(readHoserDatasetStream(files, 'tiny', 20))).toMatchObject(want);
    const wholeIssues = await issuesOf(
      Promise.resolve().then(() => readHoserDataset(tiny.map((f) => (f.name === 'train.csv' ? { ...f, text: bad } : f)))),
    );
    expect(wholeIssues).toMatchObject(want);
  });

  it("the browser's path (a File's web stream) and the CLI's (Node file streams) give identical packed arrays for Porto", async () => {
    const cli = digest(packDataset(await readHoserDatasetStream(await datasetDirFiles(PORTO), 'porto')));
    const browserFiles: StreamFile[] = readdirSync(PORTO)
      .filter((n) => /\.(geo|rel|csv)$/.test(n))
      .map((n) => {
        const file = new File([readFileSync(join(PORTO, n))], n);
        return { name: n, open: () => streamChunks(file.stream()) };
      });
    const browser = digest(packDataset(await readHoserDatasetStream(browserFiles, 'porto')));
    expect(browser).toEqual(cli);
    expect((cli as { splits: { train: { count: number } } }).splits.train.count).toBeGreaterThan(1000);
    // And both equal the whole-text read.
    const texts = readdirSync(PORTO)
      .filter((n) => /\.(geo|rel|csv)$/.test(n))
      .map((n) => ({ name: n, text: readFileSync(join(PORTO, n), 'utf8') }));
    expect(digest(packDataset(readHoserDataset(texts, 'porto')))).toEqual(cli);
  });
});
