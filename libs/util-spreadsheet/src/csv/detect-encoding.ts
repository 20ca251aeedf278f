export type TextEncodingName = 'utf-8' | 'cp949';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

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
 * mistaken for CP949 by this order. A BOM settles it outright.
 */
export function detectEncoding(sample: Buffer): { encoding: TextEncodingName; bom: boolean } {
  if (sample.subarray(0, 3).equals(UTF8_BOM)) return { encoding: 'utf-8', bom: true };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(sample));
    return { encoding: 'utf-8', bom: false };
  } catch {
    return { encoding: 'cp949', bom: false };
  }
}
