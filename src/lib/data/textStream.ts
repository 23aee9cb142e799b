// Text files read as a stream of byte chunks, in bounded memory: the one reader behind the Node CLI
// (file streams) and the data worker (`File.stream()`, fetch bodies). Large inputs (HOSER's own
// Porto set, the 1.8 GB ECML file) are longer than the longest string V8 can build (0x1fffffe8
// characters), so no file is ever held as one string: bytes are gunzipped as a stream, decoded as
// UTF-8 across chunk boundaries, and cut into pieces that end on a record boundary.
//
// Records themselves are parsed by papaparse, piece by piece (`CsvPieces`): papaparse's own
// streaming inputs are a Node stream or a browser File read with FileReader, neither of which takes
// a gunzipped async iterable in both places, so the framing is done here and each piece goes
// through the same synchronous parse a whole small file gets. Quotes may hold commas and line
// breaks: a piece ends only at a line break outside quotes, so no record is ever split.
//
// Framework-free: only web-standard globals (TextDecoder, DecompressionStream, ReadableStream),
// which Node 20, Chromium and its workers all have.

/** Bytes as they arrive: a Node file stream (Buffer is a Uint8Array) or a web ReadableStream. */
export type ByteChunks = AsyncIterable<Uint8Array>;

/** A file to read as a stream: its name (for messages) and a way to open its bytes. */
export interface StreamFile {
  name: string;
  /** Opens the file's bytes from the start (called once per read). */
  open: () => ByteChunks;
  /** The bytes are gzip (default: the name ends with .gz). */
  gzip?: boolean;
}

/** A web ReadableStream as an async iterable (Chromium's streams are not iterable everywhere yet). */
export async function* streamChunks(rs: ReadableStream<Uint8Array>): ByteChunks {
  const reader = rs.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** An async iterable of chunks as a web ReadableStream (pulled one chunk at a time). */
function toReadable(src: ByteChunks): ReadableStream<Uint8Array> {
  const it = src[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const { done, value } = await it.next();
      if (done) c.close();
      // Copy: a Node Buffer may be a view of a pooled ArrayBuffer that the next read reuses.
      else c.enqueue(new Uint8Array(value));
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/** Gunzips a byte stream as it arrives (DecompressionStream: Node 20, Chromium, workers). */
export function gunzipChunks(src: ByteChunks): ByteChunks {
  const ds = new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
  return streamChunks(toReadable(src).pipeThrough(ds));
}

/** A file's bytes, gunzipped when it is gzip. */
export function fileBytes(file: StreamFile): ByteChunks {
  const gzip = file.gzip ?? /\.gz$/i.test(file.name);
  return gzip ? gunzipChunks(file.open()) : file.open();
}

/**
 * Decodes UTF-8 across chunk boundaries (a character split between two chunks comes out whole).
 * The byte-order mark is dropped, as TextDecoder does by default.
 */
export async function* decodeUtf8(src: ByteChunks): AsyncIterable<string> {
  const dec = new TextDecoder('utf-8');
  for await (const chunk of src) {
    const s = dec.decode(chunk, { stream: true });
    if (s !== '') yield s;
  }
  const tail = dec.decode();
  if (tail !== '') yield tail;
}

/**
 * A copy of `s` that does not keep the text it was cut from alive. V8 makes a substring of 13 or
 * more characters a view of its parent: a trip id kept from every piece would keep every piece,
 * the whole file, in memory. JSON.parse builds a fresh string.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** Default size of a piece handed on (characters): big enough that a small file is one piece. */
export const PIECE_CHARS = 4 << 20;

/**
 * Cuts text arriving in arbitrary chunks into pieces that each end just after a line break outside
 * any quoted field (or at the end of the text), so every piece holds whole CSV records. Quotes are
 * counted by parity: a doubled quote ("") inside a field flips twice, so it needs no special case.
 * A piece is handed on once at least `minChars` are buffered; a text shorter than that is one piece,
 * the whole text, exactly as a whole-file read sees it. `line` is the piece's first physical line
 * (1-based); pieces are handed on in order.
 */
export class CsvPieces {
  private buf = '';
  /** Quote parity of everything in `buf` before `scanned`. */
  private inQuote = false;
  private scanned = 0;
  /** Just past the last line break outside quotes in buf[0, scanned), or 0. */
  private cut = 0;
  private line = 1;

  constructor(
    private readonly onPiece: (text: string, line: number) => void,
    private readonly minChars = PIECE_CHARS,
  ) {}

  push(text: string): void {
    this.buf += text;
    this.scan();
    if (this.cut > 0 && this.cut >= this.minChars) this.emit(this.cut);
  }

  /** Hands on what is left (a last record without a line break, or an unclosed quote's rest). */
  end(): void {
    if (this.buf !== '') this.emit(this.buf.length);
  }

  private scan(): void {
    const s = this.buf;
    let i = this.scanned;
    while (i < s.length) {
      const q = s.indexOf('"', i);
      const stop = q < 0 ? s.length : q;
      if (!this.inQuote) {
        const nl = s.lastIndexOf('\n', stop - 1);
        if (nl >= i) this.cut = nl + 1;
      }
      if (q < 0) break;
      this.inQuote = !this.inQuote;
      i = q + 1;
    }
    this.scanned = s.length;
  }

  private emit(n: number): void {
    const piece = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    this.scanned -= n;
    this.cut = 0;
    const line = this.line;
    for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) this.line++;
    this.onPiece(piece, line);
  }
}

/** Feeds a stream file's decoded text through `pieces`, then ends it. */
export async function pipeFile(file: StreamFile, pieces: CsvPieces): Promise<void> {
  for await (const s of decodeUtf8(fileBytes(file))) pieces.push(s);
  pieces.end();
}

/**
 * The text's lines, each with its 1-based number, without the line break (CRLF or LF); a line may
 * be split across chunks. For line-based formats (cabspotting, GPS CSVs whose fields hold no line break).
 */
export async function* textLines(chunks: AsyncIterable<string>): AsyncIterable<{ text: string; line: number }> {
  let rest = '';
  let line = 1;
  for await (const chunk of chunks) {
    const s = rest + chunk;
    let a = 0;
    for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', a)) {
      yield { text: s.charCodeAt(k - 1) === 13 && k > a ? s.slice(a, k - 1) : s.slice(a, k), line: line++ };
      a = k + 1;
    }
    rest = s.slice(a);
  }
  if (rest !== '') yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line };
}
