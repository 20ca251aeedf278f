export type TextEncodingName = 'utf-8' | 'cp949' | 'utf-16le' | 'utf-16be';

/** What a caller may ask for: a concrete encoding, an alias, or `auto` (detect). */
export type EncodingChoice = TextEncodingName | 'euc-kr' | 'auto';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);
const UTF16BE_BOM = Buffer.from([0xfe, 0xff]);

/**
 * The encoding to decode with for a choice: `euc-kr` is read as CP949, its superset (every
 * EUC-KR file is valid CP949, and Excel's "CSV" on Korean Windows writes CP949).
 */
export function encodingFor(choice: string | undefined | null): TextEncodingName | 'auto' {
  const c = (choice ?? 'auto').trim().toLowerCase().replace(/_/g, '-');
  switch (c) {
    case '':
    case 'auto':
      return 'auto';
    case 'utf-8':
    case 'utf8':
      return 'utf-8';
    case 'cp949':
    case 'ms949':
    case 'uhc':
    case 'euc-kr':
    case 'euckr':
      return 'cp949';
    case 'utf-16le':
    case 'utf16le':
      return 'utf-16le';
    case 'utf-16be':
    case 'utf16be':
      return 'utf-16be';
    default:
      throw new RangeError(`unknown encoding "${choice}"`);
  }
}

/** Drops a trailing, possibly cut, multi-byte UTF-8 sequence so a sample can be checked strictly. */
function trimPartialUtf8(sample: Buffer): Buffer {
  let i = sample.length - 1;
  let back = 0;
  while (i >= 0 && back < 4 && (sample[i] & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return sample;
  const lead = sample[i];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need > back + 1 ? sample.subarray(0, i) : sample;
}

/**
 * Strict UTF-8 first: Korean CP949 text is almost never valid UTF-8, while UTF-8 is never
 * mistaken for CP949 by this order. A BOM settles it outright (UTF-8 or UTF-16).
 */
export function detectEncoding(sample: Buffer): { encoding: TextEncodingName; bom: boolean } {
  if (sample.subarray(0, 3).equals(UTF8_BOM)) return { encoding: 'utf-8', bom: true };
  if (sample.subarray(0, 2).equals(UTF16LE_BOM)) return { encoding: 'utf-16le', bom: true };
  if (sample.subarray(0, 2).equals(UTF16BE_BOM)) return { encoding: 'utf-16be', bom: true };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(sample));
    return { encoding: 'utf-8', bom: false };
  } catch {
    return { encoding: 'cp949', bom: false };
  }
}
