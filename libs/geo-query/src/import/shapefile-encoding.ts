// The text encoding of a shapefile's attributes: from a .cpg or `--encoding` label, or guessed from the .dbf.

/** Encodings of .cpg files and `--encoding` that mean the Korean Windows code page (read as WHATWG `euc-kr`, which is CP949). */
const KOREAN_LABELS = new Set([
  'cp949', 'cp-949', 'ms949', 'ms-949', 'windows-949', 'x-windows-949', 'uhc', 'euc-kr', 'euckr', 'euc_kr', 'ks_c_5601-1987',
  'ks_c_5601', 'ksc5601', 'ksc_5601', 'korean', '949', 'ansi 949', 'ansi_949', 'ansi949',
]);
const UTF8_LABELS = new Set(['utf-8', 'utf8', '65001', 'unicode']);

/** What is shown for an encoding in messages. */
export function encodingLabel(whatwg: string): string {
  return whatwg === 'euc-kr' ? 'CP949 (EUC-KR)' : whatwg.toUpperCase();
}

/**
 * Turns an encoding name (from a .cpg file or `--encoding`) into the WHATWG label the dbf reader
 * decodes with; null when it is not a known text encoding. CP949 and its aliases (EUC-KR, MS949,
 * 949, UHC…) become `euc-kr`, which in the WHATWG Encoding Standard is the CP949 superset.
 */
export function normalizeEncoding(name: string): string | null {
  const key = name.replace(/^\uFEFF/, '').trim().toLowerCase();
  if (key === '') return null;
  if (KOREAN_LABELS.has(key)) return 'euc-kr';
  if (UTF8_LABELS.has(key)) return 'utf-8';
  try {
    return new TextDecoder(key).encoding;
  } catch {
    return null;
  }
}

/** Byte offset of the first record of a dbf (its header length field), or null for a file too short to be one. */
function dbfRecordsOffset(dbf: Buffer): number | null {
  if (dbf.length < 32) return null;
  const headerLength = dbf.readUInt16LE(8);
  return headerLength <= dbf.length ? headerLength : null;
}

/** With neither .cpg nor `--encoding`: UTF-8 when the records are valid UTF-8 (plain ASCII included), else CP949. */
export function guessDbfEncoding(dbf: Buffer): string {
  const offset = dbfRecordsOffset(dbf) ?? 0;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(dbf.subarray(offset));
    return 'utf-8';
  } catch {
    return 'euc-kr';
  }
}
