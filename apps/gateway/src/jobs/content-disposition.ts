import { create as contentDisposition } from 'content-disposition';
import type { OutputFormat } from '@geobatch/contracts';
import { baseNameOf } from '@geobatch/util-spreadsheet';

/** Suffix of the downloaded workbook's name: `측정.csv` → `측정_주소변환.xlsx` (`_주소변환.csv` for format=csv). */
export const RESULT_SUFFIX = '_주소변환.xlsx';
const RESULT_SUFFIXES: Record<OutputFormat, string> = { xlsx: RESULT_SUFFIX, csv: '_주소변환.csv' };

/** Name of the result download for an input file name. */
export function resultFileName(inputName: string, format: OutputFormat = 'xlsx'): string {
  return `${baseNameOf(inputName) || 'result'}${RESULT_SUFFIXES[format]}`;
}

/**
 * `attachment` with the exact UTF-8 name in `filename*` (clients that understand it prefer it) and
 * an ASCII `filename` for old clients such as `curl -OJ`: the input's ASCII letters, or `result`.
 * The fallback keeps no quote, backslash or control character, so a crafted upload name cannot
 * inject header parameters; the package encodes the rest.
 */
export function attachmentDisposition(inputName: string, format: OutputFormat = 'xlsx'): string {
  const asciiBase = baseNameOf(inputName).replace(/[^\x20-\x7e]/g, '').replace(/["\\;=%]/g, '_').trim();
  const fallback = `${/[A-Za-z0-9]/.test(asciiBase) ? asciiBase : 'result'}_geocoded.${format}`;
  return contentDisposition(resultFileName(inputName, format), { fallback });
}
