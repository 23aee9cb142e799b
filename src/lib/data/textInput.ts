// Guards for user files that should be text: a binary file (an image, a zip, a gzip without its
// .gz name, random bytes) is named as such instead of being parsed, and nothing a message quotes
// from a file can put raw control bytes or undecodable garbage on screen.

/** Characters examined at the start of a file: enough to tell, cheap on a 100 MB file. */
const SAMPLE = 8192;
/** Share of non-text characters above which a file is taken for binary (random bytes: > 50 %). */
const MAX_NON_TEXT = 0.1;

/** A C0/C1 control character other than tab and line ends, or U+FFFD (bytes that are not UTF-8). */
function nonText(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f) || c === 0xfffd;
}

/** Whether `s` holds a character no text line holds (a control byte, or bytes that are not UTF-8). */
export function hasNonText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (nonText(s.charCodeAt(i))) return true;
  return false;
}

/**
 * Why `text` (decoded as UTF-8) cannot be a text CSV file, or null when it looks like text. A NUL
 * never occurs in a text CSV; otherwise a high share of control characters and decoding failures
 * in the first few KB says binary.
 */
export function binaryReason(text: string): string | null {
  const n = Math.min(text.length, SAMPLE);
  let bad = 0;
  let nul = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) nul = true;
    if (nonText(c)) bad++;
  }
  if (!nul && bad <= MAX_NON_TEXT * n) return null;
  // gzip's magic bytes 1f 8b: a compressed file without its .gz name.
  const gzip = text.charCodeAt(0) === 0x1f && text.charCodeAt(1) === 0xfffd ? ': it looks gzip-compressed, so give it a .gz name' : '';
  return `this is not a text CSV file (looks binary)${gzip}`;
}

/**
 * `s` fit to quote in a message: control characters and undecodable bytes escaped (\u0000 …),
 * shortened to `max` characters.
 */
export function printable(s: string, max = 60): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += nonText(c) ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
    if (out.length >= max) return out.slice(0, max - 1) + '…';
  }
  return out;
}
