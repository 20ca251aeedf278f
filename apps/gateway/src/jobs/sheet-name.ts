import { basename, extname } from 'node:path';

/** Excel's limit on sheet names; the merger names the output sheet after the input. */
const MAX_SHEET_NAME = 31;

/** Input file name without folders or extension, e.g. `C:\data\측정.csv` → `측정`. */
export function baseNameOf(fileName: string): string {
  const name = basename(fileName.replace(/\\/g, '/'));
  const ext = extname(name);
  return (ext && ext !== name ? name.slice(0, -ext.length) : name).trim();
}

/** A CSV has no sheet names: use the file's base name, made valid for Excel. */
export function sheetNameFor(fileName: string): string {
  const cleaned = baseNameOf(fileName).replace(/[[\]:*?/\\]/g, '_').replace(/^'+|'+$/g, '').slice(0, MAX_SHEET_NAME).trim();
  return cleaned || 'Sheet1';
}
