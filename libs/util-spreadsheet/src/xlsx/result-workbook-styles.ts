import type ExcelJS from 'exceljs';
import type { OutputLang } from '@geobatch/contracts';

/** Looks of the result workbook: header styles, column widths, the extra sheets' names, shared cell styles. */

/** Display width in Excel character units: Hangul and other wide characters take two. */
function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

/**
 * Header text plus room for the filter button, within sensible bounds (at least 10: exceljs
 * leaves a width of exactly 9, its default, out of the file).
 */
export function headerColumnWidth(text: string): number {
  return Math.min(50, Math.max(10, displayWidth(text) + 4));
}

export const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true };
export const ORIGINAL_HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
// Appended columns stand out from the user's own, so it is obvious what Geobatch added.
export const APPENDED_HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
export const HEADER_BORDER: Partial<ExcelJS.Borders> = { bottom: { style: 'thin', color: { argb: 'FF808080' } } };
/** Text number format, so codes typed over in Excel stay text too. */
export const TEXT_FORMAT = '@';

/** Names and column titles of the extra sheets, per language. */
export const EXTRA_SHEETS: Record<OutputLang, { problems: string; summary: string; problemHeader: string[] }> = {
  ko: { problems: '문제 행', summary: '요약', problemHeader: ['시트', '행', '상태', '사유', 'X', 'Y'] },
  en: { problems: 'Problems', summary: 'Summary', problemHeader: ['Sheet', 'Row', 'Status', 'Reason', 'X', 'Y'] },
};
export const PROBLEM_WIDTHS = [24, 10, 12, 60, 16, 16];

/**
 * One frozen style object per number format. exceljs caches a style's id by object identity, so
 * sharing the object skips re-serialising the style of every cell (the writer's hottest path).
 * Frozen because exceljs would otherwise let `cell.numFmt = …` change every cell sharing it.
 */
const STYLES = new Map<string, Partial<ExcelJS.Style>>();
const NO_STYLE: Partial<ExcelJS.Style> = Object.freeze({});
export function styleOf(numFmt: string | undefined): Partial<ExcelJS.Style> {
  if (!numFmt) return NO_STYLE;
  let style = STYLES.get(numFmt);
  if (!style) STYLES.set(numFmt, (style = Object.freeze({ numFmt })));
  return style;
}

/**
 * Sets the column widths and writes the styled header row; the titles from `appendedFrom` on are
 * Geobatch's own columns and stand out. Widths must be set before the first row is committed:
 * they are written ahead of the rows.
 */
export function writeHeaderRow(
  sheet: ExcelJS.Worksheet,
  titles: readonly string[],
  widthOf: (title: string, c: number) => number,
  appendedFrom: number,
  rowNumber = 1,
): void {
  titles.forEach((title, c) => (sheet.getColumn(c + 1).width = widthOf(title, c)));
  const row = sheet.getRow(rowNumber);
  titles.forEach((text, c) => {
    const cell = row.getCell(c + 1);
    // The header is copied as text even when it looks like a number: it is a label.
    if (text !== '') cell.value = text;
    cell.font = HEADER_FONT;
    cell.fill = c >= appendedFrom ? APPENDED_HEADER_FILL : ORIGINAL_HEADER_FILL;
    cell.border = HEADER_BORDER;
  });
  row.commit();
}
