// Number and size formatting for the panels (one locale, so screenshots and tests are stable).
const LOCALE = 'en-US';

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString(LOCALE);
}

export function fmtNum(n: number, digits = 1): string {
  return n.toLocaleString(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The noun for `n` things: "1 candidate", "2 candidates" (`many` for irregular plurals). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** `n` and its noun: "1 candidate", "1,204 trips". */
export function countNoun(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${plural(n, one, many)}`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${fmtNum(n / 1024, 0)} KB`;
  return `${fmtNum(n / (1024 * 1024), 1)} MB`;
}

export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${fmtNum(ms / 1000, 1)} s`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A trip id as every view shows it: its own id first, then the source it was merged from. The Porto
 * set merges trips from several public copies of the ECML data, whose ids the build prefixes with
 * their source ("BLUE:766816", "taxi-trajectory-prediction:1376…"), beside ECML's own unprefixed
 * ids; shown raw the kinds read as different things. Here: "766816 (BLUE)", "1372636853620000380".
 */
export function tripIdText(id: string): string {
  const at = id.indexOf(':');
  return at > 0 && at < id.length - 1 ? `${id.slice(at + 1)} (${id.slice(0, at)})` : id;
}
