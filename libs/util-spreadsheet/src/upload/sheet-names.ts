import { basename, extname } from 'node:path';

/** Excel's limit on a worksheet name. */
export const SHEET_NAME_MAX = 31;

/** Input file name without folders or extension, e.g. `C:\data\측정.csv` → `측정`. */
export function baseNameOf(fileName: string): string {
  const name = basename(fileName.replace(/\\/g, '/'));
  const ext = extname(name);
  return (ext && ext !== name ? name.slice(0, -ext.length) : name).trim();
}

/** Clips to `max` characters (code points, so an emoji is never cut in half) without a trailing apostrophe. */
function clip(s: string, max: number): string {
  return Array.from(s).slice(0, max).join('').replace(/'+$/, '');
}

function sanitizeSheetName(name: string, fallback: string): string {
  let base = name.replace(/[[\]:*?/\\]/g, '_').replace(/[\u0000-\u001f]/g, '').trim().replace(/^'+|'+$/g, '').trim();
  if (base === '') base = fallback;
  if (base.toLowerCase() === 'history') base = `${base}_`;
  return base;
}

/**
 * A valid, unique worksheet name: no `[]:*?/\`, no leading or trailing apostrophe, at most 31
 * characters, not the reserved `History`, and unique (case-insensitive) among `taken`.
 */
export function toSheetName(name: string, taken: Iterable<string> = [], fallback = 'Sheet1'): string {
  return suffixedSheetName(name, '', taken, fallback);
}

/** Like toSheetName, with a suffix that always survives the 31-character clip: `긴 이름… (2)`. */
export function suffixedSheetName(name: string, suffix: string, taken: Iterable<string> = [], fallback = 'Sheet1'): string {
  const base = sanitizeSheetName(name, fallback);
  const used = new Set([...taken].map((t) => t.toLowerCase()));
  let candidate = clip(base, SHEET_NAME_MAX - suffix.length) + suffix;
  for (let i = 2; used.has(candidate.toLowerCase()); i++) {
    const extra = `${suffix} (${i})`;
    candidate = clip(base, SHEET_NAME_MAX - extra.length) + extra;
  }
  return candidate;
}

/** A CSV has no sheet names: its one sheet is named after the file, made valid for Excel. */
export function csvSheetName(fileName: string): string {
  return toSheetName(baseNameOf(fileName));
}

/** The output names of the input sheets, in order: valid for Excel and unique, like the result writer names them. */
export function outputSheetNames(inputNames: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of inputNames) out.push(toSheetName(name, out, `Sheet${out.length + 1}`));
  return out;
}
