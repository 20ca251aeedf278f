import type { OutputFormat } from '@geobatch/contracts';
import { baseNameOf } from './sheet-name';

/** Suffix of the downloaded workbook's name: `측정.csv` → `측정_주소변환.xlsx` (`_주소변환.csv` for format=csv). */
export const RESULT_SUFFIX = '_주소변환.xlsx';
const RESULT_SUFFIXES: Record<OutputFormat, string> = { xlsx: RESULT_SUFFIX, csv: '_주소변환.csv' };

/** RFC 5987 value: percent-encoded UTF-8, including the characters encodeURIComponent leaves alone but the ABNF forbids. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Name of the result download for an input file name. */
export function resultFileName(inputName: string, format: OutputFormat = 'xlsx'): string {
  return `${baseNameOf(inputName) || 'result'}${RESULT_SUFFIXES[format]}`;
}

/**
 * `attachment` with an ASCII `filename` for old clients and the exact UTF-8 name in `filename*`
 * (clients that understand it prefer it). Quotes, backslashes and control characters never
 * reach the header, so a crafted upload name cannot inject header parameters.
 */
export function attachmentDisposition(inputName: string, format: OutputFormat = 'xlsx'): string {
  const exact = resultFileName(inputName, format);
  const asciiBase = baseNameOf(inputName).replace(/[^\x20-\x7e]/g, '').replace(/["\\;=%]/g, '_').trim();
  const fallback = `${/[A-Za-z0-9]/.test(asciiBase) ? asciiBase : 'result'}_geocoded.${format}`;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${rfc5987(exact)}`;
}
